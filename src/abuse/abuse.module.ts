import { Global, Module } from '@nestjs/common';
import { MatchFailureBudget } from './match-failure.interceptor';

/**
 * Budgets shared by every route that spends them: one per process, whichever
 * module's controller counts against it.
 */
@Global()
@Module({ providers: [MatchFailureBudget], exports: [MatchFailureBudget] })
export class AbuseModule {}
