import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditTrail } from '../audit/audit-trail';
import { Forbidden } from '../auth/auth.errors';
import { Roles } from '../auth/roles.decorator';
import { CodeMisread } from '../codes/code.errors';
import { TotalsDoNotAddUp } from '../cash/cash.errors';
import { ApiProblems } from '../http/api-problems';
import { NotFound, UnknownCurrency } from '../common/domain-error';
import { ImplausibleDay } from '../payments/payment-day';
import { Transactions } from '../database/transactions';
import { AnonymityGroupRepository } from '../payments/settlement/anonymity-group.repository';
import { SamePerson } from '../staff/staff.errors';
import { StaffPrincipal } from '../auth/staff-principal';
import { CashBatchDrafts } from './cash-batch-drafts.service';
import {
  anonymitySetsSchema,
  auditListSchema,
  auditQuerySchema,
  CashBatchDraft,
  cashBatchDraftSchema,
  confirmationSchema,
  draftListSchema,
  draftParamsSchema,
  draftViewSchema,
  periodQuerySchema,
} from './console.schemas';
import { cashBatchOutcomeSchema } from '../cash/cash.schemas';

/** Drafts are a person's: a shared API key is no one to count against. */
function person(request: FastifyRequest): StaffPrincipal {
  if (!request.staff)
    throw new Forbidden('batches with four eyes are entered and confirmed by staff accounts');
  return request.staff;
}

@ApiTags('cash')
@ApiBearerAuth()
@ApiCookieAuth('staff-session')
@Roles('staff')
@Controller('v1/cash-batch-drafts')
export class CashBatchDraftsController {
  constructor(@Inject(CashBatchDrafts) private readonly drafts: CashBatchDrafts) {}

  @Get()
  @ApiOperation({ summary: 'Batches that wait for a second person (no letters, no sums)' })
  @ApiResponse({ status: 200, standardSchema: draftListSchema })
  async list() {
    return { items: await this.drafts.list() };
  }

  @Post()
  @ApiOperation({ summary: "Enter a day's letters as a batch; nothing is recorded yet" })
  @ApiProblems(UnknownCurrency, ImplausibleDay, CodeMisread)
  @ApiResponse({ status: 201, standardSchema: draftViewSchema })
  enter(
    @Body({ schema: cashBatchDraftSchema }) body: CashBatchDraft,
    @Req() request: FastifyRequest,
  ) {
    return this.drafts.enter(person(request), body);
  }

  @Post(':batchId/confirmation')
  @ApiOperation({
    summary: 'A second person confirms with the total they counted; the batch is recorded',
  })
  @ApiProblems(NotFound, SamePerson, TotalsDoNotAddUp, UnknownCurrency, ImplausibleDay)
  @ApiResponse({ status: 201, standardSchema: cashBatchOutcomeSchema })
  confirm(
    @Param({ schema: draftParamsSchema }) params: { batchId: string },
    @Body({ schema: confirmationSchema }) body: { countedTotalMinor: number },
    @Req() request: FastifyRequest,
  ) {
    return this.drafts.confirm(person(request), params.batchId, body.countedTotalMinor);
  }
}

@ApiTags('audit')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/audit-records')
export class AuditController {
  constructor(@Inject(AuditTrail) private readonly audit: AuditTrail) {}

  @Get()
  @ApiOperation({ summary: 'The audit trail, newest first' })
  @ApiResponse({ status: 200, standardSchema: auditListSchema })
  async list(@Query({ schema: auditQuerySchema }) query: { limit: number; before?: number }) {
    return { items: await this.audit.list(query.limit, query.before) };
  }

  @Get('export')
  @ApiOperation({ summary: 'The whole audit trail as CSV' })
  @ApiProduces('text/csv')
  @ApiResponse({ status: 200, description: 'seq, at, actor, action, paymentId, detail, hash' })
  async csv(@Res({ passthrough: true }) reply: FastifyReply) {
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="audit-trail.csv"');
    return this.audit.csv();
  }
}

@ApiTags('reports')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/reports/anonymity-sets')
export class AnonymitySetsController {
  constructor(@Inject(Transactions) private readonly transactions: Transactions) {}

  @Get()
  @ApiOperation({ summary: 'How many credits hid among how many: group sizes in a period' })
  @ApiResponse({ status: 200, standardSchema: anonymitySetsSchema })
  async sizes(@Query({ schema: periodQuerySchema }) query: { from: string; to: string }) {
    const byDay = await this.transactions.run((tx) =>
      AnonymityGroupRepository.sizes(tx, query.from, query.to),
    );
    const groups = new Map<number, number>();
    for (const sizes of byDay.values())
      for (const size of sizes) groups.set(size, (groups.get(size) ?? 0) + 1);
    return {
      from: query.from,
      to: query.to,
      sizes: [...groups]
        .sort(([a], [b]) => a - b)
        .map(([size, n]) => ({ size, groups: n, credits: size * n })),
    };
  }
}
