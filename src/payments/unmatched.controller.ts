import {
  Body,
  Controller,
  Get,
  Headers,
  Inject,
  Param,
  Post,
  Query,
  Res,
  UseInterceptors,
} from '@nestjs/common';
import { MatchFailureInterceptor } from '../abuse/match-failure.interceptor';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/roles.decorator';
import { answer } from '../http/idempotency';
import { pageQuerySchema } from '../common/schemas';
import {
  paymentParamsSchema,
  Resolution,
  resolutionSchema,
  resolvedSchema,
  unmatchedListSchema,
} from './unmatched.schemas';
import { ApiProblems } from '../http/api-problems';
import { NoteRequired } from '../auth/staff-rules.errors';
import { NotFound } from '../common/domain-error';
import { CodeMisread } from '../codes/code.errors';
import {
  AlreadyResolved,
  CodeNotLive,
  PaymentNotCreditable,
  UnmatchedService,
} from './unmatched.service';

@ApiTags('unmatched payments')
@ApiBearerAuth()
@Roles('staff')
@Controller('v1/unmatched-payments')
export class UnmatchedController {
  constructor(@Inject(UnmatchedService) private readonly unmatched: UnmatchedService) {}

  @Get()
  @ApiOperation({ summary: 'Payments that could not be credited, with their reason' })
  @ApiResponse({ status: 200, standardSchema: unmatchedListSchema })
  list(@Query({ schema: pageQuerySchema }) query: { limit: number; cursor?: string }) {
    return this.unmatched.list(query.limit, query.cursor);
  }

  @Post(':paymentId/resolution')
  @UseInterceptors(MatchFailureInterceptor)
  @ApiOperation({ summary: 'Settle an unmatched payment: credit a code, refunded or kept' })
  @ApiProblems(
    NotFound,
    CodeMisread,
    AlreadyResolved,
    CodeNotLive,
    PaymentNotCreditable,
    NoteRequired,
  )
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiResponse({ status: 200, standardSchema: resolvedSchema })
  async resolve(
    @Param({ schema: paymentParamsSchema }) params: { paymentId: string },
    @Body({ schema: resolutionSchema }) body: Resolution,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answer(reply, await this.unmatched.resolve(params.paymentId, body, key));
  }
}
