import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditTrail } from '../audit/audit-trail';
import { StaffAuditInterceptor } from '../audit/staff-audit.interceptor';
import { StaffAccounts } from '../staff/staff-accounts.service';
import { StaffAccountsController, StaffSessionController } from '../staff/staff.controller';
import { StaffSecrets } from '../staff/staff-secrets';
import { StaffSessions } from '../staff/staff-sessions';
import { CashBatchDrafts } from './cash-batch-drafts.service';
import { ConsolePagesController } from './console-pages.controller';
import {
  AnonymitySetsController,
  AuditController,
  CashBatchDraftsController,
} from './console.controller';

/** The staff console's part of AppModule: accounts, sessions, four eyes, the audit trail, the pages. */
export const CONSOLE_CONTROLLERS = [
  StaffSessionController,
  StaffAccountsController,
  CashBatchDraftsController,
  AuditController,
  AnonymitySetsController,
  ConsolePagesController,
];

export const CONSOLE_PROVIDERS = [
  StaffSecrets,
  StaffSessions,
  StaffAccounts,
  AuditTrail,
  CashBatchDrafts,
  { provide: APP_INTERCEPTOR, useClass: StaffAuditInterceptor },
];
