import { Inject, Injectable } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  GaugeConfiguration,
  Histogram,
  Registry,
} from 'prom-client';
import { AppConfig } from '../config/app-config';

/** Where a bank import came from: the upload route or the scheduled inbox. */
export type ImportSource = 'upload' | 'inbox';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The service's Prometheus metrics, one registry per app instance (tests boot
 * several in one process). Labels take values from closed sets only: a route
 * pattern, never a URL; a channel, status or reason, never an id, code, name,
 * IBAN or amount (README, "Running it in production").
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP answers by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  private readonly taken = new Counter({
    name: 'billing_payments_taken_total',
    help: 'Payments through the intake that committed, by channel and outcome (credited, unmatched, duplicate)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly takenAmount = new Counter({
    name: 'billing_payments_taken_amount_minor_total',
    help: 'Sum of those payments, minor units, by channel and outcome (duplicates counted as received again)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly importDuration = new Histogram({
    name: 'billing_bank_import_duration_seconds',
    help: 'Bank imports (one file, upload or ZIP) that finished, by source',
    labelNames: ['source'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });

  private readonly importEntries = new Counter({
    name: 'billing_bank_import_entries_total',
    help: 'Statement entries read by finished bank imports, by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  private readonly importRate = new Gauge({
    name: 'billing_bank_import_entries_per_second',
    help: 'Entries per second of the last finished bank import, by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  private readonly settlementDuration = new Histogram({
    name: 'billing_settlement_duration_seconds',
    help: 'Settlement runs of this instance that wrote or found nothing to write',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  private readonly settlementBatch = new Histogram({
    name: 'billing_settlement_batch_size',
    help: 'Rows a settlement run wrote together: ledger credits, journal rows',
    labelNames: ['rows'] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
    registers: [this.registry],
  });

  private readonly settlementFailures = new Counter({
    name: 'billing_settlement_failures_total',
    help: 'Scheduled settlement runs that failed',
    registers: [this.registry],
  });

  private readonly settlementLast = new Gauge({
    name: 'billing_settlement_last_success_timestamp_seconds',
    help: 'When a settlement run of this instance last succeeded (Unix time)',
    registers: [this.registry],
  });

  private readonly deliveries = new Counter({
    name: 'billing_webhook_deliveries_total',
    help: 'Webhook events sent to the webmail backend, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor(@Inject(AppConfig) config: AppConfig) {
    // Only where the metrics are served: each call starts its own event-loop and GC observers.
    if (config.metrics) collectDefaultMetrics({ register: this.registry });
    // Series exist from the start, so that rate() and absent() have something to read.
    for (const outcome of ['delivered', 'failed', 'dropped']) this.deliveries.inc({ outcome }, 0);
    for (const source of ['upload', 'inbox']) this.importEntries.inc({ source }, 0);
  }

  /** A gauge in this instance's registry; `collect` reads its value at scrape time. */
  gauge<L extends string>(configuration: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return new Gauge({ ...configuration, registers: [this.registry] });
  }

  /** One HTTP answer; `route` is the pattern the router matched, undefined when none did. */
  answered(method: string, route: string | undefined, status: number, seconds: number): void {
    this.httpDuration.observe(
      {
        method: METHODS.has(method) ? method : 'other',
        route: route ?? '(no route)',
        status: String(status),
      },
      seconds,
    );
  }

  /** A payment the intake took, once its transaction committed. */
  paymentTaken(channel: string, outcome: string, amountMinor: number): void {
    this.taken.inc({ channel, outcome });
    this.takenAmount.inc({ channel, outcome }, Math.max(0, amountMinor));
  }

  /** Payments the bank import thread took, summed (bank/import-thread.ts). */
  paymentsTaken(channel: string, outcome: string, count: number, amountMinor: number): void {
    this.taken.inc({ channel, outcome }, count);
    this.takenAmount.inc({ channel, outcome }, amountMinor);
  }

  /** Starts timing a bank import; call the answer with its entry count once it committed. */
  importStarted(source: ImportSource): (entries: number) => void {
    const started = process.hrtime.bigint();
    return (entries) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.importDuration.observe({ source }, seconds);
      this.importEntries.inc({ source }, entries);
      this.importRate.set({ source }, seconds > 0 ? entries / seconds : 0);
    };
  }

  /** A settlement run that committed, with how many credits and journal rows it wrote. */
  settled(run: { credits: number; payments: number }, seconds: number): void {
    this.settlementDuration.observe(seconds);
    if (run.credits > 0) this.settlementBatch.observe({ rows: 'credits' }, run.credits);
    if (run.payments > 0) this.settlementBatch.observe({ rows: 'payments' }, run.payments);
    this.settlementLast.set(Date.now() / 1000);
  }

  settlementFailed(): void {
    this.settlementFailures.inc();
  }

  /** One delivery run's outcomes. */
  delivered(run: { delivered: number; failed: number; dropped: number }): void {
    for (const outcome of ['delivered', 'failed', 'dropped'] as const)
      if (run[outcome] > 0) this.deliveries.inc({ outcome }, run[outcome]);
  }
}
