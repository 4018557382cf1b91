/**
 * Counts hits per key in fixed windows of time, in memory, per process. Keys
 * are digests or pseudonyms, never ids; the map is emptied as each window ends,
 * so nothing outlives a window and memory is bounded by the hits it allows.
 */
export class FixedWindowCounter {
  private readonly counts = new Map<string, number>();
  private windowStartedAt = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one hit; false once the key has used up its limit in this window. */
  hit(key: string): boolean {
    this.roll();
    const used = this.counts.get(key) ?? 0;
    if (used >= this.limit) return false;
    this.counts.set(key, used + 1);
    return true;
  }

  /** True when the key has used up its limit in this window (counts nothing). */
  exhausted(key: string): boolean {
    this.roll();
    return (this.counts.get(key) ?? 0) >= this.limit;
  }

  /** Counts `n` hits at once, past the limit if need be. */
  add(key: string, n: number): void {
    if (n <= 0) return;
    this.roll();
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  /** Whole seconds until the window ends, for Retry-After. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.windowStartedAt + this.windowMs - this.now()) / 1000));
  }

  private roll(): void {
    const now = this.now();
    if (now - this.windowStartedAt >= this.windowMs) {
      this.counts.clear();
      this.windowStartedAt = now;
    }
  }
}
