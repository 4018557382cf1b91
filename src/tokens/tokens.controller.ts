import { Body, Controller, Headers, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public, Roles } from '../auth/roles.decorator';
import { HTTP_PROBLEMS, ApiProblems } from '../http/api-problems';
import { answer } from '../http/idempotency';
import { mailboxParamsSchema } from '../common/schemas';
import { issuedCodeSchema } from '../codes/topup-codes.schemas';
import { TopupCodesService } from '../codes/topup-codes.service';
import { MailboxNotFound } from '../ledger/ledger.errors';
import { ReserveLimit } from './reserve-limit';
import {
  ReserveNotLive,
  ReserveOverdrawn,
  TokenInvalid,
  TokenKeyExpired,
  TokenRequestInvalid,
  TokenCreditOverCap,
  TokenSpent,
} from './tokens.errors';
import {
  Redemption,
  redeemedSchema,
  redemptionSchema,
  ReserveCode,
  reserveBalanceSchema,
  reserveCodeSchema,
  Withdrawal,
  withdrawalSchema,
  withdrawnSchema,
} from './tokens.schemas';
import { TokensService } from './tokens.service';

/**
 * The payment side of blind-signed top-ups: called by the user's browser (the
 * top-up page), with no key and nothing about a mailbox. The reserve's code is
 * the only credential; its creation is limited per process and minute.
 */
@ApiTags('tokens')
@Public()
@Controller('v1')
export class ReservesController {
  constructor(
    @Inject(TopupCodesService) private readonly codes: TopupCodesService,
    @Inject(TokensService) private readonly tokens: TokensService,
    @Inject(ReserveLimit) private readonly limit: ReserveLimit,
  ) {}

  @Post('token-reserves')
  @ApiOperation({ summary: 'Create a reserve: a one-time code to pay, with no mailbox' })
  @ApiProblems(HTTP_PROBLEMS[429])
  @ApiResponse({ status: 201, standardSchema: issuedCodeSchema })
  async create(@Res({ passthrough: true }) reply: FastifyReply) {
    this.limit.take(reply);
    return this.codes.issueReserve();
  }

  @Post('token-reserves/balance')
  @ApiOperation({ summary: "A reserve's balance (the code in the body, never in a URL)" })
  @ApiProblems(ReserveNotLive)
  @ApiResponse({ status: 200, standardSchema: reserveBalanceSchema })
  async balance(
    @Body({ schema: reserveCodeSchema }) body: ReserveCode,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    reply.status(200);
    return this.tokens.balance(body.code);
  }

  @Post('token-withdrawals')
  @ApiOperation({ summary: 'Blind-sign token requests and debit their value from a reserve' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiProblems(ReserveNotLive, ReserveOverdrawn, TokenRequestInvalid)
  @ApiResponse({ status: 201, standardSchema: withdrawnSchema })
  async withdraw(
    @Body({ schema: withdrawalSchema }) body: Withdrawal,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answer(reply, await this.tokens.withdraw(body.code, body.tokenRequests, key));
  }
}

/** The mailbox side: the webmail backend forwards a signed-in user's tokens. */
@ApiTags('tokens')
@ApiBearerAuth()
@Roles('webmail')
@Controller('v1/mailboxes')
export class RedemptionsController {
  constructor(@Inject(TokensService) private readonly tokens: TokensService) {}

  @Post(':mailboxId/token-redemptions')
  @ApiOperation({ summary: "Redeem tokens to the mailbox's balance, all or none" })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiProblems(MailboxNotFound, TokenInvalid, TokenKeyExpired, TokenSpent, TokenCreditOverCap)
  @ApiResponse({ status: 201, standardSchema: redeemedSchema })
  async redeem(
    @Param({ schema: mailboxParamsSchema }) params: { mailboxId: string },
    @Body({ schema: redemptionSchema }) body: Redemption,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answer(reply, await this.tokens.redeem(params.mailboxId, body.tokens, key));
  }
}
