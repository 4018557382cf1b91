/**
 * A second opinion: for every camt.053 of the shared corpus that the npm package
 * camt-parser can read, the fields it maps must agree with what our reader yields.
 * camt-parser keeps the XML as written (no trimming, DtTm whole, status only as
 * Sts/Cd), so its values are brought to our form before comparing.
 */
import { parseCamt053, type Transaction as ParserEntry } from 'camt-parser';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CamtError, readCamtFile, type CamtTransaction } from '../../../src/bank/camt';
import { CAMT_CORPUS as CORPUS, corpusFiles } from '../../support/camt-corpus';

/** Files our reader refuses on purpose though camt-parser reads them (see conformance.ts). */
const REFUSED_ON_PURPOSE: Record<string, string> = {
  'genkgo_camt/camt053.v2.wrong.xml': 'camt.no-statements',
  'kedder_ofxstatement-iso20022/gcamp6.xml': 'camt.invalid-amount',
};

function camt053Files(): string[] {
  return corpusFiles()
    .filter((file) => file.manifest?.msg_type_version.startsWith('camt.053.'))
    .map((file) => file.name);
}

async function ours(name: string): Promise<CamtTransaction[] | CamtError> {
  const transactions: CamtTransaction[] = [];
  try {
    for await (const t of readCamtFile(resolve(CORPUS, name))) transactions.push(t);
  } catch (error) {
    if (error instanceof CamtError) return error;
    throw error;
  }
  return transactions;
}

function text(value: string | undefined): string | null {
  const trimmed = (value ?? '').trim();
  return trimmed === '' ? null : trimmed;
}

/** What our reader should say of an entry, from camt-parser's view of it. */
function expectedEntry(entry: ParserEntry, version: string) {
  const details = entry.details.length === 0 ? [null] : entry.details;
  // From v03 on a detail may carry its own Amt and CdtDbtInd, which camt-parser does
  // not show: amount and direction of details are checked on v02 only.
  const detailsSpeakForThemselves = version >= '001.03';
  return details.map((detail) => ({
    status: text(entry.status) ?? undefined,
    reversal: entry.reversalIndicator,
    bookingDate: text(entry.bookingDate)?.slice(0, 10) ?? null,
    valueDate: text(entry.valueDate)?.slice(0, 10) ?? null,
    entryRef: text(entry.reference),
    accountServicerRef:
      text(detail?.references.accountServicerReference) ?? text(entry.accountServicerReference),
    endToEndId: text(detail?.references.endToEndId),
    amountMinor:
      detailsSpeakForThemselves && detail !== null
        ? undefined
        : expectedAmount(entry, detail, details.length === 1),
    creditDebit: detailsSpeakForThemselves ? undefined : entry.creditDebitIndicator,
  }));
}

/** ISO 4217 minor digits of the corpus's currencies, written out here rather than read from src. */
const MINOR_DIGITS: Record<string, number> = { EUR: 2, CHF: 2, SEK: 2, USD: 2, RON: 2, JPY: 0 };

/**
 * camt-parser's decimal text in minor units, worked out without the money module
 * under test: integer and fraction digits scaled with BigInt. Throws on text our
 * reader accepted yet this cannot read, so that the comparison never goes blind.
 */
function minorUnits(value: string, currency: string): number {
  const digits = MINOR_DIGITS[currency];
  const match = /^(\d+)(?:\.(\d*))?$/.exec(value.trim());
  // Zeros past the currency's digits say nothing (8.850 EUR is 885 cents).
  const fraction = (match?.[2] ?? '').replace(/0+$/, '');
  if (digits === undefined || match === null || fraction.length > digits)
    throw new Error(`no minor units for ${value} ${currency}`);
  return Number(
    BigInt(match[1]) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0'),
  );
}

/** AmtDtls/TxAmt, else the entry's amount when the detail is its only one. */
function expectedAmount(
  entry: ParserEntry,
  detail: ParserEntry['details'][number] | null,
  sole: boolean,
): number | undefined {
  const txAmount = detail?.amountDetails.transactionAmount;
  if (txAmount !== undefined && text(txAmount.value) !== null) {
    return minorUnits(txAmount.value, txAmount.currency);
  }
  return sole ? minorUnits(entry.amount.value, entry.amount.currency) : undefined;
}

function comparable(t: CamtTransaction, expected: ReturnType<typeof expectedEntry>[number]) {
  return {
    status: expected.status === undefined ? undefined : t.status,
    reversal: t.reversal,
    bookingDate: t.bookingDate,
    valueDate: t.valueDate,
    entryRef: t.entryRef,
    accountServicerRef: t.accountServicerRef,
    endToEndId: t.endToEndId,
    amountMinor: expected.amountMinor === undefined ? undefined : t.amountMinor,
    creditDebit: expected.creditDebit === undefined ? undefined : t.creditDebit,
  };
}

describe('readCamt against camt-parser 1.1.0 on the shared corpus', () => {
  const files = camt053Files();
  const compared: string[] = [];

  it.each(files)('%s', async (name) => {
    let parsed;
    try {
      parsed = await parseCamt053(readFileSync(resolve(CORPUS, name), 'utf8'));
    } catch {
      return; // camt-parser cannot read it (e.g. a prefixed Document): no second opinion.
    }
    const read = await ours(name);
    if (read instanceof CamtError) {
      expect(read.code).toBe(REFUSED_ON_PURPOSE[name]);
      return;
    }
    compared.push(name);
    const version = read[0]?.version ?? '';

    expect(read.map((t) => t.statementIndex).filter((i, at, all) => all.indexOf(i) === at)).toEqual(
      parsed.statements.flatMap((s, i) => (s.transactions.length > 0 ? [i] : [])),
    );
    for (const [s, statement] of parsed.statements.entries()) {
      const mine = read.filter((t) => t.statementIndex === s);
      const expected = statement.transactions.flatMap((entry, e) =>
        expectedEntry(entry, version).map((detail) => ({ entryIndex: e, ...detail })),
      );
      expect(
        mine.map((t, i) => ({ entryIndex: t.entryIndex, ...comparable(t, expected[i]) })),
      ).toEqual(expected);
      for (const t of mine) {
        expect(t.statementId).toBe(text(statement.statementId));
        if (text(statement.account.iban) !== null)
          expect(t.accountIban).toBe(statement.account.iban);
      }
    }
  });

  it('compared enough files to mean something', () => {
    expect(compared.length).toBeGreaterThanOrEqual(15);
  });
});
