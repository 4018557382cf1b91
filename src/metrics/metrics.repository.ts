import { Tx } from '../database/transactions';

export interface JournalTotal {
  channel: string;
  status: string;
  currency: string;
  count: number;
  amountMinor: number;
}

export interface DatabaseFigures {
  /** Journal rows (settled and waiting) per channel, status and currency. */
  journal: JournalTotal[];
  /** Unmatched payments waiting for staff, per channel and reason. */
  unmatched: { channel: string; reason: string; count: number }[];
  /** Credits and journal rows waiting for the next settlement. */
  pending: { credits: number; payments: number };
  /** Events not yet delivered to the webmail backend. */
  outbox: number;
}

/**
 * What the metrics read from the database at scrape time: counts and sums
 * grouped by closed sets (channel, status, reason, currency), never a row.
 */
export const MetricsRepository = {
  async figures(tx: Tx): Promise<DatabaseFigures> {
    const journal = new Map<string, JournalTotal>();
    for (const table of ['payment', 'pending_payment']) {
      const rows = await tx.query<{
        channel: string;
        status: string;
        currency: string;
        n: number | string;
        amount: number | string | null;
      }>(
        `SELECT channel, status, currency, COUNT(*) AS n, SUM(amount_minor) AS amount
           FROM ${table} GROUP BY channel, status, currency`,
      );
      for (const r of rows) {
        const key = `${r.channel}|${r.status}|${r.currency}`;
        const total = journal.get(key) ?? {
          channel: r.channel,
          status: r.status,
          currency: r.currency,
          count: 0,
          amountMinor: 0,
        };
        total.count += Number(r.n);
        total.amountMinor += Number(r.amount ?? 0);
        journal.set(key, total);
      }
    }
    const unmatched = await tx.query<{
      channel: string;
      reason: string | null;
      n: number | string;
    }>(
      `SELECT channel, reason, COUNT(*) AS n FROM payment WHERE status = 'unmatched'
        GROUP BY channel, reason`,
    );
    const [pending] = await tx.query<{ credits: number | string; payments: number | string }>(
      `SELECT (SELECT COUNT(*) FROM pending_credit) AS credits,
              (SELECT COUNT(*) FROM pending_payment) AS payments`,
    );
    const [outbox] = await tx.query<{ n: number | string }>(
      'SELECT COUNT(*) AS n FROM event_outbox',
    );
    return {
      journal: [...journal.values()],
      unmatched: unmatched.map((r) => ({
        channel: r.channel,
        reason: r.reason ?? 'none',
        count: Number(r.n),
      })),
      pending: { credits: Number(pending.credits), payments: Number(pending.payments) },
      outbox: Number(outbox.n),
    };
  },
};
