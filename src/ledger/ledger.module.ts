import { Module } from '@nestjs/common';
import { MailboxIdSeal } from './mailbox-id.seal';

/**
 * The mailbox side of the books: mailboxes, their ledger, credits waiting for
 * settlement and the event outbox (repositories on a Tx), and the seal of
 * mailbox ids that events carry.
 */
@Module({ providers: [MailboxIdSeal], exports: [MailboxIdSeal] })
export class LedgerModule {}
