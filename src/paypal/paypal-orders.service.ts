import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../common/clock';
import { addDays } from '../common/day';
import { Idempotency, StoredResponse } from '../http/idempotency';
import { KeyedHash } from '../config/keyed-hash';
import { LOGGER } from '../common/logger';
import { CodeIssuer } from '../codes/code-issuer';
import { AppConfig, PayPalConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import {
  PAYPAL_GATEWAY,
  PayPalCapture,
  PayPalGateway,
  PayPalFailure,
  PaymentSource,
} from './paypal.gateway';
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
import { PayPalOrderKeys } from './paypal-order.keys';
import { PayPalOrderRepository } from './paypal-order.repository';
import { PayPalSettlement } from './paypal-settlement';
import { CaptureAnswer, NewPayPalOrderBody, PayPalOrderView } from './paypal.schemas';
import { decideCardCapture } from './card-authentication.policy';
import { payPalStep, toPayPalValue } from '../config/paypal-currency';

/** PayPal's own pattern for an order id (Orders v2: `^[A-Z0-9]+$`, 1 to 36). */
const ORDER_ID = /^[A-Z0-9]{1,36}$/;

class KeyNotAnsweredYet extends Error {}

/**
 * PayPal top-ups for the webmail backend: an order whose only reference is a
 * fresh internal code, then its capture, credited through the one intake.
 * Every call to PayPal happens before the transaction that records what it
 * answered, never inside one.
 */
@Injectable()
export class PayPalOrdersService {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(Idempotency) private readonly idempotency: Idempotency,
    @Inject(CodeIssuer) private readonly issuer: CodeIssuer,
    @Inject(PayPalSettlement) private readonly settlement: PayPalSettlement,
    @Inject(PayPalOrderKeys) private readonly keys: PayPalOrderKeys,
    @Inject(KeyedHash) private readonly hash: KeyedHash,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(PAYPAL_GATEWAY) private readonly gateway: PayPalGateway | null,
  ) {}

  /**
   * Issues an internal code for the mailbox and creates a PayPal order that
   * carries only that code. The code counts as one of the mailbox's open codes
   * (it is one: a pending link to the mailbox) until it is credited or expires.
   */
  async create(
    mailboxId: string,
    body: NewPayPalOrderBody,
    source: PaymentSource = 'paypal',
  ): Promise<PayPalOrderView> {
    const { gateway, paypal } = this.configured();
    if (body.currency !== this.config.currency) {
      throw new PayPalCurrencyNotAccepted(
        `Balances are kept in ${this.config.currency}; a PayPal top-up must be in it too.`,
        [{ path: 'currency', message: `must be ${this.config.currency}` }],
      );
    }
    if (body.amountMinor < paypal.minMinor || body.amountMinor > paypal.maxMinor) {
      throw new PayPalAmountOutOfRange(
        `One PayPal payment is between ${paypal.minMinor} and ${paypal.maxMinor} minor units.`,
        [{ path: 'amountMinor', message: `${paypal.minMinor} to ${paypal.maxMinor}` }],
      );
    }
    if (toPayPalValue(body.amountMinor, body.currency) === undefined) {
      const step = payPalStep(body.currency);
      throw new PayPalAmountOutOfRange(
        `PayPal takes ${body.currency} in whole units only: the amount must be a multiple of ${step} minor units.`,
        [{ path: 'amountMinor', message: `a multiple of ${step}` }],
      );
    }
    const pseudonym = this.hash.mailbox(mailboxId);
    const today = this.clock.today();
    // Looked at first, so that an unknown or full mailbox costs PayPal no order.
    await this.transactions.run((tx) => this.issuer.requireRoom(tx, pseudonym, today));

    const code = this.issuer.draft();
    const created = await this.callPayPal(() =>
      gateway.createOrder({
        source,
        amountMinor: body.amountMinor,
        currency: body.currency,
        reference: code,
        returnUrl: paypal.returnUrl,
        cancelUrl: paypal.cancelUrl,
      }),
    );
    const expiresOn = addDays(today, paypal.orderTtlDays);
    await this.transactions.run(async (tx) => {
      // Again, under the lock: another request may have taken the last slot meanwhile.
      // Should it have, the PayPal order is left unrecorded and can never be captured here.
      const codeHash = await this.issuer.issue(tx, code, {
        pseudonym,
        country: body.country ?? null,
        expiresOn,
        today,
      });
      await PayPalOrderRepository.insert(tx, {
        source,
        orderHash: this.keys.order(created.orderId),
        codeHash,
        amountMinor: body.amountMinor,
        currency: body.currency,
        expiresOn,
      });
    });
    return {
      orderId: created.orderId,
      ...(created.approveUrl !== undefined ? { approveUrl: created.approveUrl } : {}),
    };
  }

  /**
   * Captures an approved order and credits it. A capture asked for again (a
   * retry, or after the webhook already credited it) answers from the journal
   * and moves nothing; the same Idempotency-Key replays the first answer.
   */
  async capture(orderId: string, idempotencyKey?: string): Promise<StoredResponse<CaptureAnswer>> {
    const { gateway } = this.configured();
    // An id PayPal could never have issued is no order of ours: asked of no one.
    if (!ORDER_ID.test(orderId)) throw new PayPalOrderNotFound('This is not a PayPal order id.');
    const request = { scope: 'paypal-capture', body: { orderId } };
    // A key already answered (or used for another order) must not reach PayPal at all.
    const answered = await this.answeredBefore(idempotencyKey, request);
    if (answered) return answered;
    const orderHash = this.keys.order(orderId);
    const pending = await this.transactions.run((tx) =>
      PayPalOrderRepository.findOpen(tx, orderHash, this.clock.today()),
    );
    if (!pending) return this.captureSettledBefore(orderId, idempotencyKey);
    if (pending.state === 'pending') {
      return this.idempotency.run(idempotencyKey, request, 202, async () => ({
        status: 'pending',
      }));
    }
    let capture: PayPalCapture | undefined;
    if (pending.source === 'card') {
      // The card's 3-D Secure outcome decides before any money moves (decision record 0010).
      const order = await this.callPayPal(() => gateway.getOrder(orderId));
      if (!order) throw new PayPalOrderNotFound('PayPal does not know this order.');
      capture = order.capture;
      const decision = decideCardCapture(order.authentication);
      if (!capture && !decision.capture) {
        if (order.status !== 'APPROVED' && order.authentication === undefined)
          throw new PayPalOrderNotApproved(
            "The buyer has not entered a card in PayPal's card fields yet; nothing was captured.",
          );
        throw new CardAuthenticationRefused(
          `3-D Secure did not shift the liability to the card's issuer (${decision.why}); nothing was captured. The buyer may try again, with another card.`,
        );
      }
    }
    if (!capture) {
      const requestId = this.keys.captureRequestId(orderId, pending.captureAttempt);
      const result = await this.callPayPal(() => gateway.captureOrder(orderId, requestId));
      switch (result.kind) {
        case 'not-found':
          throw new PayPalOrderNotFound('PayPal does not know this order.');
        case 'not-approved':
          // Nothing was captured; the capture after the buyer's approval is a new request.
          await this.nextAttempt(orderHash);
          throw new PayPalOrderNotApproved(
            'The buyer must approve the order at PayPal first; nothing was captured.',
          );
        case 'declined':
          return this.declined(orderHash);
        case 'refused':
          return this.refused(orderId, `PayPal refused the payment (${result.issue})`);
        case 'in-progress':
          // PayPal is finishing an earlier capture: the same request id, later, gets its answer.
          throw new PayPalCaptureInProgress(
            'PayPal is still completing this order; nothing is lost. Ask again in a few seconds.',
          );
        case 'already-captured':
          capture = (await this.callPayPal(() => gateway.getOrder(orderId)))?.capture;
          if (!capture)
            throw new PayPalUnavailable('PayPal calls the order captured but shows none.');
          break;
        case 'captured':
          capture = result.capture;
      }
    }
    return this.settleCapture(capture, orderHash, idempotencyKey);
  }

  /** What a capture's status means for the money: every `capture_status` PayPal documents. */
  private async settleCapture(
    capture: PayPalCapture,
    orderHash: string,
    idempotencyKey: string | undefined,
  ): Promise<StoredResponse<CaptureAnswer>> {
    const request = { scope: 'paypal-capture', body: { orderId: capture.orderId } };
    switch (capture.status) {
      case 'COMPLETED':
        return this.idempotency.run(idempotencyKey, request, 200, (tx) =>
          this.settlement.settleCompleted(tx, capture),
        );
      case 'PENDING':
        // PayPal holds the money (e.g. a review); the completion webhook credits it.
        return this.idempotency.run(idempotencyKey, request, 202, async (tx) => {
          await PayPalOrderRepository.markPending(tx, orderHash);
          return { status: 'pending' as const };
        });
      case 'DECLINED':
      case 'FAILED':
        // The capture itself failed: no money moved, and this order cannot be captured again.
        return this.refused(
          capture.orderId,
          `PayPal ${capture.status === 'DECLINED' ? 'declined' : 'failed'} the capture`,
        );
      case 'REFUNDED':
      case 'PARTIALLY_REFUNDED':
        // Money came in and went (partly) back before the service heard of it:
        // it is journalled for staff, never credited; the refund comes as its own event.
        return this.idempotency.run(idempotencyKey, request, 200, (tx) =>
          this.settlement.settleRefundedBeforeCredit(tx, capture),
        );
    }
  }

  /** No open order by this id: either settled before (answer as then) or not ours. */
  private async captureSettledBefore(
    orderId: string,
    idempotencyKey: string | undefined,
  ): Promise<StoredResponse<CaptureAnswer>> {
    const { gateway } = this.configured();
    const order = await this.callPayPal(() => gateway.getOrder(orderId));
    const capture = order?.capture;
    const notFound = () =>
      new PayPalOrderNotFound('No open or credited PayPal order of this service has this id.');
    if (!capture) throw notFound();
    return this.idempotency.run(
      idempotencyKey,
      { scope: 'paypal-capture', body: { orderId } },
      200,
      async (tx) => {
        const earlier = await this.settlement.answerFor(tx, capture.captureId);
        if (!earlier) throw notFound();
        return earlier;
      },
    );
  }

  /**
   * The stored answer for an Idempotency-Key, if there is one; 422 if the key
   * was used for another request. Asked through Idempotency.run itself, with a
   * unit that rolls back when the key is new, so the rules stay in one place.
   */
  private async answeredBefore(
    key: string | undefined,
    request: { scope: string; body: unknown },
  ): Promise<StoredResponse<CaptureAnswer> | undefined> {
    if (key === undefined) return undefined;
    try {
      return await this.idempotency.run<CaptureAnswer>(key, request, 200, () => {
        throw new KeyNotAnsweredYet();
      });
    } catch (error) {
      if (error instanceof KeyNotAnsweredYet) return undefined;
      throw error;
    }
  }

  /** PayPal refused to capture: the next capture is a new attempt with a new PayPal-Request-Id. */
  private nextAttempt(orderHash: string): Promise<void> {
    return this.transactions.run((tx) => PayPalOrderRepository.nextCaptureAttempt(tx, orderHash));
  }

  /** A final refusal: nothing moved, the order is over; its code and link go, freeing the slot. */
  private async refused(orderId: string, what: string): Promise<never> {
    await this.transactions.run((tx) => this.settlement.forgetDenied(tx, orderId));
    throw new PayPalCaptureRefused(
      `${what}; nothing was credited and this order cannot be paid. Create a new order to try again.`,
    );
  }

  /** A declined capture moves nothing; the next capture, after a new approval, is a new attempt. */
  private async declined(orderHash: string): Promise<never> {
    await this.nextAttempt(orderHash);
    throw new PayPalCaptureDeclined(
      'PayPal declined the payment; nothing was credited. The buyer may approve the order again with another funding source.',
    );
  }

  private configured(): { gateway: PayPalGateway; paypal: PayPalConfig } {
    if (!this.gateway || !this.config.paypal)
      throw new PayPalNotConfigured('Set PAYPAL_CLIENT_ID and its companions to take PayPal.');
    return { gateway: this.gateway, paypal: this.config.paypal };
  }

  private async callPayPal<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof PayPalFailure) {
        // PayPal's status and issue codes only: no order id, nothing of the mailbox or payer.
        this.logger.warn({ paypal: error.message }, 'paypal call failed');
        throw new PayPalUnavailable(`${error.message}; nothing was changed. Try again.`);
      }
      throw error;
    }
  }
}
