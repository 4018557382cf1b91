import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/roles.decorator';
import { webhookAnswerSchema } from './paypal.schemas';
import { PayPalWebhooksService } from './paypal-webhooks.service';
import type { RequestWithRawBody } from './webhook-raw-body.hook';
import { ApiProblems } from '../http/api-problems';
import { PayPalNotConfigured, PayPalUnavailable, PayPalWebhookRejected } from './paypal.errors';

/** PayPal calls this without an API key: its signature is the authentication. */
@ApiTags('paypal')
@Public()
@Controller('v1/paypal/webhooks')
export class PayPalWebhooksController {
  constructor(@Inject(PayPalWebhooksService) private readonly webhooks: PayPalWebhooksService) {}

  @Post()
  @HttpCode(200)
  @ApiResponse({ status: 200, standardSchema: webhookAnswerSchema })
  @ApiOperation({ summary: "PayPal's events, verified by their signature" })
  @ApiProblems(PayPalWebhookRejected, PayPalNotConfigured, PayPalUnavailable)
  receive(@Req() request: RequestWithRawBody) {
    return this.webhooks.receive(request.headers, request.rawBody);
  }
}
