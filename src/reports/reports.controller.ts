import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/roles.decorator';
import {
  ReconciliationQuery,
  reconciliationQuerySchema,
  reconciliationSchema,
  VatQuery,
  vatQuerySchema,
} from './reports.schemas';
import { ReportsService } from './reports.service';

@ApiTags('reports')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/reports')
export class ReportsController {
  constructor(@Inject(ReportsService) private readonly reports: ReportsService) {}

  @Get('reconciliation')
  @ApiOperation({ summary: 'The journal against the ledger, per day and channel' })
  @ApiResponse({ status: 200, standardSchema: reconciliationSchema })
  reconciliation(@Query({ schema: reconciliationQuerySchema }) query: ReconciliationQuery) {
    return this.reports.reconciliation(query.from, query.to);
  }

  @Get('vat')
  @ApiOperation({ summary: 'Credited payments per month and VAT country, as CSV' })
  @ApiProduces('text/csv')
  @ApiResponse({ status: 200, description: 'credited payments per month and VAT country, CSV' })
  async vat(
    @Query({ schema: vatQuerySchema }) query: VatQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const csv = await this.reports.vatCsv(query.from, query.to);
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="vat-${query.from}-${query.to}.csv"`);
    return csv;
  }
}
