import { Global, Module } from '@nestjs/common';
import { MatchFailureBudget } from './match-failure.interceptor';
import { WindowCounters } from './window-counters';

/**
 * Budgets shared by every route that spends them, whichever module's
 * controller counts against it, and the counters they are kept in.
 */
@Global()
@Module({
  providers: [WindowCounters, MatchFailureBudget],
  exports: [WindowCounters, MatchFailureBudget],
})
export class AbuseModule {}
