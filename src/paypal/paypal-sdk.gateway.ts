import * as paypal from '@paypal/checkout-server-sdk';
import { z } from 'zod';
import { toPayPalValue } from '../config/paypal-currency';
import type { PayPalConfig } from '../config/app-config';
import {
  CAPTURE_STATUSES,
  CaptureResult,
  CreatedPayPalOrder,
  NewPayPalOrder,
  PayPalCapture,
  PayPalGateway,
  PayPalOrderView,
  PayPalFailure,
  toMinor,
} from './paypal.gateway';

/*
 * Only the fields the service uses are read out of PayPal's answers. The
 * payer (name, e-mail, payer id, address) and the card (brand, digits, expiry,
 * name, country) are never read, so they cannot end up in a row, a log line or
 * an error message; of a card, only its 3-D Secure outcome is.
 */
const moneySchema = z.object({ currency_code: z.string(), value: z.string() });
const captureSchema = z.object({
  id: z.string(),
  status: z.string(),
  amount: moneySchema,
  custom_id: z.string().optional(),
});
const authenticationSchema = z
  .object({
    liability_shift: z.string().optional(),
    three_d_secure: z
      .object({
        enrollment_status: z.string().optional(),
        authentication_status: z.string().optional(),
      })
      .optional(),
  })
  .optional();
