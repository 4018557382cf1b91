/**
 * Generators for what issue 11 found unbounded (items 6-8), each property with
 * an exact oracle: text cut into pieces by comments, CDATA and character
 * references must read back whole within its field's limit and be refused
 * beyond it; namespace declarations by the thousand on many levels must
 * resolve as XML scoping says; ZIP archives of any ratio must unpack exactly
 * as far as their limits allow.
 *
 * CI runs FUZZ_RUNS (default 200) cases with a fixed seed, the ZIP property a
 * tenth of that; `npm run fuzz` runs 2,000. FUZZ_SEED picks another seed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { CamtError, readCamt, type CamtTransaction } from '../../src/bank/camt';
import { MAX_ATTRIBUTES, MAX_DEPTH } from '../../src/bank/camt/camt-document.handler';
import { LENGTH_TOLERANCE } from '../../src/bank/camt/camt-fields.map';
import { StatementRejected, StatementTooLarge } from '../../src/bank/bank.errors';
import { MAX_ZIP_RATIO, zipSources, ZIP_RATIO_FLOOR_BYTES } from '../../src/bank/statement-sources';
import { hostileEntry, statementHead, statementTail, zipOf } from '../support/camt-hostile';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_129);
const KiB = 1024;
const MiB = 1024 * KiB;
const CAMT = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';

type Outcome = { transactions: CamtTransaction[] } | { error: CamtError };

async function read(text: string, chunkSize: number): Promise<Outcome> {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize)
    chunks.push(bytes.subarray(at, at + chunkSize));
  const transactions: CamtTransaction[] = [];
  try {
    for await (const t of readCamt(Readable.from(chunks), { fileName: 'fuzz.xml' })) {
      transactions.push(t);
    }
    return { transactions };
  } catch (error) {
    if (error instanceof CamtError) return { error };
    throw error;
  }
}

describe('text cut into pieces', () => {
  /** Where a field stands in a detail, its schema length and how to read it back. */
  const FIELDS = [
    {
      name: 'Ustrd',
      length: 140,
      wrap: (v: string) => `<RmtInf><Ustrd>${v}</Ustrd></RmtInf>`,
      value: (t: CamtTransaction) => t.remittance.unstructured,
    },
    {
      name: 'Nm',
      length: 140,
      wrap: (v: string) => `<RltdPties><Dbtr><Nm>${v}</Nm></Dbtr></RltdPties>`,
      value: (t: CamtTransaction) => t.debtorName,
    },
    {
      name: 'EndToEndId',
      length: 35,
      wrap: (v: string) => `<Refs><EndToEndId>${v}</EndToEndId></Refs>`,
      value: (t: CamtTransaction) => t.endToEndId,
    },
    {
      name: 'AddtlTxInf',
      length: 500,
      wrap: (v: string) => `<AddtlTxInf>${v}</AddtlTxInf>`,
      value: (t: CamtTransaction) => t.additionalInfo,
    },
  ];

  type Piece = { kind: 'text' | 'comment' | 'cdata' | 'reference'; length: number };
  const piece: fc.Arbitrary<Piece> = fc.record({
    kind: fc.constantFrom('text', 'comment', 'cdata', 'reference'),
    length: fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 50 }), weight: 4 },
      { arbitrary: fc.integer({ min: 51, max: 4 * KiB }), weight: 1 },
    ),
  }) as fc.Arbitrary<Piece>;

  /** The XML of the pieces and the text it stands for. */
  function write(pieces: Piece[], times: number): { xml: string; text: string } {
    let xml = '';
    let text = '';
    for (const [i, p] of pieces.entries()) {
      const chars = String.fromCharCode(97 + (i % 26)).repeat(p.length);
      if (p.kind === 'text') xml += chars;
      else if (p.kind === 'comment') xml += `${chars}<!-- ${i} -->`;
      else if (p.kind === 'cdata') xml += `<![CDATA[${chars}]]>`;
      else xml += chars.replace(/./g, '&#x61;').slice(0, 6 * Math.min(p.length, 200));
      text += p.kind === 'reference' ? 'a'.repeat(Math.min(p.length, 200)) : chars;
    }
    return { xml: xml.repeat(times), text: text.repeat(times) };
  }

  it('reads each field back whole up to four times its schema length and refuses it beyond', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...FIELDS),
        fc.array(piece, { minLength: 1, maxLength: 12 }),
        fc.oneof(
          { arbitrary: fc.constant(1), weight: 3 },
          { arbitrary: fc.integer({ min: 2, max: 200 }), weight: 1 },
        ),
        fc.integer({ min: 1, max: 64 * KiB }),
        async (field, pieces, times, chunkSize) => {
          const { xml, text } = write(pieces, times);
          const entry = `<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><NtryDtls><TxDtls>${field.wrap(xml)}</TxDtls></NtryDtls></Ntry>`;
          const outcome = await read(statementHead() + entry + statementTail(), chunkSize);
          const most = field.length * LENGTH_TOLERANCE;
          if (text.length <= most) {
            expect(outcome).toHaveProperty('transactions');
            const [t] = (outcome as { transactions: CamtTransaction[] }).transactions;
            expect(field.value(t)).toBe(text === '' ? null : text);
          } else {
            expect(outcome).toHaveProperty('error');
            expect(['camt.field-too-long', 'camt.text-too-long']).toContain(
              (outcome as { error: CamtError }).error.code,
            );
          }
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('namespace declarations on many levels', () => {
  /** An enclosing element: how many prefixes it declares, and what it binds c: to, if anything. */
  const level = fc.record({
    declarations: fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 5 }), weight: 40 },
      { arbitrary: fc.integer({ min: 990, max: MAX_ATTRIBUTES - 1 }), weight: 4 },
      { arbitrary: fc.integer({ min: MAX_ATTRIBUTES, max: MAX_ATTRIBUTES + 10 }), weight: 1 },
    ),
    binds: fc.constantFrom(null, CAMT, 'urn:other'),
    shadows: fc.boolean(),
  });

  /**
   * The first limit the document passes, in the order the reader meets them: an
   * element's attributes before the element opens, each element's depth as it
   * opens, then the Document's prefix, then what nests below it.
   */
  function expectedFailure(
    levels: { declarations: number; binds: string | null }[],
    withEntries: boolean,
  ): string | null {
    for (const [i, l] of levels.entries()) {
      if (l.declarations + (l.binds === null ? 0 : 1) > MAX_ATTRIBUTES)
        return 'camt.too-many-attributes';
      if (i + 1 > MAX_DEPTH) return 'camt.nesting-too-deep';
    }
    if (levels.length + 1 > MAX_DEPTH) return 'camt.nesting-too-deep';
    if (levels.every((l) => l.binds === null)) return 'camt.malformed-xml';
    // Document, message, statement, then Id (4) or Ntry down to Dbtr/Pty/Nm (10).
    if (levels.length + (withEntries ? 10 : 4) > MAX_DEPTH) return 'camt.nesting-too-deep';
    return null;
  }

  it('resolves the Document and its entries as XML scoping says, within the attribute and depth limits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(level, { minLength: 1, maxLength: 110, size: 'max' }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 512, max: 256 * KiB }),
        async (levels, entries, chunkSize) => {
          let open = '';
          let binding: string | null = null;
          for (const [i, l] of levels.entries()) {
            let attributes = '';
            for (let d = 0; d < l.declarations; d++) {
              // Shadowing levels reuse the prefixes of the level before.
              attributes += ` xmlns:p${l.shadows ? i - 1 : i}x${d}="urn:x:${i}:${d}"`;
            }
            if (l.binds !== null) {
              attributes += ` xmlns:c="${l.binds}"`;
              binding = l.binds;
            }
            open += `<E${attributes}>`;
          }
          const body = Array.from({ length: entries }, (_, n) =>
            hostileEntry(n).replace(/<(\/?)/g, '<$1c:'),
          ).join('');
          const document =
            `<c:Document><c:BkToCstmrStmt><c:Stmt><c:Id>S</c:Id>${body}` +
            `</c:Stmt></c:BkToCstmrStmt></c:Document>`;
          const xml = `<?xml version="1.0"?>\n${open}${document}${'</E>'.repeat(levels.length)}\n`;
          const outcome = await read(xml, chunkSize);

          const expected = expectedFailure(levels, entries > 0);
          if (expected !== null) {
            expect(outcome).toMatchObject({ error: { code: expected } });
          } else if (binding !== CAMT) {
            expect(outcome).toMatchObject({ error: { code: 'camt.not-camt' } });
          } else if (entries === 0) {
            expect(outcome).toMatchObject({ transactions: [] });
          } else {
            expect(outcome).toHaveProperty('transactions');
            const { transactions } = outcome as { transactions: CamtTransaction[] };
            expect(transactions.map((t) => t.accountServicerRef)).toEqual(
              Array.from({ length: entries }, (_, n) => `H-${n}`),
            );
          }
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('ZIP archives of any ratio', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'billing-zip-fuzz-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A member: how big, how well it deflates, stored or deflated. */
  const member = fc.record({
    bytes: fc.oneof(
      fc.integer({ min: 0, max: 64 * KiB }),
      fc.integer({ min: 64 * KiB, max: 3 * MiB }),
    ),
    padding: fc.constantFrom('blanks', 'digits', 'random'),
    store: fc.boolean(),
  });

  function content(bytes: number, padding: string, seed: number): Buffer {
    if (padding === 'blanks') return Buffer.alloc(bytes, 0x20);
    if (padding === 'digits') return Buffer.from(String(seed).repeat(bytes).slice(0, bytes));
    const out = Buffer.alloc(bytes);
    let state = seed >>> 0 || 1;
    for (let i = 0; i < bytes; i++) {
      state = (state * 1_103_515_245 + 12_345) >>> 0;
      out[i] = 0x21 + ((state >>> 24) % 90);
    }
    return out;
  }

  it('unpacks every member up to the limits of size and ratio and refuses the rest by name', async () => {
    let counter = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(member, { minLength: 1, maxLength: 12 }),
        fc.oneof(
          { arbitrary: fc.integer({ min: 16 * KiB, max: 3 * MiB }), weight: 1 },
          { arbitrary: fc.constant(4 * MiB), weight: 3 },
        ),
        fc.integer({ min: MiB, max: 16 * MiB }),
        fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 3 },
          { arbitrary: fc.nat(), weight: 1 },
        ),
        async (members, memberLimit, unpackedLimit, flipAt) => {
          const bodies = members.map((m, i) => content(m.bytes, m.padding, i + 1));
          let zip = await zipOf(
            members.map((m, i) => ({
              name: `m${i}.xml`,
              chunks: () => [bodies[i]],
              store: m.store,
            })),
          );
          if (flipAt !== undefined) {
            zip = Buffer.from(zip);
            zip[flipAt % zip.length] ^= 0x5a;
          }
          const path = join(dir, `${++counter}.zip`);
          writeFileSync(path, zip);

          const read: number[] = [];
          let error: unknown;
          try {
            for await (const source of zipSources(path, memberLimit, 1000, unpackedLimit)) {
              let bytes = 0;
              for await (const chunk of source.open()) bytes += (chunk as Buffer).length;
              read.push(bytes);
            }
          } catch (caught) {
            error = caught;
          } finally {
            rmSync(path);
          }

          const allowed = Math.min(
            unpackedLimit,
            Math.max(MAX_ZIP_RATIO * zip.length, ZIP_RATIO_FLOOR_BYTES),
          );
          // Whatever happens, no more than the limits allow is ever unpacked.
          expect(read.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(allowed);
          if (flipAt !== undefined) {
            // A damaged archive may read, or fail: only ever as a refusal of the file.
            if (error !== undefined) {
              expect(error instanceof StatementRejected || error instanceof StatementTooLarge).toBe(
                true,
              );
            }
            return;
          }
          let total = 0;
          let expected: { code: string; member: string } | null = null;
          for (const [i, m] of members.entries()) {
            if (m.bytes > memberLimit) {
              expected = { code: 'member', member: `m${i}.xml` };
              break;
            }
            total += m.bytes;
            if (total > allowed) {
              const code = allowed === unpackedLimit ? 'bank.zip-unpacked-size' : 'bank.zip-ratio';
              expected = { code, member: `m${i}.xml` };
              break;
            }
          }
          if (expected === null) {
            expect(error).toBeUndefined();
            expect(read).toEqual(members.map((m) => m.bytes));
          } else {
            expect(error).toBeInstanceOf(StatementTooLarge);
            const problem = error as StatementTooLarge;
            if (expected.code === 'member') {
              expect(problem.message).toMatch(
                new RegExp(`^${expected.member} unpacks to more than`),
              );
            } else {
              expect(problem.errors).toEqual([{ path: expected.member, message: expected.code }]);
            }
          }
        },
      ),
      { seed: SEED, numRuns: Math.max(20, Math.round(RUNS / 10)) },
    );
  }, 600_000);
});
