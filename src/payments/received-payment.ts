import { Day } from '../common/day';

/** `card`: a card paid through PayPal's card fields, a channel of its own in every report. */
export const CHANNELS = ['bank', 'cash', 'paypal', 'card'] as const;
export type Channel = (typeof CHANNELS)[number];

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
  reversal?: boolean;
}

export type IntakeOutcome =
  | { paymentId: string; status: 'credited' }
  | { paymentId: string; status: 'unmatched'; reason: UnmatchedReason }
  | { paymentId: string; status: 'duplicate' };
