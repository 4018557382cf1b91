import { Day } from '../common/day';
import { Tx } from '../database/tx';
import { FeeAccount, periodStart } from './fee-schedule';

interface AccountRow {
  anchor_on: Day;
  periods: number | string;
  suspended_on: Day | null;
}

const toAccount = (r: AccountRow): FeeAccount => ({
  anchorOn: r.anchor_on,
  periods: Number(r.periods),
  suspendedOn: r.suspended_on,
});

/** Each mailbox's fee schedule (fee_account) and the periods charged (fee_charge). */
export const FeeAccountRepository = {
  /** Opens the schedule of a new mailbox; its first period starts on `anchorOn`. */
  async open(tx: Tx, mailbox: string, anchorOn: Day): Promise<void> {
    await tx.execute(
      `INSERT INTO fee_account (mailbox, anchor_on, periods, next_due_on) VALUES ($1, $2, 0, $2)
       ON CONFLICT (mailbox) DO NOTHING`,
      [mailbox, anchorOn],
    );
  },

  async get(tx: Tx, mailbox: string, lock = false): Promise<FeeAccount | undefined> {
    const [row] = await tx.query<AccountRow>(
      `SELECT anchor_on, periods, suspended_on FROM fee_account WHERE mailbox = $1${lock ? tx.forUpdate : ''}`,
      [mailbox],
    );
    return row && toAccount(row);
  },

  /**
   * Moves the schedule from `before` to `after`; false if someone else moved it
   * first (compare and set: the caller's transaction must then not go on).
   */
  async move(tx: Tx, mailbox: string, before: FeeAccount, after: FeeAccount): Promise<boolean> {
    const changed = await tx.execute(
      `UPDATE fee_account SET anchor_on = $4, periods = $5, next_due_on = $6, suspended_on = $7
       WHERE mailbox = $1 AND anchor_on = $2 AND periods = $3`,
      [
        mailbox,
        before.anchorOn,
        before.periods,
        after.anchorOn,
        after.periods,
        periodStart(after, after.periods),
        after.suspendedOn,
      ],
    );
    return changed === 1;
  },

  /**
   * Records that the period starting `dueOn` is charged. The key (mailbox,
   * due_on) lets each period be charged once, whatever runs: false when it was.
   */
  async charge(tx: Tx, mailbox: string, dueOn: Day): Promise<boolean> {
    const rows = await tx.query(
      'INSERT INTO fee_charge (mailbox, due_on) VALUES ($1, $2) ON CONFLICT (mailbox, due_on) DO NOTHING RETURNING due_on',
      [mailbox, dueOn],
    );
    return rows.length === 1;
  },

  /** Mailboxes with a period due on or before `day` (charged, in grace or suspended), in pages. */
  async due(tx: Tx, day: Day, after: string, limit: number): Promise<string[]> {
    const rows = await tx.query<{ mailbox: string }>(
      'SELECT mailbox FROM fee_account WHERE next_due_on <= $1 AND mailbox > $2 ORDER BY mailbox LIMIT $3',
      [day, after, limit],
    );
    return rows.map((r) => r.mailbox);
  },

  async eraseMailbox(tx: Tx, mailbox: string): Promise<void> {
    await tx.execute('DELETE FROM fee_charge WHERE mailbox = $1', [mailbox]);
    await tx.execute('DELETE FROM fee_account WHERE mailbox = $1', [mailbox]);
  },
};
