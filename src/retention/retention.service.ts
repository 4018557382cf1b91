import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Day } from '../common/day';
import { AppConfig } from '../config/app-config';
import { JOB_LOCKS, JobLock } from '../database/job-lock';
import { Transactions } from '../database/transactions';
import { AnonymityGroupRepository } from '../payments/settlement/anonymity-group.repository';
import { BankBookingRepository } from '../payments/bank-booking.repository';
import { PaymentRepository } from '../payments/payment.repository';
import { LedgerRepository } from '../ledger/ledger.repository';

export interface RetentionRun {
  /** Rows older than the retention period are kept until this day, exclusive. */
  keepFrom: Day;
  /** Resolved payments that still held payer details (none, unless something went wrong). */
  payerDetails: number;
  journalRows: number;
  /** The bank bookings' identities of journal rows that are gone. */
  bankBookings: number;
  closedLedgerTotals: number;
  /** The anonymity sets of credits whose journal rows are gone. */
  anonymityGroups: number;
}

/**
 * What the service forgets on schedule, beyond expired codes and orders (their
 * own jobs). Payer details go when an unmatched payment is resolved, in that
 * transaction; this run erases any a resolved row might still hold, as a net.
 * Journal rows are vouchers, kept RETENTION_YEARS (8 under German law, § 147 AO)
 * counted from the end of the calendar year of their last day, then deleted;
 * an unmatched payment is never deleted, however old.
 */
@Injectable()
export class RetentionService {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(JobLock) private readonly lock: JobLock,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** The first day whose rows are still kept today. */
  keepFrom(today: Day = this.clock.today()): Day {
    return `${Number(today.slice(0, 4)) - this.config.retentionYears}-01-01`;
  }

  async run(): Promise<RetentionRun | undefined> {
    const outcome = await this.lock.run(JOB_LOCKS.retention, () => this.purge());
    return outcome.ran ? outcome.result : undefined;
  }

  private purge(): Promise<RetentionRun> {
    const keepFrom = this.keepFrom();
    return this.transactions.run(async (tx) => {
      const payerDetails = await PaymentRepository.forgetSettledPayers(tx);
      const journalRows = await PaymentRepository.purgeSettledBefore(tx, keepFrom);
      // The sweep reads every booking: run only when journal rows went, which
      // keepFrom allows once a year (migration 1800 swept those left before).
      const bankBookings =
        journalRows > 0 ? await BankBookingRepository.purgeWithoutPayment(tx) : 0;
      // The sums of closed mailboxes' ledgers answer to journal rows that are gone now.
      const closedLedgerTotals = await LedgerRepository.purgeClosedTotalsBefore(tx, keepFrom);
      const anonymityGroups = await AnonymityGroupRepository.purgeBefore(tx, keepFrom);
      return {
        keepFrom,
        payerDetails,
        journalRows,
        bankBookings,
        closedLedgerTotals,
        anonymityGroups,
      };
    });
  }
}
