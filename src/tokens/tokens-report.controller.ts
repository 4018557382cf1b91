import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { ReconciliationQuery, reconciliationQuerySchema } from '../reports/reports.schemas';
import { tokensReportSchema } from './tokens.schemas';
import { TokensReportService } from './tokens-report.service';

@ApiTags('reports')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/reports')
export class TokensReportController {
  constructor(@Inject(TokensReportService) private readonly report: TokensReportService) {}

  @Get('tokens')
  @ApiOperation({
    summary: 'Reserves credited, tokens issued and redeemed per day and denomination, write-offs',
  })
  @ApiResponse({ status: 200, standardSchema: tokensReportSchema })
  tokens(@Query({ schema: reconciliationQuerySchema }) query: ReconciliationQuery) {
    return this.report.report(query.from, query.to);
  }
}
