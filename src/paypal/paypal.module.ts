import { Module } from '@nestjs/common';
import { CodesModule } from '../codes/codes.module';
import { AppConfig } from '../config/app-config';
import { HttpModule } from '../http/http.module';
import { PaymentsModule } from '../payments/payments.module';
import { PAYPAL_GATEWAY } from './paypal.gateway';
import { PayPalController } from './paypal.controller';
import { PayPalMaintenanceJob } from './paypal-maintenance.job';
import { PayPalOrderKeys } from './paypal-order.keys';
import { PayPalOrdersService } from './paypal-orders.service';
import { SdkPayPalGateway } from './paypal-sdk.gateway';
import { PayPalSettlement } from './paypal-settlement';
import { PayPalWebhookVerifier } from './paypal-webhook.verifier';
import { PayPalWebhooksController } from './paypal-webhooks.controller';
import { PayPalWebhooksService } from './paypal-webhooks.service';
import { WebhookRawBodyHook } from './webhook-raw-body.hook';

/**
 * PayPal top-ups. The routes exist whether or not PayPal is configured: without
 * PAYPAL_CLIENT_ID they answer 503 paypal-not-configured, so clients and the
 * OpenAPI document see one stable contract, and a webmail backend can tell
 * "PayPal is off here" from a wrong URL.
 */
@Module({
  imports: [PaymentsModule, CodesModule, HttpModule],
  controllers: [PayPalController, PayPalWebhooksController],
  providers: [
    {
      provide: PAYPAL_GATEWAY,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        config.paypal ? new SdkPayPalGateway(config.paypal) : null,
    },
    PayPalOrderKeys,
    PayPalSettlement,
    PayPalOrdersService,
    PayPalWebhookVerifier,
    PayPalWebhooksService,
    PayPalMaintenanceJob,
    WebhookRawBodyHook,
  ],
  exports: [PayPalMaintenanceJob],
})
export class PayPalModule {}
