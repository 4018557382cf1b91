import { Tx } from '../../database/tx';
import {
  fromJournalRow,
  JOURNAL_COLUMNS,
  journalValues,
  JournalRow,
  NewPayment,
} from '../payment.repository';
import { Channel } from '../../ledger/channel';

/**
 * Journal rows that wait for the next settlement: those of PayPal captures,
 * whose credits are written at once (a PayPal payment is credited the moment
 * it is captured). Same columns as the journal; the settlement moves them
 * there with the others of its batch, in random order, and erases the table.
 */
export const PendingPaymentRepository = {
  /** False when the channel's reference waits here already. */
  async insertOnce(tx: Tx, p: NewPayment): Promise<boolean> {
    const rows = await tx.query(
      `INSERT INTO pending_payment (${JOURNAL_COLUMNS.join(', ')})
       VALUES (${JOURNAL_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (channel, external_ref) DO NOTHING RETURNING id`,
      journalValues(p),
    );
    return rows.length === 1;
  },

  async findByRef(
    tx: Tx,
    channel: Channel,
    externalRef: string,
  ): Promise<{ id: string; status: string; reason: string | null } | undefined> {
    const [row] = await tx.query<{ id: string; status: string; reason: string | null }>(
      'SELECT id, status, reason FROM pending_payment WHERE channel = $1 AND external_ref = $2',
      [channel, externalRef],
    );
    return row;
  },

  /** Empties the table once its rows are written (see PendingCreditRepository.clear). */
  async clear(tx: Tx): Promise<void> {
    await tx.execute(
      tx.dialect === 'postgres' ? 'TRUNCATE pending_payment' : 'DELETE FROM pending_payment',
    );
  },

  /** Per settled day and channel, the credited rows that wait: for the reconciliation. */
  async creditedTotals(
    tx: Tx,
    from: string,
    to: string,
  ): Promise<{ day: string; channel: Channel; count: number; amountMinor: number }[]> {
    const rows = await tx.query<{
      day: string;
      channel: Channel;
      n: number | string;
      amount: number | string;
    }>(
      `SELECT settled_on AS day, channel, COUNT(*) AS n, SUM(amount_minor) AS amount FROM pending_payment
        WHERE status = 'credited' AND settled_on >= $1 AND settled_on <= $2 GROUP BY settled_on, channel`,
      [from, to],
    );
    return rows.map((r) => ({
      day: r.day,
      channel: r.channel,
      count: Number(r.n),
      amountMinor: Number(r.amount),
    }));
  },

  async all(tx: Tx): Promise<NewPayment[]> {
    const rows = await tx.query<JournalRow>(
      `SELECT ${JOURNAL_COLUMNS.join(', ')} FROM pending_payment`,
    );
    return rows.map(fromJournalRow);
  },
};
