import { randomUUID } from 'node:crypto';
import { Day } from '../common/day';
import { Tx } from '../database/tx';
import { Channel } from './channel';
import { CreditLine } from './credit-line';

/**
 * Credits that wait for the next settlement (cash letters, staff resolutions:
 * their journal rows are written at once). A row names the mailbox and holds
 * the code it was paid with reserved (one row per code) until the settlement
 * writes the credit and deletes the code. The table only ever holds one
 * interval's credits; the settlement erases it whole.
 */
export const PendingCreditRepository = {
  async insert(tx: Tx, credit: CreditLine & { codeHash: string }): Promise<void> {
    await tx.execute(
      `INSERT INTO pending_credit (id, code_hash, mailbox, channel, amount_minor, currency, booked_on)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        randomUUID(),
        credit.codeHash,
        credit.mailbox,
        credit.channel,
        credit.amountMinor,
        credit.currency,
        credit.bookedOn,
      ],
    );
  },

  /** True when a pending credit holds this code. */
  async holds(tx: Tx, codeHash: string): Promise<boolean> {
    return (
      (await tx.query('SELECT 1 AS held FROM pending_credit WHERE code_hash = $1', [codeHash]))
        .length > 0
    );
  },

  async sumFor(tx: Tx, mailbox: string): Promise<number> {
    const [row] = await tx.query<{ total: number | string | null }>(
      'SELECT SUM(amount_minor) AS total FROM pending_credit WHERE mailbox = $1',
      [mailbox],
    );
    return Number(row?.total ?? 0);
  },

  async all(tx: Tx): Promise<(CreditLine & { codeHash: string })[]> {
    const rows = await tx.query<{
      code_hash: string;
      mailbox: string;
      channel: Channel;
      amount_minor: number | string;
      currency: string;
      booked_on: Day;
    }>('SELECT code_hash, mailbox, channel, amount_minor, currency, booked_on FROM pending_credit');
    return rows.map((r) => ({
      codeHash: r.code_hash,
      mailbox: r.mailbox,
      channel: r.channel,
      amountMinor: Number(r.amount_minor),
      currency: r.currency,
      bookedOn: r.booked_on,
    }));
  },

  /**
   * Empties the table once its rows are written: on PostgreSQL by TRUNCATE,
   * which gives the table new files, so the rows' bytes leave the data
   * directory (a plain DELETE and VACUUM leave them in free space); on SQLite
   * secure_delete zeroes them.
   */
  async clear(tx: Tx): Promise<void> {
    await tx.execute(
      tx.dialect === 'postgres' ? 'TRUNCATE pending_credit' : 'DELETE FROM pending_credit',
    );
  },

  /** Per day and channel, what waits: for the reconciliation. */
  async totals(
    tx: Tx,
    from: Day,
    to: Day,
  ): Promise<{ day: Day; channel: Channel; count: number; amountMinor: number }[]> {
    const rows = await tx.query<{
      day: Day;
      channel: Channel;
      n: number | string;
      amount: number | string;
    }>(
      `SELECT booked_on AS day, channel, COUNT(*) AS n, SUM(amount_minor) AS amount FROM pending_credit
        WHERE booked_on >= $1 AND booked_on <= $2 GROUP BY booked_on, channel`,
      [from, to],
    );
    return rows.map((r) => ({
      day: r.day,
      channel: r.channel,
      count: Number(r.n),
      amountMinor: Number(r.amount),
    }));
  },

  /** A closed mailbox's pending credits: removed here, returned for the closed totals. */
  async drainMailbox(tx: Tx, mailbox: string): Promise<(CreditLine & { codeHash: string })[]> {
    const rows = await tx.query<{
      code_hash: string;
      channel: Channel;
      amount_minor: number | string;
      currency: string;
      booked_on: Day;
    }>(
      'DELETE FROM pending_credit WHERE mailbox = $1 RETURNING code_hash, channel, amount_minor, currency, booked_on',
      [mailbox],
    );
    return rows.map((r) => ({
      codeHash: r.code_hash,
      mailbox,
      channel: r.channel,
      amountMinor: Number(r.amount_minor),
      currency: r.currency,
      bookedOn: r.booked_on,
    }));
  },
};
