const MiB = 1024 * 1024;

/**
 * Heap and external memory still reachable after a full collection, in MiB: what a
 * reader holds, not garbage waiting for the collector. Node keeps large decoded
 * strings and buffers outside the heap, hence `external`. Needs `--expose-gc`,
 * which vitest.config.mts passes to every test worker.
 */
export function liveMiB(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') throw new Error('no gc(): run the test workers with --expose-gc');
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return (heapUsed + external) / MiB;
}
