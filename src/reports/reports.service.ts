import { Inject, Injectable } from '@nestjs/common';
import { addDays, Day } from '../common/day';
import { ValidationFailed } from '../common/domain-error';
import { formatMinor } from '../common/money';
import { AppConfig } from '../config/app-config';
import { Transactions, Tx } from '../database/transactions';
import { JOURNAL_COLUMNS } from '../payments/payment.repository';
import { CHANNELS } from '../payments/received-payment';
import { AnonymityGroupRepository } from '../payments/settlement/anonymity-group.repository';
import { PendingCreditRepository } from '../payments/settlement/pending-credit.repository';
import { PendingPaymentRepository } from '../payments/settlement/pending-payment.repository';
import { Reconciliation, Tally } from './reports.schemas';
import { WriteOffRepository } from './write-off.repository';

/**
 * The journal as the books read it: the rows written and those that wait for
 * the next settlement (PayPal captures, credited already).
 */
const JOURNAL = `(SELECT ${JOURNAL_COLUMNS.join(', ')}, resolved_on FROM payment
  UNION ALL SELECT ${JOURNAL_COLUMNS.join(', ')}, resolved_on FROM pending_payment) journal`;

/** The longest range one report covers. */
export const MAX_REPORT_DAYS = 366;

/**
 * What a journal row is, read from what it keeps for good: PayPal's refunds,
 * reversals and disputes (and a card's, through PayPal) by their reference prefix, a bank reversal by the
 * direction in its booking reference or, while unmatched, by its reason.
 */
const KIND = `CASE
    WHEN channel IN ('paypal', 'card') AND external_ref LIKE 'refund:%' THEN 'refund'
    WHEN channel IN ('paypal', 'card') AND external_ref LIKE 'reversal:%' THEN 'reversal'
    WHEN channel IN ('paypal', 'card') AND external_ref LIKE 'dispute:%' THEN 'dispute'
    WHEN channel = 'bank' AND (external_ref LIKE '%/RCRDT/%' OR external_ref LIKE '%/RDBIT/%') THEN 'reversal'
    WHEN reason = 'reversal' THEN 'reversal'
    ELSE 'payment'
  END`;

type Figure = 'received' | 'credited' | 'unmatched' | 'refunded' | 'kept' | 'reversed' | 'disputed';
const FIGURES: Figure[] = [
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
  received: { day: 'booked_on', where: `${KIND} = 'payment'` },
  credited: { day: 'settled_on', where: "status = 'credited'" },
  unmatched: { day: 'booked_on', where: `status = 'unmatched' AND ${KIND} = 'payment'` },
  refunded: {
    day: "CASE WHEN status = 'refunded' THEN resolved_on ELSE booked_on END",
    where: `((status = 'refunded' AND ${KIND} = 'payment') OR ${KIND} = 'refund')`,
  },
  kept: { day: 'resolved_on', where: `status = 'kept' AND ${KIND} = 'payment'` },
  reversed: { day: 'booked_on', where: `${KIND} = 'reversal'` },
  disputed: { day: 'booked_on', where: `${KIND} = 'dispute'` },
};

const zero = (): Tally => ({ count: 0, amountMinor: 0 });
const add = (t: Tally, count: number, amountMinor: number) => {
  t.count += count;
  t.amountMinor += amountMinor;
};
const same = (a: Tally, b: Tally) => a.count === b.count && a.amountMinor === b.amountMinor;

type PaymentLine = Reconciliation['days'][number]['payments'][number];
type DayReport = Reconciliation['days'][number];

/**
 * Reports for the books: the reconciliation of the payment journal with the
 * ledger, which must agree day by day and channel by channel without any row
 * pointing from one to the other, and the VAT figures per country and month.
 */
