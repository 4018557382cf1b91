import { IssuesCodes } from '../abuse/issuance-limit.guard';
import { Body, Controller, Headers, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/roles.decorator';
import { answer } from '../http/idempotency';
import {
  cardOrderSchema,
  captureAnswerSchema,
  mailboxOrderParamsSchema,
  NewPayPalOrderBody,
  newPayPalOrderSchema,
  orderParamsSchema,
  payPalOrderSchema,
} from './paypal.schemas';
import { PayPalOrdersService } from './paypal-orders.service';
import { ApiProblems } from '../http/api-problems';
import { TooManyOpenCodes } from '../codes/code-issuer';
import { MailboxNotFound } from '../ledger/ledger.errors';
import {
  CardAuthenticationRefused,
  PayPalAmountOutOfRange,
  PayPalCaptureDeclined,
  PayPalCaptureInProgress,
  PayPalCaptureRefused,
  PayPalCurrencyNotAccepted,
  PayPalNotConfigured,
  PayPalOrderNotApproved,
  PayPalOrderNotFound,
  PayPalUnavailable,
} from './paypal.errors';

@ApiTags('paypal')
@ApiBearerAuth()
@Roles('webmail')
@Controller('v1')
export class PayPalController {
  constructor(@Inject(PayPalOrdersService) private readonly orders: PayPalOrdersService) {}

  @Post('mailboxes/:mailboxId/paypal-orders')
  @IssuesCodes()
  @ApiOperation({ summary: 'Create a PayPal order for a top-up of the mailbox' })
  @ApiProblems(
    MailboxNotFound,
    TooManyOpenCodes,
    PayPalAmountOutOfRange,
    PayPalCurrencyNotAccepted,
    PayPalNotConfigured,
    PayPalUnavailable,
  )
  @ApiResponse({ status: 201, standardSchema: payPalOrderSchema })
  create(
    @Param({ schema: mailboxOrderParamsSchema }) params: { mailboxId: string },
    @Body({ schema: newPayPalOrderSchema }) body: NewPayPalOrderBody,
  ) {
    return this.orders.create(params.mailboxId, body);
  }

  @Post('mailboxes/:mailboxId/card-orders')
  @IssuesCodes()
  @ApiOperation({
    summary: "Create a PayPal order for a card top-up, paid in PayPal's card fields",
    description:
      "The buyer's browser gets the order id for PayPal's card fields (createOrder); the card goes to PayPal, never here. " +
      'Captured with POST /v1/paypal-orders/{orderId}/capture, credited as channel card when 3-D Secure shifted the liability.',
  })
  @ApiProblems(
    MailboxNotFound,
    TooManyOpenCodes,
    PayPalAmountOutOfRange,
    PayPalCurrencyNotAccepted,
    PayPalNotConfigured,
    PayPalUnavailable,
  )
  @ApiResponse({ status: 201, standardSchema: cardOrderSchema })
  async createCard(
    @Param({ schema: mailboxOrderParamsSchema }) params: { mailboxId: string },
    @Body({ schema: newPayPalOrderSchema }) body: NewPayPalOrderBody,
  ) {
    const { orderId } = await this.orders.create(params.mailboxId, body, 'card');
    return { orderId };
  }

  @Post('paypal-orders/:orderId/capture')
  @ApiOperation({ summary: 'Capture an approved PayPal or card order and credit it' })
  @ApiProblems(
    PayPalOrderNotFound,
    PayPalOrderNotApproved,
    PayPalCaptureInProgress,
    PayPalCaptureDeclined,
    PayPalCaptureRefused,
    CardAuthenticationRefused,
    PayPalNotConfigured,
    PayPalUnavailable,
  )
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiResponse({ status: 200, standardSchema: captureAnswerSchema })
  @ApiResponse({
    status: 202,
    description: 'PayPal holds the payment',
    standardSchema: captureAnswerSchema,
  })
  async capture(
    @Param({ schema: orderParamsSchema }) params: { orderId: string },
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answer(reply, await this.orders.capture(params.orderId, key));
  }
}
