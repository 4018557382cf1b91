import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/roles.decorator';
import { webhookAnswerSchema } from './paypal.schemas';
import { PayPalWebhooksService } from './paypal-webhooks.service';
import type { RequestWithRawBody } from './webhook-raw-body.hook';

/** PayPal calls this without an API key: its signature is the authentication. */
@ApiTags('paypal')
@Public()
@Controller('v1/paypal/webhooks')
export class PayPalWebhooksController {
  constructor(@Inject(PayPalWebhooksService) private readonly webhooks: PayPalWebhooksService) {}

  @Post()
  @HttpCode(200)
  @ApiResponse({ status: 200, standardSchema: webhookAnswerSchema })
  @ApiResponse({ status: 400, description: 'not a verified PayPal event; nothing was changed' })
  receive(@Req() request: RequestWithRawBody) {
    return this.webhooks.receive(request.headers, request.rawBody);
  }
}
