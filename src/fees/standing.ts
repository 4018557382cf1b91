import { Day } from '../common/day';
import { Tx } from '../database/tx';
import { LedgerRepository } from '../ledger/ledger.repository';
import { PendingCreditRepository } from '../ledger/pending-credit.repository';
import { FeeAccountRepository } from './fee-account.repository';
import { FeeTerms, MailboxStatus, planFees } from './fee-schedule';

export interface Standing {
  balanceMinor: number;
  status: MailboxStatus;
  paidUntil: Day;
}

/**
 * A mailbox's balance, status and paid-until day on `day`, as they stand once
 * that day's fee run has run (planFees): the view and the events never show a
 * state that the next run would change, the balance included.
 */
export async function standingOf(
  tx: Tx,
  mailbox: string,
  day: Day,
  terms: FeeTerms,
): Promise<Standing> {
  const balanceMinor = await balanceOf(tx, mailbox);
  // A mailbox without a schedule (none yet) is treated as one opened today.
  const account = (await FeeAccountRepository.get(tx, mailbox)) ?? {
    anchorOn: day,
    periods: 0,
    suspendedOn: null,
  };
  const plan = planFees(account, balanceMinor, terms, day);
  return { balanceMinor: plan.balance, status: plan.status, paidUntil: plan.paidUntil };
}

/**
 * What a mailbox holds: its ledger and the credits that wait for the next
 * settlement (money received; only its write is deferred). Fees are planned
 * on it, so a cash letter counts from the moment it is recorded.
 */
export async function balanceOf(tx: Tx, mailbox: string): Promise<number> {
  return (
    (await LedgerRepository.balance(tx, mailbox)) +
    (await PendingCreditRepository.sumFor(tx, mailbox))
  );
}
