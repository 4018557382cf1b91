import { Inject, Injectable } from '@nestjs/common';
import { Day } from '../common/day';
import { AppConfig } from '../config/app-config';
import { JOB_LOCKS, JobLock } from '../database/job-lock';
import { Transactions } from '../database/transactions';
import { RetryTransaction, Tx } from '../database/tx';
import { OutboxRepository } from '../ledger/outbox.repository';
import { LedgerRepository } from '../ledger/ledger.repository';
import { MailboxRepository } from '../ledger/mailbox.repository';
import { FeeAccountRepository } from './fee-account.repository';
import { balanceOf } from './standing';
import { FeeTerms, planFees } from './fee-schedule';

export interface FeeRun {
  day: Day;
  /** Mailboxes with a period due that the run looked at. */
  mailboxes: number;
  /** Periods charged, and what they came to. */
  charged: number;
  amountMinor: number;
  suspended: number;
  reactivated: number;
  /** Periods found charged already (their fee_charge key taken): skipped, never debited twice. */
  alreadyCharged: number;
}

const COUNTS = [
  'mailboxes',
  'charged',
  'amountMinor',
  'suspended',
  'reactivated',
  'alreadyCharged',
] as const;

const emptyRun = (day: Day): FeeRun => ({
  day,
  ...(Object.fromEntries(COUNTS.map((key) => [key, 0])) as Record<(typeof COUNTS)[number], number>),
});

/** Mailboxes per transaction: a crash loses at most one chunk, which the next run redoes. */
const CHUNK = 500;

/**
 * The monthly fee. A run for a day charges every period that has begun by
 * then and is not charged yet (so a run after downtime catches up), and
 * suspends mailboxes whose grace ran out. Running it twice for one day charges
 * nothing twice: each period's fee_charge row has a key of its own, the
 * schedule moves by compare-and-set, and on PostgreSQL one instance runs it at
 * a time. Debits are booked on the day their period began, so the ledger reads
 * the same whether the run was on time or caught up later.
 */
@Injectable()
export class FeesService {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(JobLock) private readonly lock: JobLock,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  get terms(): FeeTerms {
    return { feeMinor: this.config.feeMinor, graceDays: this.config.graceDays };
  }

  /** Undefined when another run (here or on another instance) holds the lock. */
  async run(day: Day): Promise<FeeRun | undefined> {
    const outcome = await this.lock.run(JOB_LOCKS.fees, () => this.runUnlocked(day));
    return outcome.ran ? outcome.result : undefined;
  }

  private async runUnlocked(day: Day): Promise<FeeRun> {
    const run = emptyRun(day);
    let after = '';
    for (;;) {
      // A chunk's counts join the run's only once its transaction committed.
      const { due, chunk } = await this.transactions.run(async (tx) => {
        const due = await FeeAccountRepository.due(tx, day, after, CHUNK);
        const chunk = emptyRun(day);
        for (const mailbox of due) await this.chargeOne(tx, mailbox, day, chunk);
        return { due, chunk };
      });
      for (const key of COUNTS) run[key] += chunk[key];
      if (due.length < CHUNK) return run;
      after = due[due.length - 1];
    }
  }

  private async chargeOne(tx: Tx, mailbox: string, day: Day, run: FeeRun): Promise<void> {
    // The mailbox row's lock keeps this run apart from a closing of the mailbox.
    if (!(await MailboxRepository.lock(tx, mailbox))) return;
    const account = await FeeAccountRepository.get(tx, mailbox, true);
    if (!account) return;
    run.mailboxes += 1;
    const balance = await balanceOf(tx, mailbox);
    const plan = planFees(account, balance, this.terms, day);
    let debited = 0;
    for (const dueOn of plan.charges) {
      // The period's key is taken (charged before, by whatever means): never debit it again.
      if (!(await FeeAccountRepository.charge(tx, mailbox, dueOn))) {
        run.alreadyCharged += 1;
        continue;
      }
      await LedgerRepository.append(tx, {
        mailbox,
        kind: 'debit',
        channel: 'fee',
        amountMinor: this.config.feeMinor,
        currency: this.config.currency,
        bookedOn: dueOn,
      });
      debited += 1;
    }
    const unchanged =
      plan.account.anchorOn === account.anchorOn &&
      plan.account.periods === account.periods &&
      plan.account.suspendedOn === account.suspendedOn;
    if (!unchanged && !(await FeeAccountRepository.move(tx, mailbox, account, plan.account)))
      throw new RetryTransaction();
    run.charged += debited;
    run.amountMinor += debited * this.config.feeMinor;
    if (account.suspendedOn !== null && plan.account.suspendedOn === null) run.reactivated += 1;
    if (plan.suspends) run.suspended += 1;
    if (!this.config.webhook) return;
    const low = this.config.lowBalanceMinor;
    if (debited > 0 && balance >= low && balance - debited * this.config.feeMinor < low)
      await OutboxRepository.enqueue(tx, mailbox, 'balance.low', day);
    if (plan.suspends) await OutboxRepository.enqueue(tx, mailbox, 'mailbox.suspended', day);
  }
}
