import { DynamicModule, Module, Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../common/clock';
import { LOGGER } from '../common/logger';
import { AppConfig } from './app-config';
import { KeyedHash } from './keyed-hash';
import { SCHEDULE_ENABLED, Scheduler } from './schedule';

export interface CoreOptions {
  config: AppConfig;
  logger: Logger;
  /** Off in tests that drive the jobs themselves, and in the CLI. */
  schedule: boolean;
  /** Providers of this module that a test replaces (a test clock). */
  overrides?: Provider[];
}

/** What every room uses: configuration, logger, clock, keyed hashes, the scheduler. */
@Module({})
export class CoreModule {
  static forRoot(options: CoreOptions): DynamicModule {
    const exported = [AppConfig, LOGGER, Clock, KeyedHash, SCHEDULE_ENABLED, Scheduler];
    return {
      module: CoreModule,
      global: true,
      providers: [
        { provide: AppConfig, useValue: options.config },
        { provide: LOGGER, useValue: options.logger },
        { provide: SCHEDULE_ENABLED, useValue: options.schedule },
        Clock,
        KeyedHash,
        Scheduler,
        ...(options.overrides ?? []),
      ],
      // An override may also add what no room here provides (the import thread's metrics relay).
      exports: [
        ...exported,
        ...(options.overrides ?? []).flatMap((p) => ('provide' in p ? [p.provide] : [])),
      ],
    };
  }
}
