import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { FixedWindowCounter } from '../abuse/fixed-window.counter';
import { AppConfig } from '../config/app-config';

/**
 * Reserves may be created by anyone, so their creation is limited as a whole,
 * per process and minute (RESERVE_ISSUE_LIMIT_PER_MINUTE): keyed by nothing,
 * since the only thing to key by would be the caller's address, which this
 * service neither keeps nor counts. Unpaid reserves cost a row each until they
 * expire; the limit bounds that to the limit times RESERVE_TTL_DAYS in minutes.
 */
@Injectable()
export class ReserveLimit {
  private readonly counter: FixedWindowCounter;

  constructor(@Inject(AppConfig) config: AppConfig) {
    this.counter = new FixedWindowCounter(config.tokens.reserveIssuesPerMinute);
  }

  take(reply: FastifyReply): void {
    if (this.counter.hit('all')) return;
    void reply.header('retry-after', String(this.counter.retryAfterSeconds()));
    throw new HttpException(
      'too many reserves created; try again later',
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
