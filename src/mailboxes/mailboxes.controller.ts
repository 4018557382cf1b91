import { IssuesCodes } from '../abuse/issuance-limit.guard';
import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/roles.decorator';
import { mailboxParamsSchema, pageQuerySchema } from '../common/schemas';
import { issueCodeSchema, IssueCode, issuedCodeSchema } from '../codes/topup-codes.schemas';
import { TopupCodesService } from '../codes/topup-codes.service';
import { ledgerSchema, mailboxViewSchema } from './mailboxes.schemas';
import { MailboxesService } from './mailboxes.service';
import { MailboxNotFound } from '../ledger/ledger.errors';
import { ApiProblems } from '../http/api-problems';
import { TooManyOpenCodes } from '../codes/code-issuer';

type MailboxParams = { mailboxId: string };

@ApiTags('mailboxes')
@ApiBearerAuth()
@Roles('webmail')
@Controller('v1/mailboxes/:mailboxId')
export class MailboxesController {
  constructor(
    @Inject(MailboxesService) private readonly mailboxes: MailboxesService,
    @Inject(TopupCodesService) private readonly codes: TopupCodesService,
  ) {}

  @Put()
  @ApiOperation({ summary: 'Register a mailbox (idempotent)' })
  @ApiResponse({ status: 201, description: 'registered', standardSchema: mailboxViewSchema })
  @ApiResponse({
    status: 200,
    description: 'already registered',
    standardSchema: mailboxViewSchema,
  })
  async register(
    @Param({ schema: mailboxParamsSchema }) params: MailboxParams,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { created, mailbox } = await this.mailboxes.register(params.mailboxId);
    void reply.status(created ? 201 : 200);
    return mailbox;
  }

  @Get()
  @ApiOperation({ summary: 'Balance, open codes, status and paid-until day of a mailbox' })
  @ApiProblems(MailboxNotFound)
  @ApiResponse({ status: 200, standardSchema: mailboxViewSchema })
  get(@Param({ schema: mailboxParamsSchema }) params: MailboxParams) {
    return this.mailboxes.get(params.mailboxId);
  }

  @Get('ledger')
  @ApiOperation({ summary: "The mailbox's own credits and debits, newest first" })
  @ApiProblems(MailboxNotFound)
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({
    status: 200,
    standardSchema: ledgerSchema,
    description: 'JSON in pages; with Accept: text/csv, the whole ledger as CSV',
  })
  async ledger(
    @Param({ schema: mailboxParamsSchema }) params: MailboxParams,
    @Query({ schema: pageQuerySchema }) query: { limit: number; cursor?: string },
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (prefersCsv(accept)) {
      const csv = await this.mailboxes.ledgerCsv(params.mailboxId);
      void reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="ledger.csv"');
      return csv;
    }
    return this.mailboxes.ledger(params.mailboxId, query.limit, query.cursor);
  }

  @Delete()
  @ApiOperation({ summary: 'Close a mailbox: erase its balance, ledger and open codes' })
  @ApiProblems(MailboxNotFound)
  @HttpCode(204)
  async close(@Param({ schema: mailboxParamsSchema }) params: MailboxParams): Promise<void> {
    await this.mailboxes.close(params.mailboxId);
  }

  @Post('topup-codes')
  @IssuesCodes()
  @ApiOperation({ summary: 'Issue a one-time top-up code for the mailbox' })
  @ApiProblems(MailboxNotFound, TooManyOpenCodes)
  @ApiResponse({ status: 201, standardSchema: issuedCodeSchema })
  issueCode(
    @Param({ schema: mailboxParamsSchema }) params: MailboxParams,
    @Body({ schema: issueCodeSchema }) body: IssueCode,
  ) {
    return this.codes.issue(params.mailboxId, body.country ?? null);
  }
}

/** CSV when the client asks for it before JSON (or without JSON at all). */
function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((part) => part.split(';')[0].trim().toLowerCase());
  const csv = types.indexOf('text/csv');
  const json = types.indexOf('application/json');
  return csv >= 0 && (json < 0 || csv < json);
}
