import { Body, Controller, Headers, Inject, Post, Res, UseInterceptors } from '@nestjs/common';
import { MatchFailureInterceptor } from '../abuse/match-failure.interceptor';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/roles.decorator';
import { answer } from '../http/idempotency';
import {
  CashBatch,
  cashBatchOutcomeSchema,
  cashBatchSchema,
  CashPayment,
  cashPaymentSchema,
  paymentOutcomeSchema,
} from './cash.schemas';
import { CashService } from './cash.service';
import { ApiProblems } from '../http/api-problems';
import { UnknownCurrency } from '../common/domain-error';
import { ImplausibleDay } from '../payments/payment-day';
import { TotalsDoNotAddUp } from './cash.errors';
import { CodeMisread } from '../codes/code.errors';
import { FourEyesRequired } from '../auth/staff-rules.errors';

@ApiTags('cash')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Roles('staff')
@UseInterceptors(MatchFailureInterceptor)
@Controller('v1')
export class CashController {
  constructor(@Inject(CashService) private readonly cash: CashService) {}

  @Post('cash-payments')
  @ApiOperation({ summary: 'One cash letter: the code on the slip and the amount counted' })
  @ApiProblems(UnknownCurrency, ImplausibleDay, CodeMisread)
  @ApiResponse({ status: 201, standardSchema: paymentOutcomeSchema })
  async pay(
    @Body({ schema: cashPaymentSchema }) body: CashPayment,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answer(reply, await this.cash.pay(body, key));
  }

  @Post('cash-batches')
  @ApiOperation({ summary: "A day's cash letters at once, all or nothing" })
  @ApiProblems(UnknownCurrency, ImplausibleDay, CodeMisread, TotalsDoNotAddUp, FourEyesRequired)
  @ApiResponse({ status: 201, standardSchema: cashBatchOutcomeSchema })
  async payBatch(
    @Body({ schema: cashBatchSchema }) body: CashBatch,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answer(reply, await this.cash.payBatch(body, key));
  }
}
