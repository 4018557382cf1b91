import * as paypal from '@paypal/checkout-server-sdk';
import { z } from 'zod';
import { AmountFormatError, formatMinor, parseDecimalToMinor } from '../common/money';
import type { PayPalConfig } from '../config/app-config';
import {
  CaptureResult,
  CreatedPayPalOrder,
  NewPayPalOrder,
  PayPalCapture,
  PayPalGateway,
  PayPalOrderView,
  PayPalUnreachable,
} from './paypal.gateway';

/*
 * Only the fields the service uses are read out of PayPal's answers. The
 * payer (name, e-mail, payer id, address) is never read, so it cannot end up
 * in a row, a log line or an error message.
 */
const moneySchema = z.object({ currency_code: z.string(), value: z.string() });
const captureSchema = z.object({
  id: z.string(),
  status: z.string(),
  amount: moneySchema,
  custom_id: z.string().optional(),
});
const orderSchema = z.object({
  id: z.string(),
  status: z.string(),
  links: z.array(z.object({ rel: z.string(), href: z.string() })).optional(),
  purchase_units: z
    .array(
      z.object({
        custom_id: z.string().optional(),
        payments: z.object({ captures: z.array(captureSchema).optional() }).optional(),
      }),
    )
    .optional(),
});
const errorSchema = z.object({
  name: z.string().optional(),
  details: z.array(z.object({ issue: z.string() })).optional(),
});

type SdkOrder = z.infer<typeof orderSchema>;

/** What an SDK call failed with: PayPal's HTTP status and issue codes, or nothing (no answer). */
interface SdkFailure {
  status: number | undefined;
  issues: string[];
}

/**
 * The PayPal port on @paypal/checkout-server-sdk 1.0.3 (Orders v2). The SDK is
 * deprecated upstream; docs/decisions/0003-paypal-sdk.md says why it is kept
 * and why replacing it touches this file only.
 */
export class SdkPayPalGateway implements PayPalGateway {
  private readonly client: paypal.core.PayPalHttpClient;

  constructor(private readonly config: PayPalConfig) {
    // PayPalEnvironment takes any origin: the sandbox, live, or the stand-in on loopback.
    const environment = new paypal.core.PayPalEnvironment(
      config.clientId,
      config.clientSecret,
      config.apiBase,
      config.apiBase,
    );
    this.client = new paypal.core.PayPalHttpClient(environment);
  }

  async createOrder(order: NewPayPalOrder): Promise<CreatedPayPalOrder> {
    const request = new paypal.orders.OrdersCreateRequest();
    request.prefer('return=representation');
    request.requestBody({
      intent: 'CAPTURE',
      purchase_units: [
        {
          amount: {
            currency_code: order.currency,
            value: formatMinor(order.amountMinor, order.currency),
          },
          // The code, never the mailbox: custom_id comes back on the capture and its webhooks.
          custom_id: order.reference,
          description: 'Prepaid mailbox top-up',
        },
      ],
      application_context: {
        // No shipping address is asked for: the less PayPal collects for us, the better.
        shipping_preference: 'NO_SHIPPING',
        user_action: 'PAY_NOW',
        ...(order.returnUrl ? { return_url: order.returnUrl } : {}),
        ...(order.cancelUrl ? { cancel_url: order.cancelUrl } : {}),
      },
    });
    const created = orderSchema.parse((await this.call(request)).result);
    const approve = created.links?.find((l) => l.rel === 'approve' || l.rel === 'payer-action');
    if (!approve) throw new PayPalUnreachable('PayPal created an order without an approve link');
    return { orderId: created.id, approveUrl: approve.href };
  }

  async captureOrder(orderId: string, requestId: string): Promise<CaptureResult> {
    const request = new paypal.orders.OrdersCaptureRequest(orderId);
    request.payPalRequestId(requestId);
    request.prefer('return=representation');
    let result: unknown;
    try {
      result = (await this.call(request)).result;
    } catch (error) {
      const failure = (error as { failure?: SdkFailure }).failure;
      if (!failure) throw error;
      const issue = (name: string) => failure.issues.includes(name);
      if (failure.status === 404) return { kind: 'not-found' };
      if (issue('ORDER_NOT_APPROVED') || issue('PAYER_ACTION_REQUIRED'))
        return { kind: 'not-approved' };
      if (issue('INSTRUMENT_DECLINED') || issue('TRANSACTION_REFUSED')) return { kind: 'declined' };
      if (issue('ORDER_ALREADY_CAPTURED')) return { kind: 'already-captured' };
      throw new PayPalUnreachable(describe(failure));
    }
    const capture = firstCapture(orderSchema.parse(result));
    if (!capture) throw new PayPalUnreachable('PayPal answered a capture without a capture');
    return { kind: 'captured', capture };
  }

  async getOrder(orderId: string): Promise<PayPalOrderView | undefined> {
    try {
      const order = orderSchema.parse(
        (await this.call(new paypal.orders.OrdersGetRequest(orderId))).result,
      );
      return { orderId: order.id, status: order.status, capture: firstCapture(order) };
    } catch (error) {
      if ((error as { failure?: SdkFailure }).failure?.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * Runs one SDK request. Failures become PayPalUnreachable carrying PayPal's
   * status and issue codes only: the SDK's own error holds the whole response
   * text, which may hold payer data, so it is never passed on or logged.
   */
  private async call(request: object): Promise<{ statusCode: number; result?: unknown }> {
    try {
      return await this.client.execute(request);
    } catch (error) {
      const status = (error as { statusCode?: unknown }).statusCode;
      if (typeof status !== 'number') {
        throw new PayPalUnreachable(`PayPal did not answer (${(error as Error)?.name ?? 'error'})`);
      }
      const failure: SdkFailure = { status, issues: issuesOf(error) };
      throw Object.assign(new PayPalUnreachable(describe(failure)), { failure });
    }
  }

  /** The client secret is in here: a log line or an error dump shows the origin only. */
  toJSON(): object {
    return { apiBase: this.config.apiBase };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): object {
    return this.toJSON();
  }
}

function issuesOf(error: unknown): string[] {
  try {
    const body = errorSchema.parse(JSON.parse(String((error as { message?: unknown }).message)));
    return [...(body.details ?? []).map((d) => d.issue), ...(body.name ? [body.name] : [])];
  } catch {
    return [];
  }
}

function describe(failure: SdkFailure): string {
  return `PayPal answered ${failure.status ?? 'nothing'}${failure.issues.length ? ` (${failure.issues.join(', ')})` : ''}`;
}

function firstCapture(order: SdkOrder): PayPalCapture | undefined {
  const unit = order.purchase_units?.[0];
  const capture = unit?.payments?.captures?.[0];
  if (!capture) return undefined;
  const status = (['COMPLETED', 'PENDING', 'DECLINED'] as const).find((s) => s === capture.status);
  return {
    captureId: capture.id,
    orderId: order.id,
    status: status ?? (capture.status === 'FAILED' ? 'DECLINED' : 'OTHER'),
    ...toMinor(capture.amount),
    reference: capture.custom_id ?? unit?.custom_id ?? null,
  };
}

/** PayPal's decimal strings in minor units; an amount the service cannot read is PayPal's fault, not a guess. */
export function toMinor(money: { currency_code: string; value: string }): {
  amountMinor: number;
  currency: string;
} {
  try {
    return {
      amountMinor: parseDecimalToMinor(money.value.replace(/^-/, ''), money.currency_code),
      currency: money.currency_code,
    };
  } catch (error) {
    if (error instanceof AmountFormatError)
      throw new PayPalUnreachable('PayPal sent an amount the service cannot read');
    throw error;
  }
}
