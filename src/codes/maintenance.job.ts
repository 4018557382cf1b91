import { Inject, Injectable } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { Idempotency } from '../common/idempotency';
import { LOGGER } from '../common/logger';
import { TopupCodesService } from './topup-codes.service';

/**
 * Daily purges: a pending link from code to mailbox is kept no longer than
 * the code's life, and idempotency records no longer than their window.
 */
@Injectable()
export class MaintenanceJob {
  constructor(
    @Inject(TopupCodesService) private readonly codes: TopupCodesService,
    @Inject(Idempotency) private readonly idempotency: Idempotency,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Cron(CronExpression.EVERY_DAY_AT_3AM, { name: 'purge', timeZone: 'UTC' })
  async purge(): Promise<{ codes: number; idempotentRequests: number }> {
    const codes = await this.codes.purgeExpired();
    const idempotentRequests = await this.idempotency.purge();
    this.logger.info({ job: 'purge', codes, idempotentRequests }, 'purged expired records');
    return { codes, idempotentRequests };
  }
}
