import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../common/clock';
import { KeyedHash } from '../common/keyed-hash';
import { LOGGER } from '../common/logger';
import { AppConfig } from '../config/app-config';
import { DatabaseModule } from '../database/database.module';
import { JobLock } from '../database/job-lock';
import { PaymentIntake } from '../payments/payment-intake';
import { Settlement } from '../payments/settlement/settlement.service';
import { SCHEDULE_ENABLED } from '../common/schedule';
import { BankImportService } from './bank-import.service';

/**
 * What `bank import` needs and nothing more: the database, the one payment
 * intake and the importer. The CLI starts this instead of the whole service:
 * no HTTP server, no OpenAPI, no PayPal client loaded, about 15 MB less
 * memory before the first statement is read (bench:import measures it).
 */
@Module({})
export class BankImportModule {
  static forRoot(options: { config: AppConfig; logger: Logger }): DynamicModule {
    return {
      module: BankImportModule,
      global: true,
      imports: [DatabaseModule],
      providers: [
        { provide: AppConfig, useValue: options.config },
        { provide: LOGGER, useValue: options.logger },
        Clock,
        KeyedHash,
        PaymentIntake,
        JobLock,
        // The CLI settles only its own batch: no schedule.
        { provide: SCHEDULE_ENABLED, useValue: false },
        Settlement,
        BankImportService,
      ],
      // DatabaseModule reads the configuration.
      exports: [AppConfig, LOGGER],
    };
  }
}
