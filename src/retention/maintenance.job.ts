import { Inject, Injectable } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { TopupCodesService } from '../codes/topup-codes.service';
import { LOGGER } from '../common/logger';
import { Idempotency } from '../http/idempotency';
import { Settlement } from '../payments/settlement/settlement.service';
import { PayPalMaintenanceJob } from '../paypal/paypal-maintenance.job';
import { RetentionRun, RetentionService } from './retention.service';

export interface PurgeRun {
  codes: number;
  paypalOrders: number;
  idempotentRequests: number;
  /** Undefined when another instance held the retention lock. */
  retention: RetentionRun | undefined;
  compacted: boolean;
}

/**
 * The one daily purge: expired codes and the pending links of orders never
 * captured (no longer than a code's life), idempotency records past their
 * window, journal rows past RETENTION_YEARS; then, on PostgreSQL, the code
 * tables are written anew, so the bytes of what was deleted leave the data
 * directory too.
 */
@Injectable()
export class MaintenanceJob {
  constructor(
    @Inject(TopupCodesService) private readonly codes: TopupCodesService,
    @Inject(PayPalMaintenanceJob) private readonly paypal: PayPalMaintenanceJob,
    @Inject(Idempotency) private readonly idempotency: Idempotency,
    @Inject(RetentionService) private readonly retention: RetentionService,
    @Inject(Settlement) private readonly settlement: Settlement,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Cron('0 3 * * *', { name: 'purge', timeZone: 'UTC' })
  async purge(): Promise<PurgeRun> {
    const codes = await this.codes.purgeExpired();
    const paypalOrders = await this.paypal.purge();
    const idempotentRequests = await this.idempotency.purge();
    const retention = await this.retention.run();
    const compacted = await this.settlement.compact();
    const run = { codes, paypalOrders, idempotentRequests, retention, compacted };
    this.logger.info({ job: 'purge', ...run }, 'purged expired records');
    return run;
  }
}
