import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Scheduler } from '../../config/schedule';
import { Metrics } from '../../metrics/metrics';
import { LOGGER } from '../../common/logger';
import { AppConfig } from '../../config/app-config';
import { vacuum } from '../../database/maintenance';
import { JOB_LOCKS, JobLock } from '../../database/job-lock';
import { Transactions } from '../../database/transactions';
import { Tx } from '../../database/tx';
import { PaymentRepository } from '../payment.repository';
import { AnonymityGroup, AnonymityGroupRepository } from './anonymity-group.repository';
import { writeCredits } from './credit-writer';
import { IntakeLocks, PendingTablesBusy } from './intake-locks';
import { PendingCreditRepository } from '../../ledger/pending-credit.repository';
import { PendingPaymentRepository } from './pending-payment.repository';
import { shuffled } from '../../database/rows';
import { CreditBatch } from './settling';

export interface SettlementRun {
  /** Credits written to the ledger (cash letters, resolutions). */
  credits: number;
  /** Journal rows written (PayPal captures). */
  payments: number;
  /** The anonymity sets of this batch: credits per day, channel and amount. */
  groups: AnonymityGroup[];
}

/** Tables whose deleted rows named a mailbox beside a code: vacuumed after each settlement. */
const ERASED_TABLES = ['topup_code', 'paypal_order'];
/** A settlement that found the pending tables in use tries again after this long. */
const RETRY_MS = 250;
const RETRIES = 8;

/**
 * Settlement: writes what waits (credits of single cash letters and staff
 * resolutions, journal rows of PayPal captures) in one transaction, each
 * table's rows in a random order of their own, and erases the pending tables
 * (docs/decisions/0005-settlement.md). Runs every SETTLE_INTERVAL_SECONDS, at
 * start-up (what a crash left waiting), before the fee run and at shutdown;
 * on PostgreSQL on one instance at a time. A bank import or cash batch is a
 * settlement of its own: closeBatch writes its credits the same way.
 */
@Injectable()
export class Settlement implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** Codes were deleted since the last vacuum (PostgreSQL). */
  private erased = false;

  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(JobLock) private readonly lock: JobLock,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(Scheduler) private readonly scheduler: Scheduler,
    // Absent in the CLI's import, which serves no metrics.
    @Optional() @Inject(Metrics) private readonly metrics?: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.scheduler.enabled) return;
    void this.tick();
    this.scheduler.every('settlement', this.config.settleIntervalSeconds, () => this.tick());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.scheduler.stop('settlement');
    // Nothing needs to wait through a restart: settle what is pending now.
    if (this.scheduler.enabled) await this.tick();
  }

  /**
   * Writes a batch's credits at the end of its transaction, in random order,
   * and records its anonymity sets.
   */
  async closeBatch(tx: Tx, batch: CreditBatch): Promise<void> {
    if (batch.credits.length === 0) return;
    await writeCredits(tx, batch.credits, { events: this.config.webhook !== undefined });
    await AnonymityGroupRepository.record(tx, batch.credits);
    this.erased = true;
  }

  /** A PayPal capture deleted its code at once: the next run vacuums after it. */
  codesErased(): void {
    this.erased = true;
  }

  /**
   * Settles what waits now. Undefined when another instance is settling or
   * the pending tables stayed in use (it then runs again at the next tick).
   */
  async run(): Promise<SettlementRun | undefined> {
    const started = performance.now();
    const outcome = await this.lock
      .run(JOB_LOCKS.settlement, async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await this.transactions.run((tx) => this.settle(tx));
          } catch (error) {
            if (!(error instanceof PendingTablesBusy) || attempt >= RETRIES) throw error;
            await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
          }
        }
      })
      .catch((error: unknown) => {
        if (error instanceof PendingTablesBusy) return { ran: false as const };
        throw error;
      });
    if (!outcome.ran) return undefined;
    const run = outcome.result;
    this.metrics?.settled(run, (performance.now() - started) / 1000);
    if (run.credits + run.payments > 0) this.erased = true;
    if (this.erased) await this.vacuum();
    return run;
  }

  private async settle(tx: Tx): Promise<SettlementRun> {
    await IntakeLocks.pendingTables(tx);
    const credits = await PendingCreditRepository.all(tx);
    const payments = await PendingPaymentRepository.all(tx);
    if (credits.length === 0 && payments.length === 0)
      return { credits: 0, payments: 0, groups: [] };
    await writeCredits(tx, credits, { events: this.config.webhook !== undefined });
    const inserted = await PaymentRepository.insertSettled(tx, shuffled(payments));
    if (inserted !== payments.length) {
      // The intake never lets a reference wait twice; counts only, never an id.
      this.logger.error(
        { job: 'settlement', waiting: payments.length, recorded: inserted },
        'journal rows that waited were recorded already',
      );
    }
    const groups = await AnonymityGroupRepository.record(tx, [
      ...credits,
      ...payments.flatMap((p) =>
        p.status === 'credited' && p.settledOn
          ? [{ bookedOn: p.settledOn, channel: p.channel, amountMinor: p.amountMinor }]
          : [],
      ),
    ]);
    await PendingCreditRepository.clear(tx);
    await PendingPaymentRepository.clear(tx);
    return { credits: credits.length, payments: payments.length, groups };
  }

  /**
   * PostgreSQL keeps deleted rows (a redeemed code beside its mailbox's
   * pseudonym) until VACUUM: run it now, not when autovacuum gets to it
   * (docs/postgres-retention.md). SQLite zeroed them already (secure_delete).
   */
  private async vacuum(): Promise<void> {
    this.erased = false;
    try {
      await vacuum(this.dataSource, ERASED_TABLES, { full: false });
    } catch (error) {
      this.erased = true;
      this.logger.warn({ job: 'settlement', error: errorCode(error) }, 'vacuum failed');
    }
  }

  /**
   * A plain VACUUM frees a deleted row's space but leaves its bytes there until
   * a new row happens to overwrite them: the relation files of the code tables
   * still held about half of a day's redeemed code hashes, each beside its
   * mailbox's pseudonym (docs/postgres-retention.md). VACUUM FULL writes the
   * tables anew and unlinks the old files. It holds an exclusive lock while it
   * runs (the tables hold open codes only, so briefly): once a day, with the
   * purge. Nothing to do on SQLite.
   */
  async compact(): Promise<boolean> {
    return vacuum(this.dataSource, ERASED_TABLES, { full: true });
  }

  private async tick(): Promise<void> {
    try {
      const run = await this.run();
      if (run && run.credits + run.payments > 0) {
        // Counts and set sizes only: never a mailbox, a payment or an amount.
        this.logger.info(
          {
            job: 'settlement',
            credits: run.credits,
            payments: run.payments,
            smallestSet: Math.min(...run.groups.map((g) => g.credits)),
          },
          'settled',
        );
      }
    } catch (error) {
      this.metrics?.settlementFailed();
      this.logger.error({ job: 'settlement', error: errorCode(error) }, 'settlement failed');
    }
  }
}

/** What failed, without the message: a driver's message may quote a value. */
function errorCode(error: unknown): string {
  const e = error as { driverError?: { code?: string }; code?: string; name?: string };
  return e.driverError?.code ?? e.code ?? e.name ?? 'unknown';
}
