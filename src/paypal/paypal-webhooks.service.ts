import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { z } from 'zod';
import { LOGGER } from '../common/logger';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { PAYPAL_GATEWAY, PayPalGateway, PayPalFailure } from './paypal.gateway';
import {
  PayPalNotConfigured,
  PayPalOrderNotFound,
  PayPalUnavailable,
  PayPalWebhookRejected,
} from './paypal.errors';
import { PayPalOrdersService } from './paypal-orders.service';
import { DomainError } from '../common/domain-error';
import { PayPalReversal, PayPalSettlement } from './paypal-settlement';
import { toMinor } from './paypal.gateway';
import { PayPalWebhookVerifier } from './paypal-webhook.verifier';
import { WebhookAnswer } from './paypal.schemas';

/*
 * Only what the service uses is read from an event; everything else in it
 * (a dispute's buyer name and e-mail, payer ids) is never looked at.
 */
const money = z.object({ currency_code: z.string(), value: z.string() });
const eventSchema = z.object({ event_type: z.string(), resource: z.unknown() });
const captureResource = z.object({
  id: z.string().min(1),
  amount: money,
  custom_id: z.string().optional(),
  supplementary_data: z
    .object({ related_ids: z.object({ order_id: z.string().optional() }).optional() })
    .optional(),
});
const refundResource = z.object({
  id: z.string().min(1),
  amount: money,
  links: z.array(z.object({ rel: z.string(), href: z.string() })).optional(),
});
const disputeResource = z.object({
  dispute_id: z.string().min(1),
  reason: z.string().optional(),
  dispute_amount: money.optional(),
  disputed_transactions: z
    .array(
      z.object({ seller_transaction_id: z.string().optional(), gross_amount: money.optional() }),
    )
    .optional(),
});

/** CHECKOUT.ORDER.APPROVED carries the order; CHECKOUT.PAYMENT-APPROVAL.REVERSED names it. */
const orderResource = z.object({ id: z.string().optional(), order_id: z.string().optional() });

type Headers = Record<string, string | string[] | undefined>;

/**
 * PayPal's webhooks: verified first, then each event settles through the same
 * pieces as the capture route. Completed captures credit (once, whoever comes
 * first); refunds, reversals and disputes are journalled as reversals.
 */
@Injectable()
export class PayPalWebhooksService {
  constructor(
    @Inject(PayPalWebhookVerifier) private readonly verifier: PayPalWebhookVerifier,
    @Inject(PayPalSettlement) private readonly settlement: PayPalSettlement,
    @Inject(PayPalOrdersService) private readonly orders: PayPalOrdersService,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(PAYPAL_GATEWAY) private readonly gateway: PayPalGateway | null,
  ) {}

  async receive(headers: Headers, rawBody: Buffer | undefined): Promise<WebhookAnswer> {
    if (!this.gateway || !this.config.paypal)
      throw new PayPalNotConfigured('PayPal is not configured; no webhook is expected.');
    if (!rawBody || rawBody.length === 0)
      throw new PayPalWebhookRejected('The webhook has no body.');
    try {
      await this.verifier.verify(headers, rawBody);
    } catch (error) {
      if (error instanceof PayPalWebhookRejected)
        this.logger.warn({ reason: error.message }, 'paypal webhook refused');
      throw error;
    }

    let event: z.infer<typeof eventSchema>;
    try {
      event = eventSchema.parse(JSON.parse(rawBody.toString('utf8')));
    } catch {
      throw new PayPalWebhookRejected('The webhook body is not a PayPal event.');
    }
    try {
      const handled = await this.handle(event.event_type, event.resource);
      // The event type only: no order, capture or dispute id, nothing of the payer.
      this.logger.info({ event: event.event_type, handled }, 'paypal webhook');
      return { status: handled ? 'processed' : 'ignored' };
    } catch (error) {
      if (error instanceof z.ZodError || error instanceof PayPalFailure) {
        this.logger.warn({ event: event.event_type }, 'paypal webhook not readable');
        throw new PayPalWebhookRejected(
          `The ${event.event_type} event does not carry what the service needs; nothing was changed.`,
        );
      }
      throw error;
    }
  }

