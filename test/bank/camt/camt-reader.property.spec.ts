import fc from 'fast-check';
import { readAll } from './camt-test.helpers';

/** Only characters XML 1.0 can carry; CR is left out since parsers turn it into LF. */
function xmlChars(text: string): string {
  return text.replace(/[^\t\n\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const CURRENCIES = [
  { code: 'EUR', exponent: 2 },
  { code: 'JPY', exponent: 0 },
  { code: 'KWD', exponent: 3 },
];

/** A decimal string with 0-5 decimals that the currency can carry, and its minor units. */
const amount = fc
  .record({
    currency: fc.constantFrom(...CURRENCIES),
    whole: fc.bigInt(0n, 10n ** 10n),
    decimals: fc.integer({ min: 0, max: 5 }),
    digits: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 5, maxLength: 5 }),
  })
  .map(({ currency, whole, decimals, digits }) => {
    // Decimals beyond the currency's exponent may only be zeros.
    const fraction = digits
      .map((digit, i) => (i < currency.exponent ? digit : 0))
      .slice(0, decimals);
    const text = decimals === 0 ? `${whole}` : `${whole}.${fraction.join('')}`;
    const kept = fraction.slice(0, currency.exponent).join('').padEnd(currency.exponent, '0');
    const minor = whole * 10n ** BigInt(currency.exponent) + BigInt(kept === '' ? '0' : kept);
    return { text, currency: currency.code, minor: Number(minor) };
  });

const text = fc.string({ unit: 'binary', maxLength: 40 }).map(xmlChars);

const entry = fc.record({
  amount,
  creditDebit: fc.constantFrom('CRDT' as const, 'DBIT' as const),
  status: fc.constantFrom('BOOK', 'PDNG', 'INFO'),
  ref: fc.stringMatching(/^[A-Za-z0-9/-]{1,20}$/),
  debtorName: text,
  ustrd: fc.array(text, { maxLength: 3 }),
});

type Entry = typeof entry extends fc.Arbitrary<infer T> ? T : never;

const document = fc.record({
  prefix: fc.stringMatching(/^[a-z][a-z0-9]{0,4}$/).filter((p) => !p.startsWith('xml')),
  unprefixed: fc.boolean(),
  version: fc.integer({ min: 2, max: 13 }),
  entries: fc.array(entry, { minLength: 1, maxLength: 4 }),
  chunkSize: fc.integer({ min: 1, max: 97 }),
});

function toXml(prefix: string, version: number, entries: Entry[]): string {
  const ns = `urn:iso:std:iso:20022:tech:xsd:camt.053.001.${String(version).padStart(2, '0')}`;
  const p = prefix === '' ? '' : `${prefix}:`;
  const el = (name: string, content: string) => `<${p}${name}>${content}</${p}${name}>`;
  const ntry = (e: Entry) => {
    // Status is plain text up to v04, a Cd from v05; the name moved into Pty in v08.
    const status = version <= 4 ? e.status : el('Cd', e.status);
    const name = el('Nm', escapeXml(e.debtorName));
    return el(
      'Ntry',
      `<${p}Amt Ccy="${e.amount.currency}">${e.amount.text}</${p}Amt>` +
        el('CdtDbtInd', e.creditDebit) +
        el('Sts', status) +
        el('AcctSvcrRef', e.ref) +
        el(
          'NtryDtls',
          el(
            'TxDtls',
            el('RltdPties', el('Dbtr', version >= 8 ? el('Pty', name) : name)) +
              el('RmtInf', e.ustrd.map((u) => el('Ustrd', escapeXml(u))).join('\n')),
          ),
        ),
    );
  };
  const declaration = prefix === '' ? `xmlns="${ns}"` : `xmlns:${prefix}="${ns}"`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${p}Document ${declaration}>` +
    el('BkToCstmrStmt', el('Stmt', el('Id', 'S-1') + entries.map(ntry).join('\n'))) +
    `</${p}Document>`
  );
}

describe('readCamt: generated documents (property)', () => {
  it('reads back what was written, whatever the prefix, text and chunking', async () => {
    await fc.assert(
      fc.asyncProperty(document, async ({ prefix, unprefixed, version, entries, chunkSize }) => {
        const xml = toXml(unprefixed ? '' : prefix, version, entries);

        const { transactions, summary } = await readAll(Buffer.from(xml), 'gen.xml', chunkSize);

        expect(summary).toEqual({
          messageType: 'camt.053',
          version: `001.${String(version).padStart(2, '0')}`,
          statements: 1,
          entries: entries.length,
          transactions: entries.length,
          warnings: [],
        });
        expect(
          transactions.map((t) => ({
            amountMinor: t.amountMinor,
            currency: t.currency,
            creditDebit: t.creditDebit,
            status: t.status,
            ref: t.accountServicerRef,
            debtorName: t.debtorName,
            ustrd: t.remittance.unstructuredParts,
          })),
        ).toEqual(
          entries.map((e) => ({
            amountMinor: e.amount.minor,
            currency: e.amount.currency,
            creditDebit: e.creditDebit,
            status: e.status,
            ref: e.ref,
            debtorName: e.debtorName.trim() === '' ? null : e.debtorName.trim(),
            ustrd: e.ustrd.map((u) => u.trim()).filter((u) => u !== ''),
          })),
        );
      }),
      { numRuns: 300 },
    );
  });
});
