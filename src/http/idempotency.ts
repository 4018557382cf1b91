import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { addDays } from '../common/day';
import { DomainError } from '../common/domain-error';
import { KeyedHash } from '../config/keyed-hash';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { RetryTransaction, RunOptions, Tx } from '../database/tx';
import { IdempotentRequestRepository } from './idempotent-request.repository';

export class IdempotencyKeyReused extends DomainError {
  readonly slug = 'idempotency-key-reused';
  readonly status = 422;
  readonly title = 'This Idempotency-Key was used with a different request';
}

export class InvalidIdempotencyKey extends DomainError {
  readonly slug = 'validation';
  readonly status = 400;
  readonly title = 'The request is not valid';
}

export interface StoredResponse<T> {
  status: number;
  body: T;
  replayed: boolean;
}

/** Sends a stored answer; a replay says so in a header, as Stripe does. */
export function answer<T>(
  reply: { status(code: number): unknown; header(name: string, value: string): unknown },
  stored: StoredResponse<T>,
): T {
  reply.status(stored.status);
  if (stored.replayed) reply.header('idempotent-replayed', 'true');
  return stored.body;
}

/**
 * Idempotency-Key for every POST that moves money (API.md). The stored answer
 * is written in the same transaction as the money it describes, so a retry
 * finds either nothing (and runs again) or the finished answer; two requests
 * with one key racing each other end with one of them replaying the other.
 * Keys and request fingerprints are stored only as keyed hashes (a request body
 * can hold a code), and records are purged after IDEMPOTENCY_TTL_DAYS.
 */
@Injectable()
export class Idempotency {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(KeyedHash) private readonly hash: KeyedHash,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async run<T>(
    key: string | undefined,
    request: { scope: string; body: unknown },
    status: number,
    work: (tx: Tx) => Promise<T>,
    options: RunOptions = {},
  ): Promise<StoredResponse<T>> {
    if (key === undefined) {
      return { status, body: await this.transactions.run(work, options), replayed: false };
    }
    const { keyHash, fingerprint } = this.identify(key, request);
    // Of two requests with one key racing, the later insert finds the key taken:
    // it rolls back and, run again, replays the answer the first one committed.
    return this.transactions.run(async (tx) => {
      const stored = await this.replay<T>(tx, keyHash, fingerprint);
      if (stored) return stored;
      const body = await work(tx);
      const recorded = await IdempotentRequestRepository.insertOnce(tx, keyHash, {
        fingerprint,
        statusCode: status,
        body: JSON.stringify(body),
        createdOn: this.clock.today(),
      });
      if (!recorded) throw new RetryTransaction();
      return { status, body, replayed: false };
    }, options);
  }

  private identify(
    key: string,
    request: { scope: string; body: unknown },
  ): { keyHash: string; fingerprint: string } {
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new InvalidIdempotencyKey('Idempotency-Key must be 1 to 255 visible ASCII characters', [
        { path: 'Idempotency-Key', message: 'invalid header value' },
      ]);
    }
    return {
      keyHash: this.hash.request('key', request.scope, key),
      fingerprint: this.hash.request('body', request.scope, JSON.stringify(request.body)),
    };
  }

  /** The stored answer under this key, if any; a key used with another request is refused. */
  private async replay<T>(
    tx: Tx,
    keyHash: string,
    fingerprint: string,
  ): Promise<StoredResponse<T> | undefined> {
    const stored = await IdempotentRequestRepository.find(tx, keyHash);
    if (!stored) return undefined;
    if (stored.fingerprint !== fingerprint)
      throw new IdempotencyKeyReused('Use a new Idempotency-Key for a different request.');
    return { status: stored.statusCode, body: JSON.parse(stored.body) as T, replayed: true };
  }

  /**
   * The same for work that commits in parts of its own (a bank import): the
   * answer is stored after the last part. A retry after a crash in between
   * runs the work again, which must then find what its parts wrote (an
   * import finds its bookings a duplicate); of two racing requests the later
   * to finish replays the first one's answer.
   */
  async runInParts<T>(
    key: string | undefined,
    request: { scope: string; body: unknown },
    status: number,
    work: () => Promise<T>,
  ): Promise<StoredResponse<T>> {
    if (key === undefined) return { status, body: await work(), replayed: false };
    const { keyHash, fingerprint } = this.identify(key, request);
    const stored = await this.transactions.run((tx) => this.replay<T>(tx, keyHash, fingerprint));
    if (stored) return stored;
    const body = await work();
    return this.transactions.run(async (tx) => {
      const recorded = await IdempotentRequestRepository.insertOnce(tx, keyHash, {
        fingerprint,
        statusCode: status,
        body: JSON.stringify(body),
        createdOn: this.clock.today(),
      });
      if (recorded) return { status, body, replayed: false };
      return (await this.replay<T>(tx, keyHash, fingerprint))!;
    });
  }

  async purge(): Promise<number> {
    const before = addDays(this.clock.today(), -this.config.idempotencyTtlDays);
    return this.transactions.run((tx) => IdempotentRequestRepository.purgeBefore(tx, before));
  }
}
