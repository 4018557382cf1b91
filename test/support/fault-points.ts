/**
 * Where the fault tests kill a process: points drawn by a seeded generator, so
 * that a failing run names its seed and can be repeated with FAULT_SEED=<seed>.
 */
export const DEFAULT_FAULT_SEED = 20_261_125;

export function faultSeed(): number {
  const text = process.env.FAULT_SEED;
  if (text === undefined || text === '') return DEFAULT_FAULT_SEED;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`FAULT_SEED must be a non-negative integer, not ${text}`);
  return seed;
}

/** mulberry32: a small, fast 32-bit generator; floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * `count` points in [0, 1), one drawn in each of `count` equal strata: random,
 * yet spread over the whole range (the first near its start, the last near
 * its end), in increasing order.
 */
export function spreadPoints(count: number, random: () => number): number[] {
  return Array.from({ length: count }, (_, i) => (i + random()) / count);
}

/**
 * A run seen as segments between moments that can be observed (a progress
 * line, a request sent), each with a weight and the length it took in a
 * clean run. A point in [0, 1) becomes: wait for the start of segment `index`,
 * then `delayMs` more.
 */
export function placePoint(
  point: number,
  segments: readonly { weight: number; cleanMs: number }[],
): { index: number; delayMs: number } {
  const total = segments.reduce((sum, s) => sum + s.weight, 0);
  let at = point * total;
  for (const [index, segment] of segments.entries()) {
    if (at < segment.weight || index === segments.length - 1) {
      return {
        index,
        delayMs: Math.round(Math.min(1, at / segment.weight) * segment.cleanMs),
      };
    }
    at -= segment.weight;
  }
  throw new Error('no segments');
}
