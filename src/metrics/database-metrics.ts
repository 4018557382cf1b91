import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { Transactions } from '../database/transactions';
import { Metrics } from './metrics';
import { DatabaseFigures, MetricsRepository } from './metrics.repository';

/** Label values from the database, held to the shapes they are meant to have. */
const word = (value: string) => (/^[a-z][a-z-]{0,31}$/.test(value) ? value : 'other');
const currency = (value: string) => (/^[A-Z]{3}$/.test(value) ? value : 'other');

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * Gauges read at scrape time: from the database (the day's credits, the
 * unmatched queue, what waits for the settlement, the webhook outbox), from the PostgreSQL
 * pool and from the SQLite group-commit queue. Nothing is counted in the
 * write path; every instance reports the same database figures.
 */
@Injectable()
export class DatabaseMetrics implements OnModuleInit {
  /** The read in flight: the gauges of one scrape collect together and share it. */
  private reading?: Promise<DatabaseFigures>;

  constructor(
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    // First: read before this scrape's own database reads take a pool connection.
    const transactions = this.transactions;
    this.metrics.gauge({
      name: 'billing_db_group_commit_queue_depth',
      help: 'Units of work waiting for the SQLite writer (0 on PostgreSQL)',
      collect() {
        this.set(transactions.queueDepth);
      },
    });
    // Looked up at each scrape: a reconnected data source has a new pool.
    const pool = () => this.pool();
    if (this.dataSource.options.type === 'postgres') {
      this.metrics.gauge({
        name: 'billing_db_pool_connections',
        help: 'PostgreSQL pool connections: total, idle',
        labelNames: ['state'],
        collect() {
          this.set({ state: 'total' }, pool()?.totalCount ?? 0);
          this.set({ state: 'idle' }, pool()?.idleCount ?? 0);
        },
      });
      this.metrics.gauge({
        name: 'billing_db_pool_waiting',
        help: 'Requests waiting for a PostgreSQL pool connection',
        collect() {
          this.set(pool()?.waitingCount ?? 0);
        },
      });
    }
    const figures = () => this.figures();
    this.metrics.gauge({
      name: 'billing_credits_today',
      help: 'Credits of payments booked today (UTC) by channel, written or waiting for the settlement',
      labelNames: ['channel'],
      async collect() {
        this.reset();
        for (const t of (await figures()).creditedToday)
          this.set({ channel: word(t.channel) }, t.count);
      },
    });
    this.metrics.gauge({
      name: 'billing_credits_today_amount_minor',
      help: 'Sum of those credits, minor units of CURRENCY, by channel',
      labelNames: ['channel'],
      async collect() {
        this.reset();
        for (const t of (await figures()).creditedToday)
          this.set({ channel: word(t.channel) }, t.amountMinor);
      },
    });
    const unmatchedLabels = (u: DatabaseFigures['unmatched'][number]) => ({
      channel: word(u.channel),
      reason: word(u.reason),
      currency: currency(u.currency),
    });
    this.metrics.gauge({
      name: 'billing_unmatched_payments',
      help: 'Unmatched payments waiting for staff, by channel, reason and currency',
      labelNames: ['channel', 'reason', 'currency'],
      async collect() {
        this.reset();
        for (const u of (await figures()).unmatched) this.set(unmatchedLabels(u), u.count);
      },
    });
    this.metrics.gauge({
      name: 'billing_unmatched_payments_amount_minor',
      help: 'Sum of the unmatched payments waiting for staff, minor units, by channel, reason and currency',
      labelNames: ['channel', 'reason', 'currency'],
      async collect() {
        this.reset();
        for (const u of (await figures()).unmatched) this.set(unmatchedLabels(u), u.amountMinor);
      },
    });
    this.metrics.gauge({
      name: 'billing_settlement_pending',
      help: 'Rows waiting for the next settlement: ledger credits, journal rows',
      labelNames: ['rows'],
      async collect() {
        const { pending } = await figures();
        this.set({ rows: 'credits' }, pending.credits);
        this.set({ rows: 'payments' }, pending.payments);
      },
    });
    this.metrics.gauge({
      name: 'billing_webhook_outbox_backlog',
      help: 'Events waiting for delivery to the webmail backend',
      async collect() {
        this.set((await figures()).outbox);
      },
    });
  }

  private figures(): Promise<DatabaseFigures> {
    if (!this.reading) {
      const today = this.clock.today();
      // A read: it waits for no writer and takes no place in the group-commit queue.
      const reading = this.transactions.read((tx) => MetricsRepository.figures(tx, today));
      this.reading = reading;
      const done = () => {
        if (this.reading === reading) this.reading = undefined;
      };
      reading.then(done, done);
    }
    return this.reading;
  }

  private pool(): PgPool | undefined {
    if (this.dataSource.options.type !== 'postgres') return undefined;
    return (this.dataSource.driver as unknown as { master?: PgPool }).master;
  }
}
