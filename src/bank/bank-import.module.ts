import { DynamicModule, Module, Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { CoreModule } from '../config/core.module';
import { DatabaseModule } from '../database/database.module';
import { PaymentsModule } from '../payments/payments.module';
import { BankImportService } from './bank-import.service';

/**
 * What `bank import` needs and nothing more: the database, the one payment
 * intake and the importer. The CLI starts this instead of the whole service:
 * no HTTP server, no OpenAPI, no PayPal client loaded (bench:import measures
 * the memory it saves). It settles only its own batch: no schedule.
 */
@Module({})
export class BankImportModule {
  static forRoot(options: {
    config: AppConfig;
    logger: Logger;
    /** The import thread's clock and metrics relay (import-thread.worker.ts). */
    overrides?: Provider[];
  }): DynamicModule {
    return {
      module: BankImportModule,
      imports: [
        CoreModule.forRoot({
          config: options.config,
          logger: options.logger,
          schedule: false,
          overrides: options.overrides,
        }),
        DatabaseModule,
        PaymentsModule,
      ],
      providers: [BankImportService],
    };
  }
}
