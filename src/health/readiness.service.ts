import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MIGRATIONS } from '../database/migrations';
import { Transactions } from '../database/transactions';
import { Metrics } from '../metrics/metrics';
import { ReadinessRepository } from './readiness.repository';

/** A row may wait this many settlement intervals before the settlement counts as stuck. */
export const STUCK_AFTER_INTERVALS = 3;

export interface Readiness {
  /** Names of committed migrations that the database has not run. */
  pendingMigrations: string[];
  /** How long (at least) the oldest row seen waiting for the settlement has waited, in seconds. */
  settlementWaitSeconds: number;
  settlementStuck: boolean;
}

const EXPECTED = MIGRATIONS.map((M) => new M().name ?? M.name);

/**
 * Whether this instance should get traffic: the database accepts a write,
 * every committed migration has run, and the settlement is not stuck. The
 * pending tables hold no times (a time beside a credit would link it), so the
 * wait is observed: a row seen waiting is remembered, by its random id, in
 * memory only, with when it was first seen; every settlement empties both
 * tables, so a row still there after a few intervals means none succeeded.
 */
@Injectable()
export class ReadinessService implements OnModuleInit {
  private watched?: { id: string; since: number };

  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    const readiness = () => this.check();
    this.metrics.gauge({
      name: 'billing_settlement_oldest_pending_seconds',
      help: 'How long the oldest row seen waiting for the settlement has waited, at least (0: none)',
      async collect() {
        this.set((await readiness()).settlementWaitSeconds);
      },
    });
  }

  /** Throws what the database throws when it does not accept the write. */
  async check(now = Date.now()): Promise<Readiness> {
    const { applied, waiting } = await this.transactions.run(async (tx) => {
      await ReadinessRepository.write(tx);
      const applied = await ReadinessRepository.appliedMigrations(tx);
      const watched = this.watched;
      const waiting =
        watched && (await ReadinessRepository.stillPending(tx, watched.id))
          ? watched
          : await ReadinessRepository.anyPending(tx).then((id) =>
              id === undefined ? undefined : { id, since: now },
            );
      return { applied, waiting };
    });
    this.watched = waiting;
    const seconds = waiting ? Math.max(0, (now - waiting.since) / 1000) : 0;
    return {
      pendingMigrations: EXPECTED.filter((name) => !applied.has(name)),
      settlementWaitSeconds: seconds,
      settlementStuck: seconds > STUCK_AFTER_INTERVALS * this.config.settleIntervalSeconds,
    };
  }
}
