/**
 * The port through which the service talks to PayPal's REST API. Only the SDK
 * adapter (paypal-sdk.gateway.ts) knows the SDK; everything else sees these
 * plain shapes, amounts already in minor units, and never any payer data: the
 * adapter does not even copy it out of PayPal's answers.
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

export interface NewPayPalOrder {
  amountMinor: number;
  currency: string;
  reference: string;
  returnUrl?: string;
  cancelUrl?: string;
}

export interface CreatedPayPalOrder {
  orderId: string;
  approveUrl: string;
}

/** A capture as far as the service cares: what it is, how much, and for which order and code. */
export interface PayPalCapture {
  captureId: string;
  orderId: string;
  status: 'COMPLETED' | 'PENDING' | 'DECLINED' | 'OTHER';
  amountMinor: number;
  currency: string;
  /** The order's custom_id as PayPal echoes it: the internal code, or null. */
  reference: string | null;
}

export type CaptureResult =
  | { kind: 'captured'; capture: PayPalCapture }
  /** The buyer has not approved the order (yet), or must approve it again. */
  | { kind: 'not-approved' }
  /** PayPal refused the funding source; the buyer may approve again with another one. */
  | { kind: 'declined' }
  | { kind: 'already-captured' }
  | { kind: 'not-found' };

export interface PayPalOrderView {
  orderId: string;
  status: string;
  capture: PayPalCapture | undefined;
}

/** PayPal did not answer, or answered in a way the service cannot use: nothing was decided. */
export class PayPalUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayPalUnreachable';
  }
}
