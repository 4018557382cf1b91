import { Inject, Injectable } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger';
import { TokenKeys } from './token-keys.service';
import { TokensService } from './tokens.service';

/** Daily: reserves expire (their balances written off), keys are renewed where an epoch ended. */
@Injectable()
export class TokensJob {
  constructor(
    @Inject(TokensService) private readonly tokens: TokensService,
    @Inject(TokenKeys) private readonly keys: TokenKeys,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Cron(CronExpression.EVERY_DAY_AT_1AM, { name: 'tokens', timeZone: 'UTC' })
  async run(): Promise<{
    reserves: number;
    writtenOffMinor: number;
    nonces: number;
    keys: number;
  }> {
    const expired = await this.tokens.expire();
    const keys = await this.keys.ensureSigning();
    this.logger.info({ job: 'tokens', ...expired, keys }, 'expired reserves, renewed keys');
    return { ...expired, keys };
  }
}
