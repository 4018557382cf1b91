import { Body, Controller, Headers, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/roles.decorator';
import { answer } from '../common/idempotency';
import {
  captureAnswerSchema,
  mailboxOrderParamsSchema,
  NewPayPalOrderBody,
  newPayPalOrderSchema,
  orderParamsSchema,
  payPalOrderSchema,
} from './paypal.schemas';
import { PayPalOrdersService } from './paypal-orders.service';

@ApiTags('paypal')
@ApiBearerAuth()
@Roles('webmail')
@Controller('v1')
export class PayPalController {
  constructor(@Inject(PayPalOrdersService) private readonly orders: PayPalOrdersService) {}

  @Post('mailboxes/:mailboxId/paypal-orders')
  @ApiResponse({ status: 201, standardSchema: payPalOrderSchema })
  create(
    @Param({ schema: mailboxOrderParamsSchema }) params: { mailboxId: string },
    @Body({ schema: newPayPalOrderSchema }) body: NewPayPalOrderBody,
  ) {
    return this.orders.create(params.mailboxId, body);
  }

  @Post('paypal-orders/:orderId/capture')
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
