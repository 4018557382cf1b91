import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { MailboxNotFound } from '../ledger/ledger.errors';
import { KeyedHash } from '../config/keyed-hash';
import { formatMinor } from '../common/money';
import { Cursor, pageOf } from '../common/schemas';
import { TopupCodeRepository } from '../codes/topup-code.repository';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { Tx } from '../database/tx';
import { MailboxIdSeal } from '../ledger/mailbox-id.seal';
import { PayPalOrderRepository } from '../paypal/paypal-order.repository';
import { OutboxRepository } from '../ledger/outbox.repository';
import { FeeAccountRepository } from '../fees/fee-account.repository';
import { standingOf } from '../fees/standing';
import { PendingCreditRepository } from '../ledger/pending-credit.repository';
import { LedgerRepository } from '../ledger/ledger.repository';
import { MailboxRepository } from '../ledger/mailbox.repository';
import { LedgerView, MailboxView } from './mailboxes.schemas';

@Injectable()
export class MailboxesService {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(KeyedHash) private readonly hash: KeyedHash,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(MailboxIdSeal) private readonly seal: MailboxIdSeal,
  ) {}

  /**
   * Registers a mailbox; its fee periods are counted from this day (a day, not
   * a time: the registration day is all the schedule needs).
   */
  register(mailboxId: string): Promise<{ created: boolean; mailbox: MailboxView }> {
    const pseudonym = this.hash.mailbox(mailboxId);
    const today = this.clock.today();
    return this.transactions.run(async (tx) => {
      const created = await MailboxRepository.insert(tx, pseudonym);
      await FeeAccountRepository.open(tx, pseudonym, today);
      // Only when events are on is there a reason to keep the id, sealed.
      if (this.config.webhook)
        await MailboxRepository.seal(tx, pseudonym, this.seal.seal(mailboxId, pseudonym));
      return { created, mailbox: await this.view(tx, mailboxId, pseudonym) };
    });
  }

  get(mailboxId: string): Promise<MailboxView> {
    const pseudonym = this.hash.mailbox(mailboxId);
    return this.transactions.read(async (tx) => {
      if (!(await MailboxRepository.lock(tx, pseudonym))) throw new MailboxNotFound();
      return this.view(tx, mailboxId, pseudonym);
    });
  }

  ledger(mailboxId: string, limit: number, cursor?: string): Promise<LedgerView> {
    const pseudonym = this.hash.mailbox(mailboxId);
    return this.transactions.read(async (tx) => {
      if (!(await MailboxRepository.lock(tx, pseudonym))) throw new MailboxNotFound();
      const rows = await LedgerRepository.page(tx, pseudonym, limit + 1, Cursor.decode(cursor));
      const { page, nextCursor } = pageOf(rows, limit);
      return {
        entries: page.map((r) => ({
          kind: r.kind,
          channel: r.channel,
          amountMinor: r.amountMinor,
          currency: r.currency,
          date: r.bookedOn,
        })),
        nextCursor,
      };
    });
  }

  /** The whole ledger as CSV, newest first: the user's own copy of their data. */
  ledgerCsv(mailboxId: string): Promise<string> {
    const pseudonym = this.hash.mailbox(mailboxId);
    return this.transactions.read(async (tx) => {
      if (!(await MailboxRepository.lock(tx, pseudonym))) throw new MailboxNotFound();
      const rows = await LedgerRepository.all(tx, pseudonym);
      const lines = rows.map((r) =>
        [
          r.bookedOn,
          r.kind,
          r.channel,
          r.amountMinor,
          formatMinor(r.amountMinor, r.currency),
          r.currency,
        ].join(','),
      );
      return ['date,kind,channel,amount_minor,amount,currency', ...lines].join('\r\n') + '\r\n';
    });
  }

  /**
   * Closing erases everything the service holds about the mailbox: balance and
   * ledger, open codes and their pending PayPal orders, fee schedule and
   * charges, events not yet delivered, and the mailbox row with its sealed id.
   * The journal keeps its payments, which never pointed at the mailbox; the
   * ledger's sums per day stay behind, naming no one, so the books still balance.
   */
  close(mailboxId: string): Promise<void> {
    const pseudonym = this.hash.mailbox(mailboxId);
    return this.transactions.run(async (tx) => {
      if (!(await MailboxRepository.lock(tx, pseudonym))) throw new MailboxNotFound();
      await PayPalOrderRepository.eraseMailbox(tx, pseudonym);
      // Credits that wait for settlement were received: they join the closed totals.
      const pending = await PendingCreditRepository.drainMailbox(tx, pseudonym);
      await TopupCodeRepository.eraseMailbox(tx, pseudonym);
      await LedgerRepository.eraseMailbox(tx, pseudonym, pending);
      await FeeAccountRepository.eraseMailbox(tx, pseudonym);
      await OutboxRepository.eraseMailbox(tx, pseudonym);
      await MailboxRepository.delete(tx, pseudonym);
    });
  }

  private async view(tx: Tx, mailboxId: string, pseudonym: string): Promise<MailboxView> {
    const today = this.clock.today();
    const pending = await PendingCreditRepository.sumFor(tx, pseudonym);
    const standing = await standingOf(tx, pseudonym, today, {
      feeMinor: this.config.feeMinor,
      graceDays: this.config.graceDays,
    });
    return {
      mailboxId,
      balance: { amountMinor: standing.balanceMinor, currency: this.config.currency },
      pending: { amountMinor: pending, currency: this.config.currency },
      openCodes: await TopupCodeRepository.countOpen(tx, pseudonym, today),
      status: standing.status,
      paidUntil: standing.paidUntil,
    };
  }
}
