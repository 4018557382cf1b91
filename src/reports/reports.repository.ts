import { Day } from '../common/day';
import { Tx } from '../database/tx';
import { JOURNAL_COLUMNS } from '../payments/payment.repository';

/**
 * The journal as the books read it: the rows written and those that wait for
 * the next settlement (PayPal captures, credited already).
 */
const JOURNAL = `(SELECT ${JOURNAL_COLUMNS.join(', ')}, resolved_on FROM payment
  UNION ALL SELECT ${JOURNAL_COLUMNS.join(', ')}, resolved_on FROM pending_payment) journal`;

export type Figure =
  'received' | 'credited' | 'unmatched' | 'refunded' | 'kept' | 'reversed' | 'disputed';
export const FIGURES: Figure[] = [
  'received',
  'credited',
  'unmatched',
  'refunded',
  'kept',
  'reversed',
  'disputed',
];

/** Each figure: which rows, counted on which of their days. */
const FIGURE_SQL: Record<Figure, { day: string; where: string }> = {
  received: { day: 'booked_on', where: `kind = 'credit'` },
  credited: { day: 'settled_on', where: "status = 'credited'" },
  unmatched: { day: 'booked_on', where: `status = 'unmatched' AND kind = 'credit'` },
  refunded: {
    day: "CASE WHEN status = 'refunded' THEN resolved_on ELSE booked_on END",
    where: `((status = 'refunded' AND kind = 'credit') OR kind = 'refund')`,
  },
  kept: { day: 'resolved_on', where: `status = 'kept' AND kind = 'credit'` },
  reversed: { day: 'booked_on', where: `kind = 'reversal'` },
  disputed: { day: 'booked_on', where: `kind = 'dispute'` },
};

/** The SQL of the reports: figures of the journal and the ledger per day, VAT rows per month. */
export const ReportsRepository = {
  async paymentFigures(tx: Tx, from: Day, to: Day) {
    const parts = FIGURES.map(
      (figure) =>
        `SELECT '${figure}' AS figure, ${FIGURE_SQL[figure].day} AS day, channel, country, currency,
                COUNT(*) AS n, SUM(amount_minor) AS amount
           FROM ${JOURNAL}
          WHERE ${FIGURE_SQL[figure].where} AND ${FIGURE_SQL[figure].day} >= $1 AND ${FIGURE_SQL[figure].day} <= $2
          GROUP BY ${FIGURE_SQL[figure].day}, channel, country, currency`,
    );
    const rows = await tx.query<{
      figure: Figure;
      day: Day;
      channel: string;
      country: string | null;
      currency: string;
      n: number | string;
      amount: number | string;
    }>(parts.join('\nUNION ALL\n'), [from, to]);
    return rows.map((r) => ({
      figure: r.figure,
      day: r.day,
      channel: r.channel,
      country: r.country,
      currency: r.currency,
      count: Number(r.n),
      amountMinor: Number(r.amount),
    }));
  },

  async ledgerFigures(tx: Tx, from: Day, to: Day) {
    const rows = await tx.query<{
      day: Day;
      kind: string;
      channel: string;
      n: number | string;
      amount: number | string;
    }>(
      `SELECT booked_on AS day, kind, channel, COUNT(*) AS n, SUM(amount_minor) AS amount
         FROM ledger_entry WHERE booked_on >= $1 AND booked_on <= $2
        GROUP BY booked_on, kind, channel
       UNION ALL
       SELECT booked_on AS day, kind, channel, entries AS n, amount_minor AS amount
         FROM ledger_closed_total WHERE booked_on >= $1 AND booked_on <= $2
       UNION ALL
       SELECT booked_on AS day, 'credit' AS kind, channel, COUNT(*) AS n, SUM(amount_minor) AS amount
         FROM pending_credit WHERE booked_on >= $1 AND booked_on <= $2
        GROUP BY booked_on, channel`,
      [from, to],
    );
    return rows.map((r) => ({
      day: r.day,
      kind: r.kind,
      channel: r.channel,
      count: Number(r.n),
      amountMinor: Number(r.amount),
    }));
  },

  /** Credited payments per month, VAT country, payer's bank country and currency. */
  vatRows(tx: Tx, fromDay: Day, toDay: Day) {
    return tx.query<{
      month: string;
      country: string | null;
      payer_country: string | null;
      currency: string;
      n: number | string;
      amount: number | string;
    }>(
      `SELECT SUBSTR(settled_on, 1, 7) AS month, country, payer_country, currency,
              COUNT(*) AS n, SUM(amount_minor) AS amount
         FROM ${JOURNAL}
        WHERE status = 'credited' AND settled_on >= $1 AND settled_on <= $2
        GROUP BY SUBSTR(settled_on, 1, 7), country, payer_country, currency`,
      [fromDay, toDay],
    );
  },
};
