import { Inject, Injectable } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { Clock } from '../common/clock';
import { LOGGER } from '../common/logger';
import { Transactions } from '../database/transactions';
import { PayPalOrderRepository } from './paypal-order.repository';

/**
 * Orders never captured leave a pending link behind: it goes on the day after
 * it expires, like its code (purged by the codes' own job).
 */
@Injectable()
export class PayPalMaintenanceJob {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Cron(CronExpression.EVERY_DAY_AT_3AM, { name: 'purge-paypal-orders', timeZone: 'UTC' })
  async purge(): Promise<number> {
    const orders = await this.transactions.run(async (tx) => {
      const purged = await PayPalOrderRepository.purgeExpired(tx, this.clock.today());
      if (purged > 0) tx.scrubAfterCommit();
      return purged;
    });
    this.logger.info({ job: 'purge-paypal-orders', orders }, 'purged expired paypal orders');
    return orders;
  }
}
