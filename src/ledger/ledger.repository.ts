import { randomUUID } from 'node:crypto';
import { Day } from '../common/day';
import { Tx } from '../database/tx';
import { Channel } from './channel';
import { insertRows } from '../database/rows';

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
      channel: Channel | 'fee' | 'opening' | 'token';
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

  /**
   * Appends entries with one multi-row statement per chunk, in the order given:
   * a settlement passes them in a random order of its own.
   */
  async appendMany(
    tx: Tx,
    entries: readonly {
      mailbox: string;
      kind: LedgerKind;
      channel: Channel;
      amountMinor: number;
      currency: string;
      bookedOn: Day;
    }[],
  ): Promise<void> {
    await insertRows(
      tx,
      'ledger_entry',
      ['id', 'mailbox', 'kind', 'channel', 'amount_minor', 'currency', 'booked_on'],
      entries,
      (e) => [randomUUID(), e.mailbox, e.kind, e.channel, e.amountMinor, e.currency, e.bookedOn],
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

  /** The whole ledger, newest first (the user's export). */
  async all(tx: Tx, mailbox: string): Promise<LedgerRow[]> {
    return this.page(tx, mailbox, Number.MAX_SAFE_INTEGER);
  },

  /**
   * Erases a closed mailbox's ledger. Its entries, and the credits it had
   * waiting for settlement, are first added to per-day totals that name no
   * mailbox, so that credited payments still meet their credits in the
   * reconciliation after the mailbox is gone.
   */
  async eraseMailbox(
    tx: Tx,
    mailbox: string,
    pending: readonly { channel: string; amountMinor: number; bookedOn: Day }[] = [],
  ): Promise<void> {
    for (const credit of pending) {
      await tx.execute(
        `INSERT INTO ledger_closed_total (booked_on, kind, channel, entries, amount_minor)
         VALUES ($1, 'credit', $2, 1, $3)
         ON CONFLICT (booked_on, kind, channel) DO UPDATE
           SET entries = ledger_closed_total.entries + 1,
               amount_minor = ledger_closed_total.amount_minor + excluded.amount_minor`,
        [credit.bookedOn, credit.channel, credit.amountMinor],
      );
    }
    await tx.execute(
      `INSERT INTO ledger_closed_total (booked_on, kind, channel, entries, amount_minor)
       SELECT booked_on, kind, channel, COUNT(*), SUM(amount_minor) FROM ledger_entry
        WHERE mailbox = $1 GROUP BY booked_on, kind, channel
       ON CONFLICT (booked_on, kind, channel) DO UPDATE
         SET entries = ledger_closed_total.entries + excluded.entries,
             amount_minor = ledger_closed_total.amount_minor + excluded.amount_minor`,
      [mailbox],
    );
    await tx.execute('DELETE FROM ledger_entry WHERE mailbox = $1', [mailbox]);
  },

  purgeClosedTotalsBefore(tx: Tx, keepFrom: Day): Promise<number> {
    return tx.execute('DELETE FROM ledger_closed_total WHERE booked_on < $1', [keepFrom]);
  },

  async hasOpening(tx: Tx, mailbox: string): Promise<boolean> {
    const rows = await tx.query(
      "SELECT id FROM ledger_entry WHERE mailbox = $1 AND channel = 'opening'",
      [mailbox],
    );
    return rows.length > 0;
  },
};
