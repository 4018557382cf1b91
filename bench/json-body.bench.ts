/**
 * What the duplicate-member check adds to reading a JSON body, against the
 * parse itself, on the largest body the service takes (a cash batch of 10,000
 * letters) and on a code issuance's small one. The last line is the figure:
 *   batch_parse_ms=<n> batch_check_ms=<n> batch_ratio=<check/parse> small_ratio=<check/parse>
 * Options: BENCH_ROUNDS (default 200).
 */
import { performance } from 'node:perf_hooks';
import { duplicateMember } from '../src/http/json-body';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);

const batch = JSON.stringify({
  receivedOn: '2026-11-24',
  currency: 'EUR',
  countedTotalMinor: 12_000_000,
  entries: Array.from({ length: 10_000 }, (_, i) => ({
    code: `K7QM-2XPF-${String(i).padStart(4, '0')}`,
    amountMinor: 1200,
  })),
});
const small = JSON.stringify({ country: 'DE' });

/** Median milliseconds of `work` over ROUNDS runs (after a warm-up of the same size). */
function median(work: () => unknown, rounds: number): number {
  for (let i = 0; i < rounds; i++) work();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    work();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(rounds / 2)];
}

function measure(text: string, rounds: number): { parse: number; check: number } {
  const value: unknown = JSON.parse(text);
  const parse = median(() => JSON.parse(text), rounds);
  const check = median(() => {
    if (duplicateMember(text, value) !== undefined)
      throw new Error('a duplicate in the bench body');
  }, rounds);
  return { parse, check };
}

const large = measure(batch, ROUNDS);
const tiny = measure(small, ROUNDS * 500);
console.log(`batch body: ${batch.length} bytes, small body: ${small.length} bytes`);
console.log(
  `batch_parse_ms=${large.parse.toFixed(2)} batch_check_ms=${large.check.toFixed(2)} ` +
    `batch_ratio=${(large.check / large.parse).toFixed(2)} small_ratio=${(tiny.check / tiny.parse).toFixed(2)}`,
);
