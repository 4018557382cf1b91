import { Controller, Get, Inject } from '@nestjs/common';
import { z } from 'zod';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/roles.decorator';
import { ServiceUnavailable } from '../common/domain-error';
import { Transactions } from '../database/transactions';
import { ReadinessService, STUCK_AFTER_INTERVALS } from './readiness.service';

const TIMEOUT_MS = 2000;

const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
const readySchema = z
  .object({
    status: z.literal('ok'),
    checks: z.object({
      database: z.literal('ok'),
      migrations: z.literal('ok'),
      settlement: z.literal('ok'),
    }),
  })
  .meta({ id: 'Readiness' });

type Ready = z.infer<typeof readySchema>;

/**
 * Runs `work`, or answers 503 when it fails or takes longer than TIMEOUT_MS:
 * with the database's own 503 detail (a code, never a value) after `prefix`, else with `say`.
 */
async function inTime<T>(
  work: Promise<T>,
  say: { prefix: string; late: string; failed: string },
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new Error('timeout'));
    }, TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (error) {
    if (late) throw new ServiceUnavailable(`${say.prefix}${say.late}`);
    if (error instanceof ServiceUnavailable)
      throw new ServiceUnavailable(`${say.prefix}${error.message}`);
    throw new ServiceUnavailable(`${say.prefix}${say.failed}`);
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(ReadinessService) private readonly readiness: ReadinessService,
  ) {}

  /** 200 when the database answers a write transaction in time, 503 otherwise. */
  @Get()
  @ApiOperation({ summary: 'Whether the database answers' })
  @ApiResponse({ status: 200, description: 'the database answers', standardSchema: healthSchema })
  async check(): Promise<{ status: 'ok' }> {
    await inTime(this.transactions.ping(), {
      prefix: '',
      late: 'the database did not answer in time',
      failed: 'the database does not answer',
    });
    return { status: 'ok' };
  }

  /** Liveness: the process answers; nothing else is asked. */
  @Get('live')
  @ApiOperation({
    summary: 'Liveness: the process answers (no database); restart the instance when it does not',
  })
  @ApiResponse({ status: 200, description: 'the process answers', standardSchema: healthSchema })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: send traffic here only while this answers 200. */
  @Get('ready')
  @ApiOperation({
    summary:
      'Readiness: the database accepts a write, no migration is pending, and the settlement ' +
      `is not stuck (nothing has waited ${STUCK_AFTER_INTERVALS} settlement intervals); ` +
      '503 names what is not ready',
  })
  @ApiResponse({ status: 200, description: 'ready for traffic', standardSchema: readySchema })
  async ready(): Promise<Ready> {
    const state = await inTime(this.readiness.check(), {
      prefix: 'not ready: ',
      late: 'the database did not answer in time',
      failed: 'the database does not take a write',
    });
    const problems = [];
    if (state.pendingMigrations.length > 0)
      problems.push(`${state.pendingMigrations.length} migration(s) not run`);
    if (state.settlementStuck)
      problems.push(
        `the settlement is stuck: a row has waited ${Math.round(state.settlementWaitSeconds)} s`,
      );
    if (problems.length > 0) throw new ServiceUnavailable(`not ready: ${problems.join('; ')}`);
    return { status: 'ok', checks: { database: 'ok', migrations: 'ok', settlement: 'ok' } };
  }
}
