import { Inject, Injectable } from '@nestjs/common';
import { addDays, Day } from '../common/day';
import { ValidationFailed } from '../common/domain-error';
import { formatMinor } from '../common/money';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { CHANNELS } from '../ledger/channel';
import { AnonymityGroupRepository } from '../payments/settlement/anonymity-group.repository';
import { PendingCreditRepository } from '../ledger/pending-credit.repository';
import { PendingPaymentRepository } from '../payments/settlement/pending-payment.repository';
import { Figure, FIGURES, ReportsRepository } from './reports.repository';
import { Reconciliation, Tally } from './reports.schemas';
import { WriteOffRepository } from './write-off.repository';

/** The longest range one report covers. */
export const MAX_REPORT_DAYS = 366;

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
    return this.transactions.read(async (tx) => {
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

      for (const row of await ReportsRepository.paymentFigures(tx, from, to)) {
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

      for (const row of await ReportsRepository.ledgerFigures(tx, from, to)) {
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
    checkOrder(fromMonth, toMonth);
    return this.transactions.read(async (tx) => {
      const rows = await ReportsRepository.vatRows(tx, `${fromMonth}-01`, `${toMonth}-31`);
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

/** Days or months, as ISO strings: `from` may not come after `to`. */
function checkOrder(from: string, to: string): void {
  if (from > to)
    throw new ValidationFailed('from must not be after to', [
      { path: 'from', message: 'after to' },
    ]);
}

function checkRange(from: Day, to: Day): void {
  checkOrder(from, to);
  if (addDays(from, MAX_REPORT_DAYS - 1) < to)
    throw new ValidationFailed(`a report covers at most ${MAX_REPORT_DAYS} days`, [
      { path: 'to', message: `more than ${MAX_REPORT_DAYS} days after from` },
    ]);
}

function byKey<T>(key: (item: T) => string) {
  return (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}
