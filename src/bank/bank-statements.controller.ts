import { Controller, Headers, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Roles } from '../auth/roles.decorator';
import { ValidationFailed } from '../common/domain-error';
import { answer } from '../http/idempotency';
import { BankUploadsService } from './bank-uploads.service';
import { importReportSchema } from './import-report';
import { ApiProblems } from '../http/api-problems';
import { StatementRejected, StatementTooLarge } from './bank.errors';

export const STATEMENT_CONTENT_TYPES = ['application/xml', 'text/xml', 'application/zip'];
export const BANK_STATEMENTS_PATH = '/v1/bank-statements';

@ApiTags('bank')
@ApiBearerAuth()
@Roles('importer')
@Controller(BANK_STATEMENTS_PATH)
export class BankStatementsController {
  constructor(@Inject(BankUploadsService) private readonly uploads: BankUploadsService) {}

  @Post()
  @ApiOperation({ summary: 'Import one CAMT document or a ZIP of them' })
  @ApiProblems(StatementRejected, StatementTooLarge)
  @ApiConsumes(...STATEMENT_CONTENT_TYPES)
  @ApiBody({ description: 'one CAMT document (camt.052/053/054) or a ZIP of them', required: true })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiResponse({ status: 201, standardSchema: importReportSchema })
  async upload(
    @Req() request: FastifyRequest,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (!(request.body instanceof Readable)) {
      throw new ValidationFailed(
        `Send one CAMT document as application/xml or a ZIP of them as application/zip.`,
        [{ path: '(body)', message: 'unsupported content type' }],
      );
    }
    return answer(reply, await this.uploads.import(request.body, key));
  }
}