const orderSchema = z.object({
  id: z.string(),
  status: z.string(),
  links: z.array(z.object({ rel: z.string(), href: z.string() })).optional(),
  payment_source: z
    .object({
      card: z.object({ authentication_result: authenticationSchema }).optional(),
      paypal: z.object({}).optional(),
    })
    .catchall(z.unknown())
    .optional(),
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

/** Capture refusals after which the buyer may approve again with another funding source. */
const APPROVE_AGAIN = new Set(['INSTRUMENT_DECLINED', 'REDIRECT_PAYER_FOR_ALTERNATE_FUNDING']);
/** Capture refusals that end the order: nothing the buyer does makes it capturable. */
const FINAL = new Set([
  'PAYER_CANNOT_PAY',
  'MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED',
  'PAYER_ACCOUNT_RESTRICTED',
  'PAYER_ACCOUNT_LOCKED_OR_CLOSED',
  'COMPLIANCE_VIOLATION',
  'TRANSACTION_LIMIT_EXCEEDED',
  'TRANSACTION_RECEIVING_LIMIT_EXCEEDED',
  'TRANSACTION_REFUSED',
  'TRANSACTION_BLOCKED_BY_PAYEE',
  'PAYEE_BLOCKED_TRANSACTION',
  'DECLINED_DUE_TO_RELATED_TXN',
  'CARD_BRAND_NOT_SUPPORTED',
  'PAYMENT_SOURCE_NOT_SUPPORTED',
  'DOMESTIC_TRANSACTION_REQUIRED',
  'NOT_ENABLED_FOR_CARD_PROCESSING',
  'PAYEE_NOT_ENABLED_FOR_CARD_PROCESSING',
]);

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
    const value = toPayPalValue(order.amountMinor, order.currency);
    if (value === undefined)
      throw new Error(`${order.amountMinor} ${order.currency} cannot be written for PayPal`);
    const request = new paypal.orders.OrdersCreateRequest();
    request.prefer('return=representation');
    const urls = {
      return_url: order.returnUrl,
      ...(order.cancelUrl ? { cancel_url: order.cancelUrl } : {}),
    };
    request.requestBody({
      intent: 'CAPTURE',
      purchase_units: [
        {
          amount: { currency_code: order.currency, value },
          // The code, never the mailbox: custom_id comes back on the capture and its webhooks.
          custom_id: order.reference,
          description: 'Prepaid mailbox top-up',
        },
      ],
      // experience_context, not the deprecated application_context (the spec's own example).
      payment_source:
        order.source === 'card'
          ? { card: { experience_context: urls } }
          : {
              paypal: {
                experience_context: {
                  // No shipping address is asked for: the less PayPal collects for us, the better.
                  shipping_preference: 'NO_SHIPPING',
                  user_action: 'PAY_NOW',
                  ...urls,
                },
              },
            },
    } as unknown as Parameters<typeof request.requestBody>[0]);
    const created = read(orderSchema, (await this.call(request)).result);
    const approve = created.links?.find((l) => l.rel === 'payer-action' || l.rel === 'approve');
    if (order.source === 'paypal' && !approve)
      throw new PayPalFailure('PayPal created an order without an approve link');
    return { orderId: created.id, approveUrl: approve?.href };
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
      const issue = failure.issues.find(
        (i) =>
          APPROVE_AGAIN.has(i) ||
          FINAL.has(i) ||
          ['ORDER_NOT_APPROVED', 'PAYER_ACTION_REQUIRED'].includes(i) ||
          ['ORDER_ALREADY_CAPTURED', 'ORDER_COMPLETION_IN_PROGRESS'].includes(i),
      );
      if (failure.status === 404) return { kind: 'not-found' };
      if (issue === 'ORDER_NOT_APPROVED' || issue === 'PAYER_ACTION_REQUIRED')
        return { kind: 'not-approved' };
      if (issue === 'ORDER_ALREADY_CAPTURED') return { kind: 'already-captured' };
      if (issue === 'ORDER_COMPLETION_IN_PROGRESS') return { kind: 'in-progress' };
      if (issue && APPROVE_AGAIN.has(issue)) return { kind: 'declined', issue };
      if (issue && FINAL.has(issue)) return { kind: 'refused', issue };
      throw new PayPalFailure(describe(failure));
    }
    let capture = firstCapture(read(orderSchema, result));
    // A minimal answer (no purchase units) still names the order: read the capture from it.
    if (!capture) capture = (await this.getOrder(orderId))?.capture;
    if (!capture) throw new PayPalFailure('PayPal answered a capture without a capture');
    return { kind: 'captured', capture };
  }

  async getOrder(orderId: string): Promise<PayPalOrderView | undefined> {
    let result: unknown;
    try {
      result = (await this.call(new paypal.orders.OrdersGetRequest(orderId))).result;
    } catch (error) {
      if ((error as { failure?: SdkFailure }).failure?.status === 404) return undefined;
      throw error;
    }
    const order = read(orderSchema, result);
    const source = order.payment_source;
    const card = source?.card;
    return {
      orderId: order.id,
      status: order.status,
      source: card ? 'card' : source?.paypal ? 'paypal' : source ? 'other' : undefined,
      authentication: card
        ? {
            liabilityShift: card.authentication_result?.liability_shift,
            enrollmentStatus: card.authentication_result?.three_d_secure?.enrollment_status,
            authenticationStatus: card.authentication_result?.three_d_secure?.authentication_status,
          }
        : undefined,
      capture: firstCapture(order),
    };
  }

  /**
   * Runs one SDK request. Failures become PayPalFailure carrying PayPal's
   * status and issue codes only: the SDK's own error holds the whole response
   * text, which may hold payer data, so it is never passed on or logged.
   */
  private async call(request: object): Promise<{ statusCode: number; result?: unknown }> {
    try {
      return await this.client.execute(request);
    } catch (error) {
      const status = (error as { statusCode?: unknown }).statusCode;
      if (typeof status !== 'number') {
        throw new PayPalFailure(`PayPal did not answer (${(error as Error)?.name ?? 'error'})`);
      }
      const failure: SdkFailure = { status, issues: issuesOf(error) };
      throw Object.assign(new PayPalFailure(describe(failure)), { failure });
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

/** PayPal's answer read through its schema; an answer without what the service needs is PayPal's fault. */
function read<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new PayPalFailure('PayPal answered without the fields it must send');
  return parsed.data;
}

function firstCapture(order: SdkOrder): PayPalCapture | undefined {
  const unit = order.purchase_units?.[0];
  const capture = unit?.payments?.captures?.[0];
  if (!capture) return undefined;
  const status = CAPTURE_STATUSES.find((s) => s === capture.status);
  if (!status) throw new PayPalFailure('PayPal answered a capture status it does not document');
  return {
    captureId: capture.id,
    orderId: order.id,
    status,
    ...toMinor(capture.amount),
    reference: capture.custom_id ?? unit?.custom_id ?? null,
  };
}