  /** True when the event was of a kind the service acts on. */
  private async handle(type: string, resource: unknown): Promise<boolean> {
    switch (type) {
      case 'PAYMENT.CAPTURE.COMPLETED': {
        const capture = captureResource.parse(resource);
        await this.transactions.run((tx) =>
          this.settlement.settleCompleted(tx, {
            captureId: capture.id,
            orderId: capture.supplementary_data?.related_ids?.order_id ?? '',
            status: 'COMPLETED',
            ...toMinor(capture.amount),
            reference: capture.custom_id ?? null,
          }),
        );
        return true;
      }
      case 'PAYMENT.CAPTURE.PENDING': {
        const orderId = captureResource.parse(resource).supplementary_data?.related_ids?.order_id;
        if (orderId) await this.transactions.run((tx) => this.settlement.markPending(tx, orderId));
        return true;
      }
      case 'PAYMENT.CAPTURE.DECLINED':
      case 'PAYMENT.CAPTURE.DENIED': {
        const orderId = captureResource.parse(resource).supplementary_data?.related_ids?.order_id;
        if (orderId) await this.transactions.run((tx) => this.settlement.forgetDenied(tx, orderId));
        return true;
      }
      case 'CHECKOUT.PAYMENT-APPROVAL.REVERSED': {
        // PayPal undid the buyer's approval before any capture: the order is over.
        const order = orderResource.parse(resource);
        const orderId = order.order_id ?? order.id;
        if (!orderId) return false;
        await this.transactions.run((tx) => this.settlement.forgetUncaptured(tx, orderId));
        return true;
      }
      case 'CHECKOUT.ORDER.APPROVED': {
        // The buyer approved and may never come back: capture (and credit) now.
        const orderId = orderResource.parse(resource).id;
        if (!orderId) return false;
        return this.captureApproved(orderId);
      }
      case 'PAYMENT.CAPTURE.REFUNDED':
      case 'PAYMENT.CAPTURE.REVERSED': {
        const refund = refundResource.parse(resource);
        const up = refund.links?.find((l) => l.rel === 'up')?.href;
        await this.record({
          kind: type === 'PAYMENT.CAPTURE.REFUNDED' ? 'refund' : 'reversal',
          id: refund.id,
          ...toMinor(refund.amount),
          captureId: up ? (/\/captures\/([^/?#]+)/.exec(up)?.[1] ?? null) : null,
          note: null,
        });
        return true;
      }
      case 'CUSTOMER.DISPUTE.CREATED':
      case 'CUSTOMER.DISPUTE.UPDATED':
      case 'CUSTOMER.DISPUTE.RESOLVED': {
        const dispute = disputeResource.parse(resource);
        const disputed = dispute.disputed_transactions?.[0];
        const amount = dispute.dispute_amount ?? disputed?.gross_amount;
        // One row per dispute, whichever of its events comes first: the money it
        // may cost arrives as a refund or reversal event of its own.
        await this.record({
          kind: 'dispute',
          id: dispute.dispute_id,
          ...(amount ? toMinor(amount) : { amountMinor: 0, currency: this.config.currency }),
          captureId: disputed?.seller_transaction_id ?? null,
          note: dispute.reason ?? null,
        });
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * Captures an approved order as the capture route would. Whatever PayPal
   * answers is the order's state now (credited, pending, declined); only an
   * outage is passed on, so that PayPal delivers the event again.
   */
  private async captureApproved(orderId: string): Promise<boolean> {
    try {
      await this.orders.capture(orderId);
      return true;
    } catch (error) {
      // An outage answers 502: PayPal delivers the event again later.
      if (error instanceof PayPalUnavailable) throw error;
      if (error instanceof PayPalOrderNotFound) return false;
      if (error instanceof DomainError) return true;
      throw error;
    }
  }

  private record(reversal: PayPalReversal): Promise<void> {
    return this.transactions.run((tx) => this.settlement.recordReversal(tx, reversal));
  }
}
