import { Day } from '../common/day';
import { Channel } from '../ledger/channel';

/**
 * What a payment is, stored with it when it is taken in: money in (`credit`,
 * credited or left unmatched) or money that went back out, which is never
 * credited: a bank's or PayPal's `reversal`, PayPal's `refund` or `dispute`.
 */
export const PAYMENT_KINDS = ['credit', 'reversal', 'refund', 'dispute'] as const;
export type PaymentKind = (typeof PAYMENT_KINDS)[number];

export const UNMATCHED_REASONS = [
  'no-code',
  'unknown-code',
  'ambiguous-code',
  'currency',
  'amount-limit',
  'reversal',
] as const;
export type UnmatchedReason = (typeof UNMATCHED_REASONS)[number];

/**
 * What every channel turns its input into before it reaches the one intake
 * (DESIGN.md, "one path for money"). A fourth channel is a new builder of this.
 */
export interface ReceivedPayment {
  channel: Channel;
  /** The channel's own reference; with the channel, it makes the payment unique. */
  externalRef: string;
  amountMinor: number;
  currency: string;
  bookedOn: Day;
  payer?: { name?: string | null; iban?: string | null };
  /** The texts in which a code may stand (remittance lines, references). */
  texts: readonly string[];
  /** The remittance as people read it, kept on unmatched payments; the texts, joined, if absent. */
  remittance?: string | null;
  /** Bank texts are typed by people: a one-symbol typo may be corrected there. */
  correctTypos: boolean;
  /** `credit` when absent. */
  kind?: PaymentKind;
  /** A bank booking's identity across the messages that report it (bank-booking.repository.ts). */
  identity?: BookingIdentity;
}

/** Keyed digests that tell one bank booking from another across camt.052, .054 and .053. */
export interface BookingIdentity {
  /** Account, day, amount, direction, payer, texts, and which occurrence of them in the file. */
  content: string;
  /** The entry's reference (Ntry/AcctSvcrRef) with the detail's place in the entry. */
  entry: string | null;
  /** The detail's own reference (TxDtls/Refs/AcctSvcrRef). */
  detail: string | null;
}

export type IntakeOutcome =
  | { paymentId: string; status: 'credited' }
  | { paymentId: string; status: 'unmatched'; reason: UnmatchedReason }
  | { paymentId: string; status: 'duplicate' };
