import { createHmac, hkdfSync } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

/**
 * Keyed names for PayPal order ids, from their own subkey of SECRET_KEY (as
 * KeyedHash derives one per purpose). A stolen database alone cannot tell
 * which PayPal order a pending row is, and a PayPal order id is never stored
 * in clear.
 */
@Injectable()
export class PayPalOrderKeys {
  private readonly orderKey: Buffer;

  constructor(@Inject(AppConfig) config: AppConfig) {
    this.orderKey = Buffer.from(
      hkdfSync('sha256', config.secretKey, Buffer.alloc(0), 'billing/paypal-order-id', 32),
    );
  }

  order(orderId: string): string {
    return createHmac('sha256', this.orderKey).update(orderId).digest('hex');
  }

  /**
   * PayPal-Request-Id of a capture: the same for every retry of one attempt, so
   * PayPal answers a retry with the first answer; a new attempt after a decline
   * gets a new one. Keyed, because PayPal needs no way to recognise our orders.
   */
  captureRequestId(orderId: string, attempt: number): string {
    return `capture-${this.order(orderId).slice(0, 32)}-${attempt}`;
  }
}
