import { Module } from '@nestjs/common';
import { HttpModule } from '../http/http.module';
import { PaymentsModule } from '../payments/payments.module';
import { BankImportService } from './bank-import.service';
import { BankInboxJob } from './bank-inbox.job';
import { BankStatementsController } from './bank-statements.controller';
import { BankUploadsService } from './bank-uploads.service';
import { ImportThread } from './import-thread';

/** Bank statements: uploads, the scheduled inbox, and the import both use. */
@Module({
  imports: [PaymentsModule, HttpModule],
  controllers: [BankStatementsController],
  providers: [BankImportService, ImportThread, BankUploadsService, BankInboxJob],
  exports: [BankImportService, BankInboxJob],
})
export class BankModule {}
