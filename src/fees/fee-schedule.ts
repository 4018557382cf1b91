import { addDays, addMonths, Day } from '../common/day';

export type MailboxStatus = 'active' | 'grace' | 'suspended';

/**
 * A mailbox's fee schedule. Period n runs from addMonths(anchorOn, n) to the
 * day before period n + 1 begins; it is always counted from the anchor, never
 * from the previous period, so a period that starts on the 31st comes back to
 * the 31st after a short month (Jan 31, Feb 28, Mar 31, …).
 */
export interface FeeAccount {
  /** The registration day, or the day a suspended mailbox paid again. */
  anchorOn: Day;
  /** Periods charged since the anchor. */
  periods: number;
  /** Set on the day the grace period ran out unpaid; cleared when it pays again. */
  suspendedOn: Day | null;
}

export interface FeeTerms {
  feeMinor: number;
  graceDays: number;
}

export interface FeePlan {
  /** Start days of the periods to charge now, oldest first. */
  charges: Day[];
  /** The account once those are charged. */
  account: FeeAccount;
  /** The balance once those are charged. */
  balance: number;
  /** True when this plan suspends the mailbox (it was not suspended before). */
  suspends: boolean;
  status: MailboxStatus;
  /** The last day paid for: charged periods plus whole prepaid months. */
  paidUntil: Day;
  /** The start of the first period not charged. */
  nextDueOn: Day;
}

export const periodStart = (account: Pick<FeeAccount, 'anchorOn'>, n: number): Day =>
  addMonths(account.anchorOn, n);

/**
 * What the fee run does for one mailbox on `day`, and where that leaves it.
 * Pure: the daily run writes what it says, and a mailbox's view shows it for
 * today whether or not today's run has happened yet, so both always agree.
 *
 * A period is charged on its first day, in full, when the balance covers it
 * (a fee never takes a balance below zero). A period the balance cannot cover
 * opens the grace period; if it is still unpaid `graceDays` after its start,
 * the mailbox is suspended and no longer charged. A suspended mailbox whose
 * balance covers a fee again starts a new period on that day: nobody pays for
 * months they could not use. Missed days (the job was down) are caught up.
 */
export function planFees(
  current: FeeAccount,
  balanceMinor: number,
  terms: FeeTerms,
  day: Day,
): FeePlan {
  const charges: Day[] = [];
  let account = { ...current };
  let balance = balanceMinor;
  let suspends = false;
  if (account.suspendedOn !== null && balance >= terms.feeMinor) {
    account = { anchorOn: day, periods: 0, suspendedOn: null };
  }
  if (account.suspendedOn === null) {
    for (;;) {
      const due = periodStart(account, account.periods);
      if (due > day) break;
      if (balance < terms.feeMinor) {
        if (day >= addDays(due, terms.graceDays)) {
          account.suspendedOn = day;
          suspends = true;
        }
        break;
      }
      charges.push(due);
      balance -= terms.feeMinor;
      account.periods += 1;
    }
  }
  const nextDueOn = periodStart(account, account.periods);
  const prepaid = Math.max(0, Math.floor(balance / terms.feeMinor));
  return {
    charges,
    account,
    balance,
    suspends,
    status: account.suspendedOn !== null ? 'suspended' : nextDueOn > day ? 'active' : 'grace',
    paidUntil: addDays(periodStart(account, account.periods + prepaid), -1),
    nextDueOn,
  };
}
