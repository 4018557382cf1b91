import { Inject, Injectable } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { Clock } from '../common/clock';
import { LOGGER } from '../common/logger';
import { FeeRun, FeesService } from './fees.service';

/** The daily fee run, early in the (UTC) day; `fees run` on the command line does the same. */
@Injectable()
export class FeesJob {
  constructor(
    @Inject(FeesService) private readonly fees: FeesService,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Cron('15 0 * * *', { name: 'fees', timeZone: 'UTC' })
  async run(): Promise<FeeRun | undefined> {
    const run = await this.fees.run(this.clock.today());
    if (!run) this.logger.info({ job: 'fees' }, 'another run holds the lock; skipped');
    // Counts only: never a mailbox.
    else this.logger.info({ job: 'fees', ...run }, 'monthly fees charged');
    return run;
  }
}
