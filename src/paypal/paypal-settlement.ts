import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { KeyedHash } from '../config/keyed-hash';
import { parseCode } from '../codes/code-format';
import { TopupCodeRepository } from '../codes/topup-code.repository';
import { Tx } from '../database/tx';
import { PaymentIntake } from '../payments/payment-intake';
import { PaymentRepository } from '../payments/payment.repository';
import { PendingPaymentRepository } from '../payments/settlement/pending-payment.repository';
import { Settlement } from '../payments/settlement/settlement.service';
import { Channel } from '../ledger/channel';
import { ReceivedPayment, UNMATCHED_REASONS } from '../payments/received-payment';
import { PayPalCapture } from './paypal.gateway';
import { PayPalOrderKeys } from './paypal-order.keys';
import { PayPalOrderRepository } from './paypal-order.repository';
import { CaptureAnswer } from './paypal.schemas';

/** Money that went back to the payer, or is claimed back: recorded, never credited. */
export interface PayPalReversal {
  kind: 'refund' | 'reversal' | 'dispute';
  /** PayPal's id of the refund, reversal or dispute. */
  id: string;
  amountMinor: number;
  currency: string;
  /** The capture it concerns, when PayPal says. */
  captureId: string | null;
  /** Why, in PayPal's words (a dispute reason code); never anything about the payer. */
  note: string | null;
}

/**
 * What the capture route and the webhooks share: each settles inside the
 * caller's transaction, through the one payment intake. The pending order
 * link goes in the same transaction as the credit; the intake's dedupe on
 * the capture id makes a second settlement (capture and webhook racing, a
 * retried webhook) a duplicate that moves nothing.
 */
