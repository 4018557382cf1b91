import { Inject, Injectable } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger';
import { RetentionRun, RetentionService } from './retention.service';

@Injectable()
export class RetentionJob {
  constructor(
    @Inject(RetentionService) private readonly retention: RetentionService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Cron('30 3 * * *', { name: 'retention', timeZone: 'UTC' })
  async purge(): Promise<RetentionRun | undefined> {
    const run = await this.retention.run();
    if (run) this.logger.info({ job: 'retention', ...run }, 'retention purge');
    return run;
  }
}
