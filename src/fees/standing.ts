import { Day } from '../common/day';
import { Tx } from '../database/transactions';
import { LedgerRepository } from '../mailboxes/ledger.repository';
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
 * state that the next run would change.
 */
export async function standingOf(
  tx: Tx,
  mailbox: string,
  day: Day,
  terms: FeeTerms,
): Promise<Standing> {
  const balanceMinor = await LedgerRepository.balance(tx, mailbox);
  // A mailbox without a schedule (none yet) is treated as one opened today.
  const account = (await FeeAccountRepository.get(tx, mailbox)) ?? {
    anchorOn: day,
    periods: 0,
    suspendedOn: null,
  };
  const plan = planFees(account, balanceMinor, terms, day);
  return { balanceMinor, status: plan.status, paidUntil: plan.paidUntil };
}
