import { randomUUID } from 'node:crypto';
import { Day } from '../common/day';
import { Tx } from '../database/transactions';
import { Channel } from '../payments/received-payment';

export type LedgerKind = 'credit' | 'debit';

export interface LedgerRow {
  id: string;
  kind: LedgerKind;
  channel: string;
  amountMinor: number;
  currency: string;
  bookedOn: Day;
}

/**
 * The append-only ledger of one mailbox (by pseudonym). Balances are derived
 * from it; rows carry a day and a random id, never a time or a sequence.
 */
export const LedgerRepository = {
  async append(
    tx: Tx,
    entry: {
      mailbox: string;
      kind: LedgerKind;
      channel: Channel | 'fee' | 'opening';
      amountMinor: number;
      currency: string;
      bookedOn: Day;
    },
  ): Promise<void> {
    await tx.execute(
      'INSERT INTO ledger_entry (id, mailbox, kind, channel, amount_minor, currency, booked_on) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [
        randomUUID(),
        entry.mailbox,
        entry.kind,
        entry.channel,
        entry.amountMinor,
        entry.currency,
        entry.bookedOn,
      ],
    );
  },

  async balance(tx: Tx, mailbox: string): Promise<number> {
    const [row] = await tx.query<{ balance: number | string | null }>(
      "SELECT SUM(CASE WHEN kind = 'credit' THEN amount_minor ELSE -amount_minor END) AS balance FROM ledger_entry WHERE mailbox = $1",
      [mailbox],
    );
    return Number(row?.balance ?? 0);
  },

  /** Newest first: by day, then by the random id (which says nothing about order within a day). */
  async page(
    tx: Tx,
    mailbox: string,
    limit: number,
    after?: { bookedOn: Day; id: string },
  ): Promise<LedgerRow[]> {
    const rows = await tx.query<{
      id: string;
      kind: LedgerKind;
      channel: string;
      amount_minor: number | string;
      currency: string;
      booked_on: Day;
    }>(
      after
        ? 'SELECT id, kind, channel, amount_minor, currency, booked_on FROM ledger_entry WHERE mailbox = $1 AND (booked_on < $2 OR (booked_on = $2 AND id < $3)) ORDER BY booked_on DESC, id DESC LIMIT $4'
        : 'SELECT id, kind, channel, amount_minor, currency, booked_on FROM ledger_entry WHERE mailbox = $1 ORDER BY booked_on DESC, id DESC LIMIT $2',
      after ? [mailbox, after.bookedOn, after.id, limit] : [mailbox, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      channel: r.channel,
      amountMinor: Number(r.amount_minor),
      currency: r.currency,
      bookedOn: r.booked_on,
    }));
  },

  async eraseMailbox(tx: Tx, mailbox: string): Promise<void> {
    await tx.execute('DELETE FROM ledger_entry WHERE mailbox = $1', [mailbox]);
  },
};
