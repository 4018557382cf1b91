import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Transactions } from '../database/transactions';
import { PayPalOrderRepository } from './paypal-order.repository';

/**
 * Orders never captured leave a pending link behind: it goes on the day after
 * it expires, like its code; run by the daily purge (retention/maintenance.job.ts).
 */
@Injectable()
export class PayPalMaintenanceJob {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async purge(): Promise<number> {
    const orders = await this.transactions.run(async (tx) => {
      const purged = await PayPalOrderRepository.purgeExpired(tx, this.clock.today());
      return purged;
    });
    return orders;
  }
}
