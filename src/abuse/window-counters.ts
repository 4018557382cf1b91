import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Scheduler } from '../config/schedule';
import { KeyedHash } from '../config/keyed-hash';
import { Transactions } from '../database/transactions';
import { FixedWindowCounter } from './fixed-window.counter';
import { RateLimitWindowRepository } from './rate-limit-window.repository';

/** Hits per key in fixed windows of time; see WindowCounters for where they are counted. */
export interface WindowCounter {
  /** Counts one hit; false once the key has used up its limit in this window. */
  hit(key: string): Promise<boolean>;
  /** True when the key has used up its limit in this window (counts nothing). */
  exhausted(key: string): Promise<boolean>;
  /** Counts `n` hits at once, past the limit if need be. */
  add(key: string, n: number): Promise<void>;
  /** Whole seconds until the window ends, for Retry-After. */
  retryAfterSeconds(): number;
}

/** The limits counted this way, one bucket each (at most 32 characters). */
export type Bucket =
  'code-issue' | 'auth-failure' | 'auth-failure-all' | 'match-failure' | 'staff-sign-in-failure';

/**
 * Makes the rate limit counters. On PostgreSQL, where several instances serve
 * one database, they count in the database, so the instances share one
 * budget. On SQLite (one instance by design, docs/decisions/0001) they count
 * in memory: the same budget without a write, and its fsync, per request.
 */
@Injectable()
export class WindowCounters implements OnApplicationBootstrap {
  private readonly shared: DatabaseWindowCounter[] = [];

  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(KeyedHash) private readonly hash: KeyedHash,
    @Inject(Scheduler) private readonly scheduler: Scheduler,
  ) {}

  /** Past windows go each minute too, also while no request comes that would roll them. */
  onApplicationBootstrap(): void {
    this.scheduler.every('rate-limit-windows', 60, async () => {
      for (const counter of this.shared) await counter.roll().catch(() => undefined);
    });
  }

  create(bucket: Bucket, limit: number, windowMs = 60_000): WindowCounter {
    if (this.transactions.dialect === 'postgres') {
      const counter = new DatabaseWindowCounter(
        this.transactions,
        (key) => this.hash.request('rate-limit', bucket, key),
        bucket,
        limit,
        windowMs,
      );
      this.shared.push(counter);
      return counter;
    }
    const counter = new FixedWindowCounter(limit, windowMs);
    return {
      hit: async (key) => counter.hit(key),
      exhausted: async (key) => counter.exhausted(key),
      add: async (key, n) => counter.add(key, n),
      retryAfterSeconds: () => counter.retryAfterSeconds(),
    };
  }
}

/**
 * Counts in the table rate_limit_window: windows aligned to the clock, so all
 * instances agree on them; one atomic upsert per hit; keys stored only as
 * keyed hashes. As this process enters a new window it deletes the rows of the
 * windows before. A key refused in a window is remembered here until the
 * window ends (counts only grow within one), so a flood costs no writes.
 */
export class DatabaseWindowCounter implements WindowCounter {
  private window = -1;
  private readonly spent = new Set<string>();

  constructor(
    private readonly transactions: Transactions,
    private readonly keyOf: (key: string) => string,
    private readonly bucket: Bucket,
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async hit(key: string): Promise<boolean> {
    const start = await this.roll();
    if (this.spent.has(key)) return false;
    const keyHash = this.keyOf(key);
    const counted = await this.transactions.run((tx) =>
      RateLimitWindowRepository.hitBelow(tx, this.bucket, start, keyHash, this.limit),
    );
    if (!counted && start === this.window) this.spent.add(key);
    return counted;
  }

  async exhausted(key: string): Promise<boolean> {
    const start = await this.roll();
    if (this.spent.has(key)) return true;
    const keyHash = this.keyOf(key);
    const hits = await this.transactions.run((tx) =>
      RateLimitWindowRepository.hits(tx, this.bucket, start, keyHash),
    );
    if (hits >= this.limit && start === this.window) this.spent.add(key);
    return hits >= this.limit;
  }

  async add(key: string, n: number): Promise<void> {
    if (n <= 0) return;
    const start = await this.roll();
    const keyHash = this.keyOf(key);
    await this.transactions.run((tx) =>
      RateLimitWindowRepository.add(tx, this.bucket, start, keyHash, n),
    );
  }

  retryAfterSeconds(): number {
    const start = Math.floor(this.now() / this.windowMs) * this.windowMs;
    return Math.max(1, Math.ceil((start + this.windowMs - this.now()) / 1000));
  }

  /** The current window's start; entering a new one forgets the last and deletes older rows. */
  async roll(): Promise<number> {
    const start = Math.floor(this.now() / this.windowMs) * this.windowMs;
    if (start !== this.window) {
      this.window = start;
      this.spent.clear();
      await this.transactions.run((tx) =>
        RateLimitWindowRepository.deleteBefore(tx, this.bucket, start),
      );
    }
    return start;
  }
}
