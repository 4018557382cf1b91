import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { StaffAccounts } from './staff-accounts.service';
import { StaffSecrets } from './staff-secrets';
import { StaffSessions } from './staff-sessions';
import { StaffAccountsController, StaffSessionController } from './staff.controller';

/** Staff accounts (argon2, TOTP) and their console sessions. */
@Module({
  imports: [AuditModule],
  controllers: [StaffSessionController, StaffAccountsController],
  providers: [StaffSecrets, StaffSessions, StaffAccounts],
  exports: [StaffSecrets, StaffSessions, StaffAccounts],
})
export class StaffModule {}
