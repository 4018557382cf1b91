import { DynamicModule, Module, Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { AbuseModule } from './abuse/abuse.module';
import { AuthFailureLimitGuard } from './abuse/auth-failure-limit.guard';
import { IssuanceLimitGuard } from './abuse/issuance-limit.guard';
import { ApiKeyGuard } from './auth/api-key.guard';
import { BankModule } from './bank/bank.module';
import { CashModule } from './cash/cash.module';
import { AuditModule } from './audit/audit.module';
import { CodesModule } from './codes/codes.module';
import { ConsoleModule } from './console/console.module';
import { AppConfig } from './config/app-config';
import { CoreModule } from './config/core.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { FeesModule } from './fees/fees.module';
import { HealthModule } from './health/health.module';
import { HttpModule } from './http/http.module';
import { ProblemFilter } from './http/problem.filter';
import { createValidationPipe } from './http/validation.pipe';
import { LedgerModule } from './ledger/ledger.module';
import { MailboxesModule } from './mailboxes/mailboxes.module';
import { MetricsModule } from './metrics/metrics.module';
import { PaymentsModule } from './payments/payments.module';
import { UnmatchedModule } from './payments/unmatched.module';
import { PayPalModule } from './paypal/paypal.module';
import { ReportsModule } from './reports/reports.module';
import { RetentionModule } from './retention/retention.module';
import { StaffModule } from './staff/staff.module';
import { TokensModule } from './tokens/tokens.module';

export interface AppOptions {
  config: AppConfig;
  logger: Logger;
  /** Off in tests that drive the jobs themselves. */
  schedule?: boolean;
  /** Core providers that replace the defaults (a test clock). */
  overrides?: Provider[];
}

/** The whole service: one module per room (README, "Architecture"). */
@Module({})
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    const schedule = options.schedule !== false;
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot({
          config: options.config,
          logger: options.logger,
          overrides: options.overrides,
          schedule,
        }),
        DatabaseModule,
        MetricsModule,
        ...(schedule ? [ScheduleModule.forRoot()] : []),
        AbuseModule,
        HttpModule,
        LedgerModule,
        CodesModule,
        PaymentsModule,
        UnmatchedModule,
        FeesModule,
        EventsModule,
        CashModule,
        BankModule,
        PayPalModule,
        MailboxesModule,
        ReportsModule,
        RetentionModule,
        HealthModule,
        AuditModule,
        StaffModule,
        ConsoleModule,
        TokensModule,
      ],
      providers: [
        // Guards run in this order: failed keys are limited before ApiKeyGuard
        // answers them; issuance is limited after it, for authenticated calls only.
        { provide: APP_GUARD, useClass: AuthFailureLimitGuard },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: IssuanceLimitGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
