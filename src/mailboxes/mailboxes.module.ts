import { Module } from '@nestjs/common';
import { CodesModule } from '../codes/codes.module';
import { HttpModule } from '../http/http.module';
import { LedgerModule } from '../ledger/ledger.module';
import { MailboxesController } from './mailboxes.controller';
import { MailboxesService } from './mailboxes.service';
import { OpeningBalancesService } from './opening-balances.service';

/** What the webmail backend asks of a mailbox: register, codes, balance, close. */
@Module({
  imports: [CodesModule, LedgerModule, HttpModule],
  controllers: [MailboxesController],
  providers: [MailboxesService, OpeningBalancesService],
  exports: [OpeningBalancesService],
})
export class MailboxesModule {}
