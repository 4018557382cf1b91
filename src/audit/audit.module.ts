import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditTrail } from './audit-trail';
import { StaffAuditInterceptor } from './staff-audit.interceptor';

/** The tamper-evident trail of what staff did, and the interceptor that writes it for API routes. */
@Module({
  providers: [AuditTrail, { provide: APP_INTERCEPTOR, useClass: StaffAuditInterceptor }],
  exports: [AuditTrail],
})
export class AuditModule {}