@Injectable()
export class PayPalSettlement {
  constructor(
    @Inject(PaymentIntake) private readonly intake: PaymentIntake,
    @Inject(Settlement) private readonly settlement: Settlement,
    @Inject(PayPalOrderKeys) private readonly keys: PayPalOrderKeys,
    @Inject(KeyedHash) private readonly hash: KeyedHash,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async settleCompleted(tx: Tx, capture: PayPalCapture): Promise<CaptureAnswer> {
    const today = this.clock.today();
    const orderHash = this.keys.order(capture.orderId);
    const pending = await PayPalOrderRepository.lock(tx, orderHash);
    // The code is credited only through its pending order, and only if PayPal
    // echoes the very code that order was made with.
    const code = capture.reference ? parseCode(capture.reference) : undefined;
    const ours = pending && code?.ok && this.hash.code(code.canonical) === pending.codeHash;
    const payment: ReceivedPayment = {
      channel: pending?.source ?? (await this.channelOf(tx, capture.captureId)),
      externalRef: capture.captureId,
      amountMinor: capture.amountMinor,
      currency: capture.currency,
      bookedOn: today,
      texts: ours && code?.ok ? [code.canonical] : [],
      // PayPal's fields are machine-made: nothing to correct, nothing to guess.
      correctTypos: false,
    };
    // Credited the moment it is captured; its journal row waits for the next settlement.
    const outcome = await this.intake.take(tx, payment, { kind: 'journal-later', settleOn: today });
    if (outcome.status === 'credited') this.settlement.codesErased();
    if (pending) await PayPalOrderRepository.delete(tx, orderHash);
    if (outcome.status === 'credited') return { status: 'credited' };
    if (outcome.status === 'unmatched') return { status: 'unmatched', reason: outcome.reason };
    const earlier = await this.answerFor(tx, capture.captureId);
    if (!earlier) throw new Error('the intake called a capture a duplicate the journal lacks');
    return earlier;
  }

  /**
   * A capture PayPal shows refunded (in part or whole) before the service ever
   * credited it: money came in and went back, so it is journalled for staff
   * (no code: never credited). The order and its code are left to expire: deleting
   * the code here would write the mailbox's row in the journal row's transaction.
   * The refund is its own event.
   */
  async settleRefundedBeforeCredit(tx: Tx, capture: PayPalCapture): Promise<CaptureAnswer> {
    const earlier = await this.answerFor(tx, capture.captureId);
    if (earlier) return earlier;
    const pending = await PayPalOrderRepository.lock(tx, this.keys.order(capture.orderId));
    const today = this.clock.today();
    const outcome = await this.intake.take(
      tx,
      {
        channel: pending?.source ?? (await this.channelOf(tx, capture.captureId)),
        externalRef: capture.captureId,
        amountMinor: capture.amountMinor,
        currency: capture.currency,
        bookedOn: today,
        texts: [],
        remittance: `PayPal capture ${capture.status.toLowerCase().replace('_', ' ')} before it was credited`,
        correctTypos: false,
      },
      { kind: 'journal-later', settleOn: today },
    );
    if (outcome.status === 'unmatched') return { status: 'unmatched', reason: outcome.reason };
    return (await this.answerFor(tx, capture.captureId)) ?? { status: 'unmatched' };
  }

  /**
   * The channel a capture was taken as, when its order is gone: a card's
   * capture is journalled as `card`, so a webhook that comes after the capture
   * route (or a refund of it) must find it there, not record it again as `paypal`.
   */
  async channelOf(tx: Tx, captureId: string): Promise<Channel> {
    const card =
      (await PaymentRepository.entryByRef(tx, 'card', captureId)) ??
      (await PendingPaymentRepository.findByRef(tx, 'card', captureId));
    return card ? 'card' : 'paypal';
  }

  /** What the journal says of a capture settled before; undefined if it holds none. */
  async answerFor(tx: Tx, captureId: string): Promise<CaptureAnswer | undefined> {
    const channel = await this.channelOf(tx, captureId);
    const entry =
      (await PaymentRepository.entryByRef(tx, channel, captureId)) ??
      (await PendingPaymentRepository.findByRef(tx, channel, captureId));
    if (!entry) return undefined;
    if (entry.status === 'credited') return { status: 'credited' };
    const reason = UNMATCHED_REASONS.find((r) => r === entry.reason);
    return reason ? { status: 'unmatched', reason } : { status: 'unmatched' };
  }

  async markPending(tx: Tx, orderId: string): Promise<void> {
    await PayPalOrderRepository.markPending(tx, this.keys.order(orderId));
  }

  /** A pending capture PayPal then denied: the order is over; its code and link go. */
  async forgetDenied(tx: Tx, orderId: string): Promise<void> {
    const orderHash = this.keys.order(orderId);
    const pending = await PayPalOrderRepository.lock(tx, orderHash);
    if (!pending) return;
    await TopupCodeRepository.claim(tx, pending.codeHash, this.clock.today());
    await PayPalOrderRepository.delete(tx, orderHash);
  }

  /** An order whose approval PayPal reversed before it was captured: over, unless PayPal holds a capture. */
  async forgetUncaptured(tx: Tx, orderId: string): Promise<void> {
    const pending = await PayPalOrderRepository.lock(tx, this.keys.order(orderId));
    if (pending?.state === 'created') await this.forgetDenied(tx, orderId);
  }

  /**
   * Refunds, reversals and disputes go into the journal through the intake
   * with their kind: unmatched with reason 'reversal', never credited, linked
   * to no code (the order's code is not passed on, so it is never written in
   * clear). Their references are prefixed by kind, so PayPal's redelivery of an
   * event is a duplicate.
   */
  async recordReversal(tx: Tx, reversal: PayPalReversal): Promise<void> {
    const today = this.clock.today();
    const what = { refund: 'refund', reversal: 'reversal', dispute: 'dispute' }[reversal.kind];
    const remittance = [
      `PayPal ${what}`,
      reversal.captureId ? `of capture ${reversal.captureId}` : null,
      reversal.note ? `(${reversal.note})` : null,
    ]
      .filter(Boolean)
      .join(' ');
    await this.intake.take(
      tx,
      {
        // A card's refund or dispute is the card channel's, as its capture was.
        channel: reversal.captureId ? await this.channelOf(tx, reversal.captureId) : 'paypal',
        externalRef: `${reversal.kind}:${reversal.id}`,
        amountMinor: reversal.amountMinor,
        currency: reversal.currency,
        bookedOn: today,
        texts: [],
        remittance,
        correctTypos: false,
        kind: reversal.kind,
      },
      { kind: 'journal-later', settleOn: today },
    );
  }
}
