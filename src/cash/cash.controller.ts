import { Body, Controller, Headers, Inject, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/roles.decorator';
import { answer } from '../common/idempotency';
import {
  CashBatch,
  cashBatchOutcomeSchema,
  cashBatchSchema,
  CashPayment,
  cashPaymentSchema,
  paymentOutcomeSchema,
} from './cash.schemas';
import { CashService } from './cash.service';

@ApiTags('cash')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Roles('staff')
@Controller('v1')
export class CashController {
  constructor(@Inject(CashService) private readonly cash: CashService) {}

  @Post('cash-payments')
  @ApiResponse({ status: 201, standardSchema: paymentOutcomeSchema })
  async pay(
    @Body({ schema: cashPaymentSchema }) body: CashPayment,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answer(reply, await this.cash.pay(body, key));
  }

  @Post('cash-batches')
  @ApiResponse({ status: 201, standardSchema: cashBatchOutcomeSchema })
  async payBatch(
    @Body({ schema: cashBatchSchema }) body: CashBatch,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answer(reply, await this.cash.payBatch(body, key));
  }
}
