import { Inject, Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import { Scheduler } from '../config/schedule';
import { Clock } from '../common/clock';
import { Day } from '../common/day';
import { LOGGER } from '../common/logger';
import { AppConfig, WebhookConfig } from '../config/app-config';
import { JOB_LOCKS, JobLock } from '../database/job-lock';
import { Transactions } from '../database/transactions';
import { standingOf } from '../fees/standing';
import { Metrics } from '../metrics/metrics';
import { MailboxIdSeal } from '../ledger/mailbox-id.seal';
import { EventType, OutboxRepository } from '../ledger/outbox.repository';

/** What the webmail backend receives (API.md, "Events to the webmail backend"). */
export interface EventBody {
  type: EventType;
  mailboxId: string;
  balance: { amountMinor: number; currency: string };
  paidUntil: Day;
  /** The day the event happened: a day, never a time. */
  date: Day;
}

export interface DeliveryRun {
  delivered: number;
  failed: number;
  /** Waiting for their next attempt (backing off). */
  waiting: number;
  /** Dropped: the mailbox is gone, or no sealed id is kept for it. */
  dropped: number;
}

const BATCH = 100;
const MAX_BACKOFF_MS = 60 * 60 * 1000;
const TIMEOUT_MS = 10_000;

/**
 * Delivers the outbox to WEBMAIL_WEBHOOK_URL, signed per Standard Webhooks.
 * Runs every WEBHOOK_INTERVAL_SECONDS (on PostgreSQL on one instance at a
 * time) and sends what waits in the order of random ids, so events leave in
 * batches and not in the order or at the moment payments arrived. A row is
 * deleted once the receiver answered 2xx; until then it is retried with
 * exponential backoff, kept in memory only, since a time stored next to a
 * mailbox is what the schema never holds (a restart retries at once).
 * The body carries the balance and paid-until day as they are when sent.
 */
@Injectable()
export class EventDelivery implements OnApplicationBootstrap {
  private readonly backoff = new Map<string, { failures: number; notBefore: number }>();
  private readonly webhook: Webhook | undefined;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(JobLock) private readonly lock: JobLock,
    @Inject(MailboxIdSeal) private readonly seal: MailboxIdSeal,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(Scheduler) private readonly scheduler: Scheduler,
    @Optional() @Inject(Metrics) private readonly metrics?: Metrics,
  ) {
    if (config.webhook) this.webhook = new Webhook(config.webhook.secret);
  }

  onApplicationBootstrap(): void {
    if (!this.config.webhook) return;
    this.scheduler.every('events', this.config.webhook.intervalSeconds, () => this.tick());
  }

  /** One delivery run; undefined when events are off or another run holds the lock. */
  async tick(now = Date.now()): Promise<DeliveryRun | undefined> {
    const target = this.config.webhook;
    if (!target) return undefined;
    const outcome = await this.lock.run(JOB_LOCKS.events, () => this.deliver(target, now));
    if (!outcome.ran) return undefined;
    const run = outcome.result;
    this.metrics?.delivered(run);
    if (run.delivered + run.failed + run.dropped > 0)
      this.logger.info({ job: 'events', ...run }, 'events delivered');
    return run;
  }

  private async deliver(target: WebhookConfig, now: number): Promise<DeliveryRun> {
    const run: DeliveryRun = { delivered: 0, failed: 0, waiting: 0, dropped: 0 };
    const today = this.clock.today();
    const terms = { feeMinor: this.config.feeMinor, graceDays: this.config.graceDays };
    const seen = new Set<string>();
    let after = '';
    let receiverDown = false;
    for (;;) {
      // Each event's body is read in the transaction that finds it, then sent outside any.
      const batch = await this.transactions.run(async (tx) => {
        const rows = await OutboxRepository.waiting(tx, after, BATCH);
        const out: { id: string; body: EventBody | undefined }[] = [];
        for (const row of rows) {
          seen.add(row.id);
          if ((this.backoff.get(row.id)?.notBefore ?? 0) > now) {
            run.waiting++;
            continue;
          }
          const mailboxId = row.sealedId ? this.seal.open(row.sealedId, row.mailbox) : undefined;
          if (!mailboxId) {
            out.push({ id: row.id, body: undefined });
            continue;
          }
          const standing = await standingOf(tx, row.mailbox, today, terms);
          out.push({
            id: row.id,
            body: {
              type: row.type,
              mailboxId,
              balance: { amountMinor: standing.balanceMinor, currency: this.config.currency },
              paidUntil: standing.paidUntil,
              date: row.eventOn,
            },
          });
        }
        return { out, last: rows.length === BATCH ? rows[rows.length - 1].id : undefined };
      });
      for (const event of batch.out) {
        if (receiverDown && event.body) {
          run.waiting++;
        } else if (!event.body) {
          await this.forget(event.id);
          run.dropped++;
        } else if (await this.send(target, event.id, event.body)) {
          await this.forget(event.id);
          run.delivered++;
        } else {
          this.failed(event.id, target, now);
          run.failed++;
          // One failure per run: a receiver that is down is not hammered with the whole outbox.
          receiverDown = true;
        }
      }
      if (batch.last === undefined) break;
      after = batch.last;
    }
    // Events replaced by newer ones, or delivered by another instance, need no backoff.
    for (const id of this.backoff.keys()) if (!seen.has(id)) this.backoff.delete(id);
    return run;
  }

  private async send(target: WebhookConfig, id: string, body: EventBody): Promise<boolean> {
    const payload = JSON.stringify(body);
    const timestamp = new Date();
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': this.webhook!.sign(id, timestamp, payload),
        },
        body: payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await response.body?.cancel();
      return response.status >= 200 && response.status < 300;
    } catch {
      return false;
    }
  }

  /** Deletes a delivered (or undeliverable) event; a newer one that replaced it stays. */
  private async forget(id: string): Promise<void> {
    this.backoff.delete(id);
    await this.transactions.run(async (tx) => {
      await OutboxRepository.delete(tx, id);
    });
  }

  private failed(id: string, target: WebhookConfig, now: number): void {
    const failures = (this.backoff.get(id)?.failures ?? 0) + 1;
    const delay = Math.min(target.intervalSeconds * 1000 * 2 ** (failures - 1), MAX_BACKOFF_MS);
    this.backoff.set(id, { failures, notBefore: now + delay });
  }
}
