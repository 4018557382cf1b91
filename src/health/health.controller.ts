import { Controller, Get, Inject } from '@nestjs/common';
import { z } from 'zod';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/roles.decorator';
import { ServiceUnavailable } from '../common/domain-error';
import { Transactions } from '../database/transactions';

const TIMEOUT_MS = 2000;

const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(@Inject(Transactions) private readonly transactions: Transactions) {}

  /** 200 when the database answers a write transaction in time, 503 otherwise. */
  @Get()
  @ApiOperation({ summary: 'Whether the database answers' })
  @ApiResponse({ status: 200, description: 'the database answers', standardSchema: healthSchema })
  async check(): Promise<{ status: 'ok' }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ServiceUnavailable('the database did not answer in time')),
        TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([this.transactions.ping(), timeout]);
    } catch (error) {
      if (error instanceof ServiceUnavailable) throw error;
      throw new ServiceUnavailable('the database does not answer');
    } finally {
      clearTimeout(timer);
    }
    return { status: 'ok' };
  }
}
