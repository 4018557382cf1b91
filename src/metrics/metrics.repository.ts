import { Day } from '../common/day';
import { Tx } from '../database/tx';

export interface ChannelTotal {
  channel: string;
  count: number;
  amountMinor: number;
}

export interface DatabaseFigures {
  /** Credits of the day per channel: written in groups, or waiting for the settlement. */
  creditedToday: ChannelTotal[];
  /** Unmatched payments waiting for staff, per channel, reason and currency. */
  unmatched: (ChannelTotal & { reason: string; currency: string })[];
  /** Credits and journal rows waiting for the next settlement. */
  pending: { credits: number; payments: number };
  /** Events not yet delivered to the webmail backend. */
  outbox: number;
}

type Totals = { channel: string; n: number | string; amount: number | string | null };

/**
 * What the metrics read at scrape time: counts and sums by closed sets
 * (channel, reason, currency), never a row, and only through reads an index
 * bounds (a day's anonymity groups, the unmatched partial index) or tables
 * that hold one interval (pending, outbox). The whole journal is never read:
 * grouping a million rows held SQLite's one connection for about two seconds.
 */
export const MetricsRepository = {
  async figures(tx: Tx, today: Day): Promise<DatabaseFigures> {
    const credited = new Map<string, ChannelTotal>();
    const add = (rows: Totals[]) => {
      for (const r of rows) {
        const total = credited.get(r.channel) ?? { channel: r.channel, count: 0, amountMinor: 0 };
        total.count += Number(r.n);
        total.amountMinor += Number(r.amount ?? 0);
        credited.set(r.channel, total);
      }
    };
    add(
      await tx.query<Totals>(
        `SELECT channel, SUM(credits) AS n, SUM(credits * amount_minor) AS amount
           FROM anonymity_group WHERE booked_on = $1 GROUP BY channel`,
        [today],
      ),
    );
    add(
      await tx.query<Totals>(
        `SELECT channel, COUNT(*) AS n, SUM(amount_minor) AS amount
           FROM pending_credit WHERE booked_on = $1 GROUP BY channel`,
        [today],
      ),
    );
    add(
      await tx.query<Totals>(
        `SELECT channel, COUNT(*) AS n, SUM(amount_minor) AS amount FROM pending_payment
          WHERE status = 'credited' AND settled_on = $1 GROUP BY channel`,
        [today],
      ),
    );
    const unmatched = await tx.query<Totals & { reason: string | null; currency: string }>(
      `SELECT channel, reason, currency, COUNT(*) AS n, SUM(amount_minor) AS amount
         FROM payment WHERE status = 'unmatched' GROUP BY channel, reason, currency`,
    );
    const [pending] = await tx.query<{ credits: number | string; payments: number | string }>(
      `SELECT (SELECT COUNT(*) FROM pending_credit) AS credits,
              (SELECT COUNT(*) FROM pending_payment) AS payments`,
    );
    const [outbox] = await tx.query<{ n: number | string }>(
      'SELECT COUNT(*) AS n FROM event_outbox',
    );
    return {
      creditedToday: [...credited.values()],
      unmatched: unmatched.map((r) => ({
        channel: r.channel,
        reason: r.reason ?? 'none',
        currency: r.currency,
        count: Number(r.n),
        amountMinor: Number(r.amount ?? 0),
      })),
      pending: { credits: Number(pending.credits), payments: Number(pending.payments) },
      outbox: Number(outbox.n),
    };
  },
};
