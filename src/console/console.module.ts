import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CashModule } from '../cash/cash.module';
import { PaymentsModule } from '../payments/payments.module';
import { StaffModule } from '../staff/staff.module';
import { CashBatchDrafts } from './cash-batch-drafts.service';
import { ConsolePagesController } from './console-pages.controller';
import {
  AnonymitySetsController,
  AuditController,
  CashBatchDraftsController,
} from './console.controller';

/** The staff console: its pages, four-eyes batch drafts, the audit trail and anonymity sets for admins. */
@Module({
  imports: [AuditModule, StaffModule, CashModule, PaymentsModule],
  controllers: [
    CashBatchDraftsController,
    AuditController,
    AnonymitySetsController,
    ConsolePagesController,
  ],
  providers: [CashBatchDrafts],
})
export class ConsoleModule {}
