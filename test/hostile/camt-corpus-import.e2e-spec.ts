/**
 * Mutated files of the shared CAMT corpus, uploaded through the real import
 * (POST /v1/bank-statements) on the real database: each is imported (201) or
 * refused with a typed problem (4xx), never a 5xx; a refused file leaves no
 * row; the same file again moves no money twice; and the journal's credited
 * payments always equal the ledger's credits.
 *
 * Before mutating, every Ustrd of the file is made to carry a live code, so that
 * mutants do credit. CI runs FUZZ_IMPORT_RUNS (default 25) cases with a fixed
 * seed; `npm run fuzz` runs many more.
 */
import fc from 'fast-check';
import { PROBLEM_BASE } from '../../src/common/domain-error';
import { count, issueCode, registerMailbox } from '../support/builders';
import { corpusFiles } from '../support/camt-corpus';
import { camtMutations, mutateCamt } from '../support/camt-mutations';
import { startTestApp, TestApp } from '../support/test-app';

const RUNS = Number(process.env.FUZZ_IMPORT_RUNS ?? 25);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_124);

/** Files with remittance text, where a code can stand; by name, to print a failing case short. */
const FILES = new Map(
  corpusFiles()
    .filter((f) => Number(f.manifest?.ustrd ?? 0) > 0)
    .map((f) => [f.name, f.bytes]),
);

describe('mutated corpus files through the HTTP import', () => {
  let t: TestApp;
  beforeAll(async () => {
    // The corpus's amounts are a bank's, not top-ups: let them credit.
    t = await startTestApp({ env: { PAYMENT_LIMIT_MINOR: String(10 ** 12) } });
  });
  afterAll(() => t.close());

  const upload = (body: Buffer) =>
    t.http
      .post('/v1/bank-statements')
      .set(t.auth('importer'))
      .set('content-type', 'application/xml')
      .send(body);

  /** Credited payments of the journal and credits of the ledger: always equal. */
  const books = async () => {
    const [journal] = await t.sql<{ n: number | string; sum: number | string | null }>(
      "SELECT COUNT(*) AS n, SUM(amount_minor) AS sum FROM payment WHERE status = 'credited'",
    );
    const [ledger] = await t.sql<{ n: number | string; sum: number | string | null }>(
      "SELECT COUNT(*) AS n, SUM(amount_minor) AS sum FROM ledger_entry WHERE kind = 'credit'",
    );
    return {
      journal: [Number(journal.n), Number(journal.sum ?? 0)],
      ledger: [Number(ledger.n), Number(ledger.sum ?? 0)],
    };
  };

  const expectTypedRefusal = (res: { status: number; headers: object; body: unknown }) => {
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((res.headers as Record<string, string>)['content-type']).toMatch(
      /^application\/problem\+json/,
    );
    expect((res.body as { type: string }).type.startsWith(`${PROBLEM_BASE}/`)).toBe(true);
  };

  it('the corpus offers files with remittance text', () => {
    expect(FILES.size).toBeGreaterThan(20);
  });

  it('imports or refuses with a typed 4xx, never a 5xx, and moves no money twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...FILES.keys()),
        camtMutations(3),
        async (name, mutations) => {
          const mailbox = await registerMailbox(t);
          const code = await issueCode(t, mailbox);
          // Every Ustrd carries the live code; the bank's references carry it too,
          // so that no case finds its bookings taken by an earlier case.
          const withCode = Buffer.from(
            (FILES.get(name) as Buffer)
              .toString('latin1')
              .replace(/(<(?:[\w.-]+:)?Ustrd>)[^<]*(<\/)/g, `$1TOPUP ${code}$2`)
              .replace(/(<(?:[\w.-]+:)?AcctSvcrRef>)([^<]*)(<\/)/g, `$1$2-${code}$3`),
            'latin1',
          );
          const bytes = mutateCamt(withCode, mutations);
          const rows = await count(t, 'payment');

          const first = await upload(bytes);
          if (first.status !== 201) {
            expectTypedRefusal(first);
            expect(await count(t, 'payment')).toBe(rows);
          }
          const rowsAfterFirst = await count(t, 'payment');
          const ledger0 = await ledgerOf(mailbox);

          const again = await upload(bytes);
          expect(again.status).toBe(first.status);
          if (again.status === 201) {
            // Every booking of the file was taken by the first upload.
            expect(again.body.credits).toMatchObject({ credited: 0, unmatched: 0 });
          } else {
            expectTypedRefusal(again);
          }
          expect(await count(t, 'payment')).toBe(rowsAfterFirst);
          expect(await ledgerOf(mailbox)).toEqual(ledger0);
          // One code credits once, however often it stands in the file.
          expect(ledger0.credits).toBeLessThanOrEqual(1);
          const { journal, ledger } = await books();
          expect(ledger).toEqual(journal);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  }, 600_000);

  /** How many credits the mailbox's ledger holds, and the sum of all its entries' amounts. */
  async function ledgerOf(mailbox: string) {
    const res = await t.http
      .get(`/v1/mailboxes/${encodeURIComponent(mailbox)}/ledger?limit=100`)
      .set(t.auth('webmail'));
    expect(res.status).toBe(200);
    const entries = res.body.entries as { kind: string; amountMinor: number }[];
    return {
      credits: entries.filter((e) => e.kind === 'credit').length,
      amounts: entries.reduce((sum, e) => sum + e.amountMinor, 0),
    };
  }
});
