import { Day } from '../../common/day';
import { CreditLine } from '../../ledger/credit-line';

/**
 * Credits decided in one transaction that also writes their journal rows (a
 * bank import, a cash batch): held here until the end, then written together
 * in random order (writeCredits). The codes they were paid with stay reserved
 * here and, on PostgreSQL, row-locked until the transaction ends.
 */
export class CreditBatch {
  readonly credits: CreditLine[] = [];
  private readonly reserved = new Set<string>();
  private readonly perMailbox = new Map<string, number>();

  constructor(readonly settleOn: Day) {}

  holds(codeHash: string): boolean {
    return this.reserved.has(codeHash);
  }

  /** What this batch has credited to a mailbox so far. */
  creditedTo(mailbox: string): number {
    return this.perMailbox.get(mailbox) ?? 0;
  }

  add(credit: CreditLine & { codeHash: string }): void {
    this.credits.push(credit);
    this.reserved.add(credit.codeHash);
    this.perMailbox.set(credit.mailbox, this.creditedTo(credit.mailbox) + credit.amountMinor);
  }
}

/**
 * How the intake writes the two sides of a credited payment, so that nothing
 * the storage engine records pairs them (DESIGN.md, invariant 7):
 *
 * - `batch`: both sides in this transaction; the journal row at once, the
 *   credit with the batch's others at its end (a bank import, a cash batch).
 * - `credit-later`: the journal row at once, the credit at the next
 *   settlement (a cash letter, a staff resolution: the answer names the
 *   payment, so its journal row must exist).
 * - `journal-later`: the credit at once, the journal row at the next
 *   settlement (PayPal: credited the moment it is captured).
 */
export type Settling =
  | { kind: 'batch'; batch: CreditBatch }
  | { kind: 'credit-later'; settleOn: Day }
  | { kind: 'journal-later'; settleOn: Day };

export function settleDay(settling: Settling): Day {
  return settling.kind === 'batch' ? settling.batch.settleOn : settling.settleOn;
}