@Injectable()
export class ReportsService {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  reconciliation(from: Day, to: Day): Promise<Reconciliation> {
    checkRange(from, to);
    return this.transactions.run(async (tx) => {
      const days = new Map<Day, DayReport>();
      const dayOf = (date: Day): DayReport => {
        let report = days.get(date);
        if (!report) {
          report = {
            date,
            consistent: true,
            payments: [],
            ledger: [],
            writeOffs: [],
            feeDebits: zero(),
            checks: [],
            pending: { credits: zero(), payments: zero() },
            anonymitySet: { credits: 0, groups: 0, minimum: 0, median: 0, alone: 0 },
          };
          days.set(date, report);
        }
        return report;
      };

      for (const row of await this.paymentFigures(tx, from, to)) {
        const report = dayOf(row.day);
        let line = report.payments.find(
          (p) =>
            p.channel === row.channel && p.country === row.country && p.currency === row.currency,
        );
        if (!line) {
          line = {
            channel: row.channel,
            country: row.country,
            currency: row.currency,
            ...(Object.fromEntries(FIGURES.map((f) => [f, zero()])) as Record<Figure, Tally>),
          };
          report.payments.push(line);
        }
        add(line[row.figure], row.count, row.amountMinor);
      }

      for (const row of await this.ledgerFigures(tx, from, to)) {
        const report = dayOf(row.day);
        if (row.kind === 'debit') {
          if (row.channel === 'fee') add(report.feeDebits, row.count, row.amountMinor);
          continue;
        }
        let line = report.ledger.find((l) => l.channel === row.channel);
        if (!line) report.ledger.push((line = { channel: row.channel, credits: zero() }));
        add(line.credits, row.count, row.amountMinor);
      }

      for (const writeOff of await WriteOffRepository.between(tx, from, to)) {
        const report = dayOf(writeOff.day);
        let line = report.writeOffs.find((w) => w.channel === writeOff.channel);
        if (!line) {
          line = {
            channel: writeOff.channel,
            refunded: zero(),
            reversed: zero(),
            disputed: zero(),
            lost: zero(),
          };
          report.writeOffs.push(line);
        }
        const figure = { refund: 'refunded', reversal: 'reversed', dispute: 'disputed' } as const;
        add(line[figure[writeOff.kind]], 1, writeOff.amountMinor);
        if (writeOff.kind !== 'dispute') add(line.lost, 1, writeOff.amountMinor);
      }

      for (const row of await PendingCreditRepository.totals(tx, from, to))
        add(dayOf(row.day).pending.credits, row.count, row.amountMinor);
      for (const row of await PendingPaymentRepository.creditedTotals(tx, from, to))
        add(dayOf(row.day).pending.payments, row.count, row.amountMinor);
      for (const [date, groups] of await AnonymityGroupRepository.sizes(tx, from, to))
        dayOf(date).anonymitySet = anonymity(groups);

      let consistent = true;
      for (const report of days.values()) {
        for (const channel of CHANNELS) {
          const creditedPayments = zero();
          for (const p of report.payments.filter((p) => p.channel === channel))
            add(creditedPayments, p.credited.count, p.credited.amountMinor);
          const ledgerCredits = report.ledger.find((l) => l.channel === channel)?.credits ?? zero();
          if (creditedPayments.count === 0 && ledgerCredits.count === 0) continue;
          const ok = same(creditedPayments, ledgerCredits);
          report.checks.push({ channel, creditedPayments, ledgerCredits, consistent: ok });
          report.consistent &&= ok;
        }
        consistent &&= report.consistent;
        report.payments.sort(
          byKey((p: PaymentLine) => `${p.channel}|${p.country ?? ''}|${p.currency}`),
        );
        report.ledger.sort(byKey((l) => l.channel));
        report.writeOffs.sort(byKey((w) => w.channel));
      }
      return {
        from,
        to,
        currency: this.config.currency,
        consistent,
        days: [...days.values()].sort(byKey((d) => d.date)),
      };
    });
  }

  /**
   * Credited payments per month and VAT country (the country evidence that came
   * with the code), with how often the payer's bank country, the second piece of
   * evidence, agrees: the input of an EU OSS return. By the day credited.
   */
  vatCsv(fromMonth: string, toMonth: string): Promise<string> {
    if (fromMonth > toMonth)
      throw new ValidationFailed('from must not be after to', [
        { path: 'from', message: 'after to' },
      ]);
    return this.transactions.run(async (tx) => {
      const rows = await tx.query<{
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
        [`${fromMonth}-01`, `${toMonth}-31`],
      );
      const lines = new Map<
        string,
        {
          month: string;
          country: string;
          currency: string;
          payments: number;
          gross: number;
          agrees: number;
          differs: number;
          unknown: number;
        }
      >();
      for (const r of rows) {
        const country = r.country ?? '';
        const key = `${r.month}|${country}|${r.currency}`;
        let line = lines.get(key);
        if (!line) {
          line = {
            month: r.month,
            country,
            currency: r.currency,
            payments: 0,
            gross: 0,
            agrees: 0,
            differs: 0,
            unknown: 0,
          };
          lines.set(key, line);
        }
        const n = Number(r.n);
        line.payments += n;
        line.gross += Number(r.amount);
        if (r.payer_country === null || r.country === null) line.unknown += n;
        else if (r.payer_country === r.country) line.agrees += n;
        else line.differs += n;
      }
      const header =
        'month,country,currency,payments,gross_minor,gross,payer_country_agrees,payer_country_differs,payer_country_unknown';
      const body = [...lines.values()]
        // Countries in order; the lines without country evidence last.
        .sort(byKey((l) => `${l.month}|${l.country || '~'}|${l.currency}`))
        .map((l) =>
          [
            l.month,
            l.country,
            l.currency,
            l.payments,
            l.gross,
            formatMinor(l.gross, l.currency),
            l.agrees,
            l.differs,
            l.unknown,
          ].join(','),
        );
      return [header, ...body].join('\r\n') + '\r\n';
    });
  }

  private async paymentFigures(tx: Tx, from: Day, to: Day) {
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
  }

  private async ledgerFigures(tx: Tx, from: Day, to: Day) {
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
  }
}

function anonymity(sizes: number[]): DayReport['anonymitySet'] {
  const sorted = [...sizes].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return {
    credits: sorted.reduce((sum, n) => sum + n, 0),
    groups: sorted.length,
    minimum: sorted[0] ?? 0,
    median:
      sorted.length === 0
        ? 0
        : sorted.length % 2 === 1
          ? sorted[middle]
          : (sorted[middle - 1] + sorted[middle]) / 2,
    alone: sorted.filter((n) => n === 1).length,
  };
}

function checkRange(from: Day, to: Day): void {
  if (from > to)
    throw new ValidationFailed('from must not be after to', [
      { path: 'from', message: 'after to' },
    ]);
  if (addDays(from, MAX_REPORT_DAYS - 1) < to)
    throw new ValidationFailed(`a report covers at most ${MAX_REPORT_DAYS} days`, [
      { path: 'to', message: `more than ${MAX_REPORT_DAYS} days after from` },
    ]);
}

function byKey<T>(key: (item: T) => string) {
  return (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}
