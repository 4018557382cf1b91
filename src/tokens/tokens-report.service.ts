import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { addDays, Day } from '../common/day';
import { ValidationFailed } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { ReserveRepository } from '../codes/reserve.repository';
import { TokenBooksRepository, TokenFlowRepository } from './token-books.repository';
import { TokensReport } from './tokens.schemas';

const MAX_DAYS = 366;

/**
 * The token flow's books, day by day: reserves credited (journal), tokens
 * issued and redeemed per denomination (counts), ledger credits by redemption,
 * reserves written off. Two checks: each day's ledger credits equal the value
 * redeemed; and everything ever credited to reserves equals what was issued,
 * written off, or is still held (the latter known only as of today).
 */
@Injectable()
export class TokensReportService {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async report(from: Day, to: Day): Promise<TokensReport> {
    if (to < from || addDays(from, MAX_DAYS - 1) < to)
      throw new ValidationFailed(
        `from must not be after to, and the range at most ${MAX_DAYS} days`,
      );
    const currency = this.config.currency;
    return this.transactions.read(async (tx) => {
      const credits = await TokenFlowRepository.reserveCredits(tx, from, to);
      const issued = await TokenBooksRepository.counts(tx, 'token_issued', from, to);
      const redeemed = await TokenBooksRepository.counts(tx, 'token_redeemed', from, to);
      const ledger = await TokenFlowRepository.ledgerCredits(tx, from, to);
      const offs = await TokenBooksRepository.writeOffs(tx, from, to);
      const days = [
        ...new Set([...credits, ...issued, ...redeemed, ...ledger, ...offs].map((r) => r.day)),
      ].sort();
      const lines = days.map((day) => {
        const credit = credits.find((c) => c.day === day);
        const ledgerLine = ledger.find((l) => l.day === day);
        const off = offs.find((o) => o.day === day && o.currency === currency);
        const redeemedOfDay = redeemed.filter((r) => r.day === day && r.currency === currency);
        const redeemedValue = redeemedOfDay.reduce((s, r) => s + r.tokens * r.denominationMinor, 0);
        return {
          day,
          reserveCredits: {
            payments: credit?.payments ?? 0,
            amountMinor: credit?.amountMinor ?? 0,
          },
          issued: issued
            .filter((r) => r.day === day && r.currency === currency)
            .map((r) => ({ denominationMinor: r.denominationMinor, tokens: r.tokens })),
          redeemed: redeemedOfDay.map((r) => ({
            denominationMinor: r.denominationMinor,
            tokens: r.tokens,
          })),
          ledgerCredits: {
            entries: ledgerLine?.entries ?? 0,
            amountMinor: ledgerLine?.amountMinor ?? 0,
          },
          writeOff: { reserves: off?.reserves ?? 0, amountMinor: off?.amountMinor ?? 0 },
          consistent: (ledgerLine?.amountMinor ?? 0) === redeemedValue,
        };
      });
      const creditedMinor = await TokenFlowRepository.reserveCreditsUpTo(tx, to);
      const issuedMinor = (await TokenBooksRepository.issuedValueUpTo(tx, to)).get(currency) ?? 0;
      const writtenOffMinor = await TokenFlowRepository.writtenOffUpTo(tx, to);
      const outstandingMinor = (await ReserveRepository.outstanding(tx)).get(currency) ?? 0;
      const asOfToday = to >= this.clock.today();
      const anonymitySets = await TokenBooksRepository.issuedPerKey(tx);
      return {
        from,
        to,
        currency,
        days: lines,
        anonymitySets,
        reserves: {
          creditedMinor,
          issuedMinor,
          writtenOffMinor,
          outstandingMinor,
          consistent:
            lines.every((l) => l.consistent) &&
            (!asOfToday || creditedMinor === issuedMinor + writtenOffMinor + outstandingMinor),
        },
      };
    });
  }
}
