import { Inject, Injectable } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { Idempotency } from '../common/idempotency';
import { LOGGER } from '../common/logger';
import { Settlement } from '../payments/settlement/settlement.service';
import { TopupCodesService } from './topup-codes.service';

/**
 * Daily purges: a pending link from code to mailbox is kept no longer than
 * the code's life, and idempotency records no longer than their window; on
 * PostgreSQL the code tables are then written anew, so the bytes of deleted
 * rows leave the data directory.
 */
@Injectable()
export class MaintenanceJob {
  constructor(
    @Inject(TopupCodesService) private readonly codes: TopupCodesService,
    @Inject(Idempotency) private readonly idempotency: Idempotency,
    @Inject(Settlement) private readonly settlement: Settlement,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Cron(CronExpression.EVERY_DAY_AT_3AM, { name: 'purge', timeZone: 'UTC' })
  async purge(): Promise<{ codes: number; idempotentRequests: number; compacted: boolean }> {
    const codes = await this.codes.purgeExpired();
    const idempotentRequests = await this.idempotency.purge();
    // The day's redeemed and purged codes out of PostgreSQL's files, not only its tables.
    const compacted = await this.settlement.compact();
    this.logger.info(
      { job: 'purge', codes, idempotentRequests, compacted },
      'purged expired records',
    );
    return { codes, idempotentRequests, compacted };
  }
}
