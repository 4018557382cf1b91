/**
 * Every file of the shared CAMT corpus (public files from banks' and libraries'
 * test suites, see its MANIFEST.tsv), mutated by fast-check and read by the
 * streaming reader: it must end in transactions or a CamtError, never another
 * exception, and hold nothing once done. No case is timed: speed is for
 * bench:camt-reader, where a baseline runs on the same machine in the same run.
 *
 * CI runs FUZZ_CORPUS_RUNS (default 20) cases per file with a fixed seed;
 * `npm run fuzz` runs many more. FUZZ_SEED picks another fixed seed.
 */
import fc from 'fast-check';
import { CamtError, readCamt, type CamtTransaction } from '../../src/bank/camt';
import { isDay } from '../../src/common/day';
import { isKnownCurrency } from '../../src/common/money';
import { chunked } from '../bank/camt/camt-test.helpers';
import { corpusFiles } from '../support/camt-corpus';
import { liveMiB } from '../support/live-memory';
import { camtMutations, mutateCamt } from '../support/camt-mutations';

const RUNS = Number(process.env.FUZZ_CORPUS_RUNS ?? 20);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_124);

const CORPUS = corpusFiles();

type Outcome = { transactions: number } | { error: CamtError };

/** Reads to the end; anything thrown but a CamtError fails the property as it is. */
async function readThrough(bytes: Buffer, fileName: string, chunkSize: number): Promise<Outcome> {
  let transactions = 0;
  try {
    for await (const t of readCamt(chunked(bytes, chunkSize), { fileName })) {
      expectSound(t);
      transactions++;
    }
    return { transactions };
  } catch (error) {
    if (error instanceof CamtError) return { error };
    throw error;
  }
}

/** What the import relies on in a transaction the reader let through. */
function expectSound(t: CamtTransaction): void {
  expect(Number.isSafeInteger(t.amountMinor) && t.amountMinor >= 0).toBe(true);
  expect(isKnownCurrency(t.currency)).toBe(true);
  for (const day of [t.bookingDate, t.valueDate]) expect(day === null || isDay(day)).toBe(true);
  expect(['CRDT', 'DBIT']).toContain(t.creditDebit);
}

describe('mutated files of the CAMT corpus', () => {
  it('reads the whole corpus, every file of it listed in the manifest', () => {
    expect(CORPUS.length).toBeGreaterThan(50);
    expect(CORPUS.filter((f) => f.manifest === undefined).map((f) => f.name)).toEqual([]);
  });

  it.each(CORPUS.map((file, i) => [file.name, file, i] as const))(
    '%s: transactions or a CamtError, and nothing held afterwards',
    async (name, file, i) => {
      const before = liveMiB();
      await fc.assert(
        fc.asyncProperty(
          camtMutations(),
          fc.integer({ min: 1, max: 65_536 }),
          async (mutations, chunkSize) => {
            const bytes = mutateCamt(file.bytes, mutations);
            // Tiny chunks of a large mutant would exercise the test harness, not the reader.
            const chunk = Math.max(chunkSize, Math.ceil(bytes.length / 2048));
            const outcome = await readThrough(bytes, name, chunk);
            if ('error' in outcome) {
              const { error } = outcome;
              expect(error.file).toBe(name);
              expect(Number.isInteger(error.line) && error.line >= 1).toBe(true);
              expect(error.message.startsWith(`${name}:${error.line}: `)).toBe(true);
            }
          },
        ),
        { seed: SEED + i, numRuns: RUNS },
      );
      expect(liveMiB() - before).toBeLessThan(16);
    },
  );
});
