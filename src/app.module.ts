import { DynamicModule, Module, Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { AuthFailureLimitGuard } from './abuse/auth-failure-limit.guard';
import { IssuanceLimitGuard } from './abuse/issuance-limit.guard';
import { ApiKeyGuard } from './auth/api-key.guard';
import { BankImportService } from './bank/bank-import.service';
import { BankInboxJob } from './bank/bank-inbox.job';
import { SCHEDULE_ENABLED } from './common/schedule';
import { JobLock } from './database/job-lock';
import { BankStatementsController } from './bank/bank-statements.controller';
import { CashController } from './cash/cash.controller';
import { CashService } from './cash/cash.service';
import { Clock } from './common/clock';
import { Idempotency } from './common/idempotency';
import { KeyedHash } from './common/keyed-hash';
import { LOGGER } from './common/logger';
import { PaymentDayWindow } from './common/payment-day';
import { ProblemFilter } from './common/problem.filter';
import { createValidationPipe } from './common/validation.pipe';
import { MaintenanceJob } from './codes/maintenance.job';
import { TopupCodesService } from './codes/topup-codes.service';
import { AppConfig } from './config/app-config';
import { DatabaseModule } from './database/database.module';
import { HealthController } from './health/health.controller';
import { MailboxesController } from './mailboxes/mailboxes.controller';
import { MailboxesService } from './mailboxes/mailboxes.service';
import { PaymentIntake } from './payments/payment-intake';
import { Settlement } from './payments/settlement/settlement.service';
import { UnmatchedController } from './payments/unmatched.controller';
import { UnmatchedService } from './payments/unmatched.service';
import { PayPalModule } from './paypal/paypal.module';
import { EventDelivery } from './events/event-delivery';
import { MailboxIdSeal } from './events/mailbox-id.seal';
import { FeesJob } from './fees/fees.job';
import { FeesService } from './fees/fees.service';
import { OpeningBalancesService } from './mailboxes/opening-balances.service';
import { ReportsController } from './reports/reports.controller';
import { ReportsService } from './reports/reports.service';
import { RetentionJob } from './retention/retention.job';
import { RetentionService } from './retention/retention.service';
import { TokensModule } from './tokens/tokens.module';

export interface AppOptions {
  config: AppConfig;
  logger: Logger;
  /** Off in tests that drive the jobs themselves. */
  schedule?: boolean;
  /** Providers that replace the defaults (a test clock). */
  overrides?: Provider[];
}

@Module({})
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        DatabaseModule,
        PayPalModule,
        TokensModule,
        ...(options.schedule === false ? [] : [ScheduleModule.forRoot()]),
      ],
      controllers: [
        MailboxesController,
        CashController,
        UnmatchedController,
        BankStatementsController,
        ReportsController,
        HealthController,
      ],
      providers: [
        { provide: AppConfig, useValue: options.config },
        { provide: LOGGER, useValue: options.logger },
        // Guards run in this order: failed keys are limited before ApiKeyGuard
        // answers them; issuance is limited after it, for authenticated calls only.
        { provide: APP_GUARD, useClass: AuthFailureLimitGuard },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: IssuanceLimitGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ProblemFilter },
        Clock,
        KeyedHash,
        Idempotency,
        PaymentDayWindow,
        PaymentIntake,
        Settlement,
        MailboxesService,
        TopupCodesService,
        CashService,
        UnmatchedService,
        BankImportService,
        BankInboxJob,
        JobLock,
        { provide: SCHEDULE_ENABLED, useValue: options.schedule !== false },
        MaintenanceJob,
        // Balance lifecycle: fees, events to the webmail backend, reports, retention.
        MailboxIdSeal,
        FeesService,
        FeesJob,
        EventDelivery,
        OpeningBalancesService,
        ReportsService,
        RetentionService,
        RetentionJob,
        ...(options.overrides ?? []),
      ],
      exports: [
        AppConfig,
        LOGGER,
        Clock,
        KeyedHash,
        Idempotency,
        PaymentDayWindow,
        PaymentIntake,
        Settlement,
        JobLock,
        TopupCodesService,
      ],
    };
  }
}
