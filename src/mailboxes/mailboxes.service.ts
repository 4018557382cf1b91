import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { addDays, addMonths } from '../common/day';
import { NotFound } from '../common/domain-error';
import { KeyedHash } from '../common/keyed-hash';
import { Cursor, pageOf } from '../common/schemas';
import { TopupCodeRepository } from '../codes/topup-code.repository';
import { AppConfig } from '../config/app-config';
import { Transactions, Tx } from '../database/transactions';
import { LedgerRepository } from './ledger.repository';
import { MailboxRepository } from './mailbox.repository';
import { LedgerView, MailboxView } from './mailboxes.schemas';

export class MailboxNotFound extends NotFound {
  constructor() {
    super('No mailbox with this id is registered.');
  }
}

@Injectable()
export class MailboxesService {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(KeyedHash) private readonly hash: KeyedHash,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  register(mailboxId: string): Promise<{ created: boolean; mailbox: MailboxView }> {
    const pseudonym = this.hash.mailbox(mailboxId);
    return this.transactions.run(async (tx) => {
      const created = await MailboxRepository.insert(tx, pseudonym);
      return { created, mailbox: await this.view(tx, mailboxId, pseudonym) };
    });
  }

  get(mailboxId: string): Promise<MailboxView> {
    const pseudonym = this.hash.mailbox(mailboxId);
    return this.transactions.run(async (tx) => {
      if (!(await MailboxRepository.lock(tx, pseudonym))) throw new MailboxNotFound();
      return this.view(tx, mailboxId, pseudonym);
    });
  }

  ledger(mailboxId: string, limit: number, cursor?: string): Promise<LedgerView> {
    const pseudonym = this.hash.mailbox(mailboxId);
    return this.transactions.run(async (tx) => {
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

  /** Closing erases the mailbox's balance, ledger and open codes; the journal keeps its payments, unlinked. */
  close(mailboxId: string): Promise<void> {
    const pseudonym = this.hash.mailbox(mailboxId);
    return this.transactions.run(async (tx) => {
      if (!(await MailboxRepository.lock(tx, pseudonym))) throw new MailboxNotFound();
      await TopupCodeRepository.eraseMailbox(tx, pseudonym);
      await LedgerRepository.eraseMailbox(tx, pseudonym);
      await MailboxRepository.delete(tx, pseudonym);
      tx.scrubAfterCommit();
    });
  }

  private async view(tx: Tx, mailboxId: string, pseudonym: string): Promise<MailboxView> {
    const today = this.clock.today();
    const balance = await LedgerRepository.balance(tx, pseudonym);
    const months = Math.max(0, Math.floor(balance / this.config.feeMinor));
    return {
      mailboxId,
      balance: { amountMinor: balance, currency: this.config.currency },
      openCodes: await TopupCodeRepository.countOpen(tx, pseudonym, today),
      status: 'active',
      paidUntil: addDays(addMonths(today, months), months > 0 ? -1 : 0),
    };
  }
}
