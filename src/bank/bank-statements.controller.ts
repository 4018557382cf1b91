import { Controller, Headers, Inject, OnModuleInit, Post, Req, Res } from '@nestjs/common';
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
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Roles } from '../auth/roles.decorator';
import { ValidationFailed } from '../common/domain-error';
import { answer, Idempotency } from '../http/idempotency';
import { AppConfig } from '../config/app-config';
import { BankImportService } from './bank-import.service';
import { importReportSchema } from './import-report';
import { SpooledUpload } from './statement-sources';
import { ApiProblems } from '../http/api-problems';
import { StatementRejected, StatementTooLarge } from './bank.errors';

export const STATEMENT_CONTENT_TYPES = ['application/xml', 'text/xml', 'application/zip'];
export const BANK_STATEMENTS_PATH = '/v1/bank-statements';

@ApiTags('bank')
@ApiBearerAuth()
@Roles('importer')
@Controller(BANK_STATEMENTS_PATH)
export class BankStatementsController implements OnModuleInit {
  constructor(
    @Inject(BankImportService) private readonly bank: BankImportService,
    @Inject(Idempotency) private readonly idempotency: Idempotency,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** A crash mid-upload leaves a spooled statement behind: erased before anything else. */
  onModuleInit(): void {
    SpooledUpload.sweep(this.spoolDir);
  }

  private get spoolDir(): string {
    return join(this.config.dataDir, 'spool');
  }

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
    const upload = await SpooledUpload.from(
      request.body,
      this.config.bankUploadLimitBytes,
      this.spoolDir,
    );
    try {
      const stored = await this.idempotency.run(
        key,
        { scope: 'bank-statement', body: upload.digest },
        201,
        (tx) =>
          this.bank.importInto(tx, this.bank.expand([{ path: upload.path, size: upload.size }])),
        { alone: true },
      );
      return answer(reply, stored);
    } finally {
      upload.discard();
    }
  }
}
