import { AmountFormatError, fromPayPalValue } from '../config/paypal-currency';
/**
 * The port through which the service talks to PayPal's REST API. Only the SDK
 * adapter (paypal-sdk.gateway.ts) knows the SDK; everything else sees these
 * plain shapes, amounts already in minor units, and never any payer data: the
 * adapter does not even copy it out of PayPal's answers (nothing of a card
 * either, but the outcome of its 3-D Secure check).
 */
export interface PayPalGateway {
  /** Creates an order to capture at once; `reference` is the order's internal top-up code. */
  createOrder(order: NewPayPalOrder): Promise<CreatedPayPalOrder>;
  /**
   * Captures an approved order. PayPal answers a repeated `requestId` with the
   * first answer, so a retry after a lost response captures nothing twice.
   */
  captureOrder(orderId: string, requestId: string): Promise<CaptureResult>;
  /** The order's state and its capture, if any: for a capture asked for again. */
  getOrder(orderId: string): Promise<PayPalOrderView | undefined>;
}

export const PAYPAL_GATEWAY = Symbol('PAYPAL_GATEWAY');

/** How the buyer pays through PayPal: the PayPal wallet, or a card in PayPal's card fields. */
export type PaymentSource = 'paypal' | 'card';

export interface NewPayPalOrder {
  source: PaymentSource;
  amountMinor: number;
  currency: string;
  reference: string;
  returnUrl: string;
  cancelUrl?: string;
}

export interface CreatedPayPalOrder {
  orderId: string;
  /** Where the buyer approves a PayPal wallet payment; card fields need only the order id. */
  approveUrl: string | undefined;
}

/** Every `capture_status` of PayPal's Orders v2 specification. */
export const CAPTURE_STATUSES = [
  'COMPLETED',
  'PENDING',
  'DECLINED',
  'FAILED',
  'REFUNDED',
  'PARTIALLY_REFUNDED',
] as const;
export type CaptureStatus = (typeof CAPTURE_STATUSES)[number];

/** A capture as far as the service cares: what it is, how much, and for which order and code. */
export interface PayPalCapture {
  captureId: string;
  orderId: string;
  status: CaptureStatus;
  amountMinor: number;
  currency: string;
  /** The order's custom_id as PayPal echoes it: the internal code, or null. */
  reference: string | null;
}

/**
 * What PayPal answered a capture with. `declined`: this funding source failed,
 * the buyer may approve again with another one (a new attempt). `refused`:
 * final for this order, whatever the buyer does (`issue` is PayPal's code).
 * `in-progress`: PayPal is still completing an earlier request; ask again later
 * with the same request id.
 */
export type CaptureResult =
  | { kind: 'captured'; capture: PayPalCapture }
  /** The buyer has not approved the order (yet), or must approve it again. */
  | { kind: 'not-approved' }
  | { kind: 'declined'; issue: string }
  | { kind: 'refused'; issue: string }
  | { kind: 'in-progress' }
  | { kind: 'already-captured' }
  | { kind: 'not-found' };

/** The outcome of a card's 3-D Secure check, as PayPal reports it; nothing else of the card. */
export interface CardAuthentication {
  /** `liability_shift`: POSSIBLE, NO, UNKNOWN (absent: no 3-D Secure result at all). */
  liabilityShift: string | undefined;
  /** `three_d_secure.enrollment_status`: Y, N, U, B. */
  enrollmentStatus: string | undefined;
  /** `three_d_secure.authentication_status`: Y, N, U, A, C, R, D, I. */
  authenticationStatus: string | undefined;
}

export interface PayPalOrderView {
  orderId: string;
  status: string;
  /** Which payment source PayPal reports (undefined before the buyer chose one). */
  source: PaymentSource | 'other' | undefined;
  /** Only for a card: its 3-D Secure outcome. */
  authentication: CardAuthentication | undefined;
  capture: PayPalCapture | undefined;
}

/** PayPal did not answer, or answered in a way the service cannot use: nothing was decided. */
export class PayPalFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayPalFailure';
  }
}

/** PayPal's decimal strings in minor units; an amount the service cannot read is PayPal's fault, not a guess. */
export function toMinor(money: { currency_code: string; value: string }): {
  amountMinor: number;
  currency: string;
} {
  try {
    return {
      amountMinor: fromPayPalValue(money.value, money.currency_code),
      currency: money.currency_code,
    };
  } catch (error) {
    if (error instanceof AmountFormatError)
      throw new PayPalFailure('PayPal sent an amount the service cannot read');
    throw error;
  }
}
