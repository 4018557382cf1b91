import { randomBytes, randomUUID, sign } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { makeTestCertificate, TestCertificate } from './test-certificate';

/*
 * A stand-in for the parts of PayPal's REST API the service uses, as a real
 * HTTP server on loopback: OAuth token, Orders v2 (create, get, capture with
 * PayPal-Request-Id), the buyer's approval (a GET on the approve link), the
 * webhook signing certificate, and signed webhook delivery.
 *
 * How a capture ends:
 * - by amount: a value ending in .91 is DECLINED, in .92 PENDING, else COMPLETED;
 * - or per order, at approval: `GET /checkoutnow?token=ID&capture=PENDING` or the
 *   header `Fake-PayPal-Capture: DECLINED` on that GET. `DECLINED` is PayPal's 422
 *   INSTRUMENT_DECLINED; `STATUS_<S>` a 201 whose capture_status is S (DECLINED,
 *   FAILED, PENDING, COMPLETED); any other upper-case word a 422 with that issue
 *   (REDIRECT_PAYER_FOR_ALTERNATE_FUNDING, PAYER_CANNOT_PAY, ORDER_COMPLETION_IN_PROGRESS, …).
 *
 * Cards: an order created with `payment_source.card` is paid the way PayPal's
 * card fields do it, `POST /v2/checkout/orders/{id}/confirm-payment-source`
 * with the card; the card's number picks its 3-D Secure outcome (TEST_CARDS).
 *
 * Requests and answers follow PayPal's published specification
 * (../shared/paypal-openapi): every exchange is kept in `exchanges` so that a
 * test can validate it against that document.
 * A pending capture ends with POST /fake/captures/{id}/complete or /deny; refunds,
 * reversals and disputes with POST /fake/captures/{id}/refund, /reverse, /dispute.
 */

/** COMPLETED, PENDING, DECLINED (422 INSTRUMENT_DECLINED), STATUS_<capture_status>, or a 422 issue code. */
export type CaptureOutcome = string;

/** 3-D Secure outcomes of the stand-in's test cards, as PayPal's sandbox cards give them. */
export const TEST_CARDS = {
  /** Authenticated: liability shifted to the issuer. */
  threeDsPassed: '4000000000002701',
  /** Not enrolled in 3-D Secure: no liability shift. */
  noThreeDs: '4111111111111111',
  /** Enrolled, authentication failed. */
  threeDsFailed: '4000000000002925',
  /** The issuer's 3-D Secure service was unavailable. */
  threeDsUnavailable: '4000000000002719',
  /** Authenticated, then declined by the issuer at capture (a 201 with capture_status DECLINED). */
  declinedAtCapture: '4000000000000002',
} as const;

const AUTHENTICATION: Record<string, object | undefined> = {
  [TEST_CARDS.threeDsPassed]: {
    liability_shift: 'POSSIBLE',
    three_d_secure: { enrollment_status: 'Y', authentication_status: 'Y' },
  },
  [TEST_CARDS.noThreeDs]: { liability_shift: 'NO', three_d_secure: { enrollment_status: 'N' } },
  [TEST_CARDS.threeDsFailed]: {
    liability_shift: 'NO',
    three_d_secure: { enrollment_status: 'Y', authentication_status: 'N' },
  },
  [TEST_CARDS.threeDsUnavailable]: {
    liability_shift: 'UNKNOWN',
    three_d_secure: { enrollment_status: 'U', authentication_status: 'U' },
  },
  [TEST_CARDS.declinedAtCapture]: {
    liability_shift: 'POSSIBLE',
    three_d_secure: { enrollment_status: 'Y', authentication_status: 'Y' },
  },
};

/** One API call as the service made it and the stand-in answered it. */
export interface Exchange {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  status: number;
  answer: unknown;
}

/** PayPal's currencies and the decimals it takes (HUF, JPY and TWD whole). */
const PAYPAL_DECIMALS: Record<string, number> = Object.fromEntries([
  ...'AUD BRL CAD CNY CZK DKK EUR HKD ILS MYR MXN NZD NOK PHP PLN GBP SGD SEK CHF THB USD'
    .split(' ')
    .map((c) => [c, 2]),
  ['HUF', 0],
  ['JPY', 0],
  ['TWD', 0],
]);
export type WebhookTiming = 'before-response' | 'concurrent' | 'after-response' | 'manual';

/** The buyer PayPal would know; the service must never keep any of it. */
export interface FakePayer {
  givenName: string;
  surname: string;
  email: string;
  payerId: string;
}

export interface FakePayPalOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** When set, the OAuth token endpoint checks them; otherwise any client is let in. */
  clientId?: string;
  clientSecret?: string;
  webhookId?: string;
  /** Where signed webhooks go; without it, events are only recorded. */
  webhookUrl?: string;
  webhookTiming?: WebhookTiming;
  payer?: FakePayer;
  /** The webhook signing certificate; a fresh self-signed one by default. */
  certificate?: TestCertificate;
}

interface Money {
  currency_code: string;
  value: string;
}

interface FakeCard {
  number: string;
  name: string;
  expiry: string;
}

interface FakeCapture {
  id: string;
  orderId: string;
  status: string;
  amount: Money;
  customId: string | undefined;
}

interface FakeOrder {
  id: string;
  status: 'CREATED' | 'APPROVED' | 'PAYER_ACTION_REQUIRED' | 'COMPLETED' | 'VOIDED';
  amount: Money;
  customId: string | undefined;
  description: string | undefined;
  outcome: CaptureOutcome | undefined;
  capture: FakeCapture | undefined;
  source: 'paypal' | 'card';
  /** The card the buyer typed into PayPal's card fields: PayPal's, never the service's. */
  card: FakeCard | undefined;
  /** Everything the service sent when it created the order, to assert on. */
  request: unknown;
}

export interface SignedEvent {
  headers: Record<string, string>;
  body: string;
}

export interface Delivery extends SignedEvent {
  eventType: string;
  /** The service's answer, or 0 when it could not be reached. */
  status: number;
  answer: string;
}

interface StoredAnswer {
  status: number;
  body: unknown;
  /** False for an answer PayPal does not keep for the request id (work still in progress). */
  replayable?: boolean;
}

const CAPTURE_HEADER = 'fake-paypal-capture';

export class FakePayPal {
  readonly webhookId: string;
  readonly orders = new Map<string, FakeOrder>();
  readonly deliveries: Delivery[] = [];
  /** Every API request as the service sent it (method, path, headers), for assertions. */
  readonly requests: { method: string; path: string; headers: IncomingMessage['headers'] }[] = [];
  /** Every API call with its answer (the OAuth token and PayPal's documented REST paths). */
  readonly exchanges: Exchange[] = [];
  /** Rewrites an answer before it is sent: a PayPal that answers what its spec does not promise. */
  tamper: ((path: string, status: number, body: unknown) => unknown) | undefined;
  webhookUrl: string | undefined;
  webhookTiming: WebhookTiming;
  readonly payer: FakePayer;

  private certificate: TestCertificate;
  private certName = `CERT-fake-${randomBytes(6).toString('hex')}`;
  private readonly tokens = new Set<string>();
  private readonly captureAnswers = new Map<string, StoredAnswer>();
  private readonly captures = new Map<string, FakeCapture>();
  private readonly pendingDeliveries = new Set<Promise<unknown>>();
  private server: Server | undefined;
  private origin = '';

  constructor(private readonly options: FakePayPalOptions = {}) {
    this.webhookId = options.webhookId ?? `WH-FAKE-${randomBytes(6).toString('hex').toUpperCase()}`;
    this.webhookUrl = options.webhookUrl;
    this.certificate = options.certificate ?? makeTestCertificate();
    this.webhookTiming = options.webhookTiming ?? 'after-response';
    this.payer = options.payer ?? {
      givenName: 'Erika',
      surname: 'Mustermann',
      email: 'erika.mustermann@example.com',
      payerId: 'QYR5Z8XDVJNXQ',
    };
  }

  /** The API origin, as PAYPAL_API_BASE. */
  get baseUrl(): string {
    return this.origin;
  }

  get certUrl(): string {
    return `${this.origin}/v1/notifications/certs/${this.certName}`;
  }

  /** The root the signing certificate chains to: what the service must trust (PAYPAL_CERT_CA_FILE). */
  get rootPem(): string {
    return this.certificate.rootPem;
  }

  /** Signs from now on with another certificate, served under a new URL. */
  useCertificate(certificate: TestCertificate): void {
    this.certificate = certificate;
    this.certName = `CERT-fake-${randomBytes(6).toString('hex')}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        if (!res.headersSent)
          send(res, 500, { name: 'INTERNAL_SERVER_ERROR', message: String(error) });
      });
    });
    const { host = '127.0.0.1', port = 8099 } = this.options;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.origin = `http://${host}:${address.port}`;
    return this;
  }

  async stop(): Promise<void> {
    await this.settled();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  /** Waits until every webhook delivery started so far has been answered. */
  async settled(): Promise<void> {
    while (this.pendingDeliveries.size > 0) await Promise.allSettled([...this.pendingDeliveries]);
  }

  // --- the buyer and PayPal's back office, for tests -------------------------

  /** The buyer approves at PayPal, as the GET on the approve link does. */
  approve(orderId: string, outcome?: CaptureOutcome): void {
    const order = this.orders.get(orderId);
    if (!order || order.status === 'COMPLETED') throw new Error(`cannot approve ${orderId}`);
    order.status = 'APPROVED';
    order.outcome = outcome ?? order.outcome;
  }

  /**
   * PayPal captures an approved order whose answer never reaches the service
   * (a lost response): only the webhook that follows tells it.
   */
  async captureDirectly(
    orderId: string,
    options: { silent?: boolean } = {},
  ): Promise<StoredAnswer> {
    const answer = this.captureNow(orderId);
    const capture = this.orders.get(orderId)?.capture;
    if (options.silent) return answer;
    if (answer.status === 201 && capture?.status === 'PENDING')
      await this.deliver('PAYMENT.CAPTURE.PENDING', 'capture', this.captureResource(capture));
    if (answer.status === 201 && capture?.status === 'COMPLETED')
      await this.deliver('PAYMENT.CAPTURE.COMPLETED', 'capture', this.captureResource(capture));
    return answer;
  }

  /** The single capture of an order, once captured. */
  captureOf(orderId: string): FakeCapture | undefined {
    return this.orders.get(orderId)?.capture;
  }

  /** PayPal completes a pending capture and tells the service. */
  completePending(captureId: string): Promise<Delivery | undefined> {
    const capture = this.requireCapture(captureId);
    capture.status = 'COMPLETED';
    return this.deliver('PAYMENT.CAPTURE.COMPLETED', 'capture', this.captureResource(capture));
  }

  denyPending(captureId: string): Promise<Delivery | undefined> {
    const capture = this.requireCapture(captureId);
    capture.status = 'DECLINED';
    return this.deliver('PAYMENT.CAPTURE.DENIED', 'capture', this.captureResource(capture));
  }

  /** A pending capture the processor declines (cards): PAYMENT.CAPTURE.DECLINED. */
  declinePending(captureId: string): Promise<Delivery | undefined> {
    const capture = this.requireCapture(captureId);
    capture.status = 'DECLINED';
    return this.deliver('PAYMENT.CAPTURE.DECLINED', 'capture', this.captureResource(capture));
  }

  /** PayPal tells that the buyer approved: CHECKOUT.ORDER.APPROVED with the order. */
  sendApproved(orderId: string): Promise<Delivery | undefined> {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`no order ${orderId}`);
    return this.deliver('CHECKOUT.ORDER.APPROVED', 'checkout-order', this.orderBody(order));
  }

  /** PayPal undoes an approval before any capture: CHECKOUT.PAYMENT-APPROVAL.REVERSED. */
  reverseApproval(orderId: string): Promise<Delivery | undefined> {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`no order ${orderId}`);
    order.status = 'VOIDED';
    return this.deliver('CHECKOUT.PAYMENT-APPROVAL.REVERSED', 'checkout-order', {
      order_id: orderId,
      purchase_units: [{ reference_id: 'default', custom_id: order.customId }],
    });
  }

  /** The buyer pays a card order in PayPal's card fields (the browser's call, not the service's). */
  async payByCard(orderId: string, number: string = TEST_CARDS.threeDsPassed): Promise<number> {
    const response = await fetch(
      `${this.origin}/v2/checkout/orders/${orderId}/confirm-payment-source`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.buyerToken()}`,
        },
        body: JSON.stringify({
          payment_source: {
            card: {
              number,
              expiry: '2030-12',
              security_code: '123',
              name: `${this.payer.givenName} ${this.payer.surname}`,
            },
          },
        }),
      },
    );
    await response.text();
    return response.status;
  }

  refund(
    captureId: string,
    kind: 'refund' | 'reversal' | 'partial-refund' = 'refund',
  ): Promise<Delivery | undefined> {
    const capture = this.requireCapture(captureId);
    capture.status =
      kind === 'refund'
        ? 'REFUNDED'
        : kind === 'partial-refund'
          ? 'PARTIALLY_REFUNDED'
          : 'REVERSED';
    const id = paypalId();
    return this.deliver(
      kind === 'reversal' ? 'PAYMENT.CAPTURE.REVERSED' : 'PAYMENT.CAPTURE.REFUNDED',
      'refund',
      {
        id,
        status: 'COMPLETED',
        amount:
          kind === 'refund'
            ? capture.amount
            : { ...capture.amount, value: `-${capture.amount.value}` },
        // PayPal echoes the capture's custom_id (here: the internal code) on refunds.
        custom_id: capture.customId,
        note_to_payer: 'Refund',
        seller_payable_breakdown: { gross_amount: capture.amount },
        create_time: new Date().toISOString(),
        links: [
          { rel: 'self', href: `${this.origin}/v2/payments/refunds/${id}`, method: 'GET' },
          { rel: 'up', href: `${this.origin}/v2/payments/captures/${captureId}`, method: 'GET' },
        ],
      },
    );
  }

  dispute(
    captureId: string,
    reason = 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED',
  ): Promise<Delivery | undefined> {
    const capture = this.requireCapture(captureId);
    return this.deliver('CUSTOMER.DISPUTE.CREATED', 'dispute', {
      dispute_id: `PP-D-${Math.floor(Math.random() * 1e6)}`,
      create_time: new Date().toISOString(),
      disputed_transactions: [
        {
          seller_transaction_id: captureId,
          buyer_transaction_id: paypalId(),
          custom: capture.customId,
          buyer: { name: `${this.payer.givenName} ${this.payer.surname}`, email: this.payer.email },
          gross_amount: capture.amount,
        },
      ],
      reason,
      status: 'OPEN',
      dispute_amount: capture.amount,
      dispute_life_cycle_stage: 'INQUIRY',
      dispute_channel: 'INTERNAL',
    });
  }

  /** A webhook signed as PayPal signs it, not sent: for replays and tampering. */
  signEvent(eventType: string, resourceType: string, resource: object): SignedEvent {
    const event = {
      id: `WH-${randomBytes(8).toString('hex').toUpperCase()}`,
      event_version: '1.0',
      create_time: new Date().toISOString(),
      resource_type: resourceType,
      resource_version: '2.0',
      event_type: eventType,
      summary: `${eventType} (fake)`,
      resource,
      links: [],
    };
    // Pretty-printed on purpose: the signature covers these bytes, not a re-serialisation.
    const body = JSON.stringify(event, null, 2);
    return { headers: this.signatureHeaders(body), body };
  }

  signatureHeaders(body: string, webhookId = this.webhookId): Record<string, string> {
    const transmissionId = randomUUID();
    const time = new Date().toISOString();
    const message = `${transmissionId}|${time}|${webhookId}|${crc32(Buffer.from(body))}`;
    return {
      'content-type': 'application/json',
      'paypal-transmission-id': transmissionId,
      'paypal-transmission-time': time,
      'paypal-transmission-sig': sign(
        'sha256',
        Buffer.from(message),
        this.certificate.privateKey,
      ).toString('base64'),
      'paypal-cert-url': this.certUrl,
      'paypal-auth-algo': 'SHA256withRSA',
    };
  }

  /** Signs and POSTs an event to webhookUrl; resolves with what the service answered. */
  async deliver(
    eventType: string,
    resourceType: string,
    resource: object,
  ): Promise<Delivery | undefined> {
    const signed = this.signEvent(eventType, resourceType, resource);
    if (!this.webhookUrl) {
      this.deliveries.push({ eventType, ...signed, status: 0, answer: 'no webhook url' });
      return undefined;
    }
    const delivery = this.post(eventType, signed);
    this.pendingDeliveries.add(delivery);
    try {
      return await delivery;
    } finally {
      this.pendingDeliveries.delete(delivery);
    }
  }

  private async post(eventType: string, signed: SignedEvent): Promise<Delivery> {
    let status = 0;
    let answer = '';
    try {
      const response = await fetch(this.webhookUrl!, {
        method: 'POST',
        headers: signed.headers,
        body: signed.body,
      });
      status = response.status;
      answer = await response.text();
    } catch (error) {
      answer = String(error);
    }
    const delivery = { eventType, ...signed, status, answer };
    this.deliveries.push(delivery);
    return delivery;
  }

  private requireCapture(captureId: string): FakeCapture {
    const capture = this.captures.get(captureId);
    if (!capture) throw new Error(`no capture ${captureId}`);
    return capture;
  }

  // --- HTTP -----------------------------------------------------------------

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The SDK appends "?" to every path; URL parsing drops it.
    const url = new URL(req.url ?? '/', this.origin);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    this.requests.push({ method, path, headers: req.headers });

    if (method === 'POST' && path === '/v1/oauth2/token') return this.token(req, res);
    if (method === 'GET' && path === '/checkoutnow') return this.approval(req, res, url);
    if (method === 'GET' && path === `/v1/notifications/certs/${this.certName}`) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(this.certificate.pem);
      return;
    }
    const fake = /^\/fake\/captures\/([^/]+)\/(complete|deny|refund|reverse|dispute)$/.exec(path);
    if (method === 'POST' && fake) return this.backOffice(res, fake[1], fake[2]);
    if (method === 'GET' && path === '/fake/deliveries') {
      return send(
        res,
        200,
        this.deliveries.map((d) => ({ eventType: d.eventType, status: d.status })),
      );
    }

    let parsed: unknown = body;
    try {
      parsed = body === '' ? undefined : JSON.parse(body);
    } catch {
      // kept as text: the spec check fails on it
    }
    const exchange: Exchange = {
      method,
      path,
      headers: req.headers,
      body: parsed,
      status: 0,
      answer: undefined,
    };
    const original = res.end.bind(res);
    const tamper = this.tamper;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      exchange.status = res.statusCode;
      try {
        exchange.answer = typeof chunk === 'string' ? JSON.parse(chunk) : undefined;
      } catch {
        exchange.answer = chunk;
      }
      if (tamper && typeof chunk === 'string' && exchange.answer !== undefined) {
        exchange.answer = tamper(path, res.statusCode, exchange.answer);
        chunk = JSON.stringify(exchange.answer);
      }
      return (original as (...a: unknown[]) => ServerResponse)(chunk, ...rest);
    }) as typeof res.end;
    this.exchanges.push(exchange);

    if (!this.authorised(req)) {
      return send(res, 401, {
        name: 'AUTHENTICATION_FAILURE',
        message:
          'Authentication failed due to missing authorization header, or invalid authentication credentials.',
        details: [{ issue: 'INVALID_ACCOUNT_STATUS' }],
      });
    }
    if (method === 'POST' && path === '/v2/checkout/orders') return this.createOrder(res, body);
    const orderPath = /^\/v2\/checkout\/orders\/([^/]+)(\/capture|\/confirm-payment-source)?$/.exec(
      path,
    );
    // PayPal checks an order id's syntax before it looks for the order.
    if (orderPath && !/^[A-Z0-9]{1,36}$/.test(orderPath[1])) {
      return send(res, 400, {
        name: 'INVALID_REQUEST',
        message: 'Request is not well-formed, syntactically incorrect, or violates schema.',
        details: [
          { field: 'id', location: 'path', issue: 'INVALID_PARAMETER_SYNTAX', value: orderPath[1] },
        ],
        debug_id: randomBytes(6).toString('hex'),
      });
    }
    if (orderPath && method === 'GET' && !orderPath[2]) {
      const order = this.orders.get(orderPath[1]);
      return order ? send(res, 200, this.orderBody(order)) : notFound(res);
    }
    if (orderPath && method === 'POST' && orderPath[2] === '/capture')
      return this.capture(req, res, orderPath[1]);
    if (orderPath && method === 'POST' && orderPath[2] === '/confirm-payment-source')
      return this.confirmCard(res, orderPath[1], parsed);
    return notFound(res);
  }

  private token(req: IncomingMessage, res: ServerResponse): void {
    const { clientId, clientSecret } = this.options;
    if (clientId !== undefined) {
      const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret ?? ''}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        return send(res, 401, {
          error: 'invalid_client',
          error_description: 'Client Authentication failed',
        });
      }
    }
    const token = `A21AA${randomBytes(24).toString('base64url')}`;
    this.tokens.add(token);
    send(res, 200, {
      scope: 'https://uri.paypal.com/services/payments/payment',
      access_token: token,
      token_type: 'Bearer',
      app_id: 'APP-FAKE',
      expires_in: 32400,
      nonce: randomUUID(),
    });
  }

  private authorised(req: IncomingMessage): boolean {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    return !!match && this.tokens.has(match[1]);
  }

  private createOrder(res: ServerResponse, raw: string): void {
    let request: {
      intent?: string;
      purchase_units?: { amount?: Money; custom_id?: string; description?: string }[];
      payment_source?: { card?: object; paypal?: object };
    };
    try {
      request = JSON.parse(raw);
    } catch {
      return send(res, 400, {
        name: 'INVALID_REQUEST',
        message: 'Request is not well-formed, syntactically incorrect, or violates schema.',
        details: [{ issue: 'MALFORMED_REQUEST_JSON' }],
      });
    }
    const unit = request.purchase_units?.[0];
    if (request.intent !== 'CAPTURE' || !unit?.amount)
      return send(res, 422, issue('UNPROCESSABLE_ENTITY', 'INVALID_PARAMETER_VALUE'));
    const decimals = PAYPAL_DECIMALS[unit.amount.currency_code];
    if (decimals === undefined)
      return send(res, 422, issue('UNPROCESSABLE_ENTITY', 'CURRENCY_NOT_SUPPORTED'));
    const precision = decimals === 0 ? /^\d+$/ : /^\d+(\.\d{1,2})?$/;
    if (!precision.test(unit.amount.value))
      return send(res, 422, issue('UNPROCESSABLE_ENTITY', 'DECIMAL_PRECISION'));
    const order: FakeOrder = {
      id: paypalId(),
      // A wallet order asks the buyer to act at PayPal (the payer-action link).
      status: request.payment_source?.paypal ? 'PAYER_ACTION_REQUIRED' : 'CREATED',
      amount: unit.amount,
      customId: unit.custom_id,
      description: unit.description,
      outcome: undefined,
      capture: undefined,
      source: request.payment_source?.card ? 'card' : 'paypal',
      card: undefined,
      request,
    };
    this.orders.set(order.id, order);
    send(res, 201, this.orderBody(order));
  }

  /** The card fields in the buyer's browser hand the card to PayPal, and 3-D Secure runs. */
  private confirmCard(res: ServerResponse, orderId: string, body: unknown): void {
    const order = this.orders.get(orderId);
    if (!order) return notFound(res);
    const card = (body as { payment_source?: { card?: Partial<FakeCard> } })?.payment_source?.card;
    if (!card?.number || !card.expiry)
      return send(res, 422, issue('UNPROCESSABLE_ENTITY', 'CARD_NUMBER_REQUIRED'));
    if (order.status === 'COMPLETED')
      return send(res, 422, issue('UNPROCESSABLE_ENTITY', 'ORDER_ALREADY_CAPTURED'));
    order.card = { number: card.number, expiry: card.expiry, name: card.name ?? 'A Buyer' };
    order.source = 'card';
    order.status = 'APPROVED';
    if (card.number === TEST_CARDS.declinedAtCapture) order.outcome = 'STATUS_DECLINED';
    send(res, 200, this.orderBody(order));
  }

  /** A token as PayPal's JS SDK holds in the buyer's browser. */
  private buyerToken(): string {
    const token = `A21AA${randomBytes(24).toString('base64url')}`;
    this.tokens.add(token);
    return token;
  }

  private approval(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const order = this.orders.get(url.searchParams.get('token') ?? '');
    if (!order || order.status === 'COMPLETED') return notFound(res);
    const asked = url.searchParams.get('capture') ?? req.headers[CAPTURE_HEADER];
    const outcome = typeof asked === 'string' && /^[A-Z_]+$/.test(asked) ? asked : undefined;
    this.approve(order.id, outcome);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Fake PayPal</title><p>Order ${order.id} approved.</p>`);
  }

  private async capture(req: IncomingMessage, res: ServerResponse, orderId: string): Promise<void> {
    const requestId = req.headers['paypal-request-id'];
    const known = typeof requestId === 'string' ? this.captureAnswers.get(requestId) : undefined;
    // PayPal answers a repeated PayPal-Request-Id with the first answer and captures nothing twice.
    if (known) return send(res, known.status, known.body);
    const answer = this.captureNow(orderId);
    if (typeof requestId === 'string' && answer.status < 500 && answer.replayable !== false)
      this.captureAnswers.set(requestId, answer);

    const order = this.orders.get(orderId);
    const capture = order?.capture;
    const event =
      answer.status === 201 && capture
        ? capture.status === 'COMPLETED'
          ? 'PAYMENT.CAPTURE.COMPLETED'
          : capture.status === 'PENDING'
            ? 'PAYMENT.CAPTURE.PENDING'
            : undefined
        : undefined;
    const deliver = () =>
      event && capture ? this.deliver(event, 'capture', this.captureResource(capture)) : undefined;
    switch (event ? this.webhookTiming : 'manual') {
      case 'before-response':
        await deliver();
        return send(res, answer.status, answer.body);
      case 'concurrent':
        void deliver();
        return send(res, answer.status, answer.body);
      case 'after-response':
        res.once('finish', () => void deliver());
        return send(res, answer.status, answer.body);
      default:
        return send(res, answer.status, answer.body);
    }
  }

  private captureNow(orderId: string): StoredAnswer {
    const order = this.orders.get(orderId);
    if (!order) return { status: 404, body: notFoundBody() };
    if (order.status === 'COMPLETED')
      return { status: 422, body: issue('UNPROCESSABLE_ENTITY', 'ORDER_ALREADY_CAPTURED') };
    if (order.status !== 'APPROVED')
      return { status: 422, body: issue('UNPROCESSABLE_ENTITY', 'ORDER_NOT_APPROVED') };
    const outcome = order.outcome ?? outcomeByAmount(order.amount.value);
    if (outcome === 'DECLINED' || outcome === 'REDIRECT_PAYER_FOR_ALTERNATE_FUNDING') {
      // The buyer must approve again, with another funding source.
      order.status = 'PAYER_ACTION_REQUIRED';
      order.outcome = undefined;
      const code = outcome === 'DECLINED' ? 'INSTRUMENT_DECLINED' : outcome;
      return { status: 422, body: issue('UNPROCESSABLE_ENTITY', code) };
    }
    if (outcome === 'ORDER_COMPLETION_IN_PROGRESS') {
      // PayPal is still at it: the same request, asked again, gets the capture.
      order.outcome = 'COMPLETED';
      return { status: 422, body: issue('UNPROCESSABLE_ENTITY', outcome), replayable: false };
    }
    const status = outcome.startsWith('STATUS_') ? outcome.slice('STATUS_'.length) : outcome;
    if (!['COMPLETED', 'PENDING', 'DECLINED', 'FAILED'].includes(status))
      return { status: 422, body: issue('UNPROCESSABLE_ENTITY', outcome) };
    const capture: FakeCapture = {
      id: paypalId(),
      orderId,
      status,
      amount: order.amount,
      customId: order.customId,
    };
    order.capture = capture;
    order.status = 'COMPLETED';
    this.captures.set(capture.id, capture);
    return { status: 201, body: this.orderBody(order) };
  }

  private backOffice(res: ServerResponse, captureId: string, action: string): void {
    if (!this.captures.has(captureId)) return notFound(res);
    const run = {
      complete: () => this.completePending(captureId),
      deny: () => this.denyPending(captureId),
      refund: () => this.refund(captureId, 'refund'),
      reverse: () => this.refund(captureId, 'reversal'),
      dispute: () => this.dispute(captureId),
    }[action]!;
    void run().then((delivery) => send(res, 200, { delivered: delivery?.status ?? 0 }));
  }

  private captureResource(capture: FakeCapture): object {
    return {
      id: capture.id,
      status: capture.status,
      ...(capture.status === 'PENDING' ? { status_details: { reason: 'PENDING_REVIEW' } } : {}),
      amount: capture.amount,
      final_capture: true,
      custom_id: capture.customId,
      seller_protection: { status: 'ELIGIBLE', dispute_categories: ['ITEM_NOT_RECEIVED'] },
      seller_receivable_breakdown: {
        gross_amount: capture.amount,
        paypal_fee: { currency_code: capture.amount.currency_code, value: '0.35' },
      },
      supplementary_data: { related_ids: { order_id: capture.orderId } },
      payee: { email_address: 'merchant@example.com', merchant_id: 'MERCHANTFAKE2' },
      create_time: new Date().toISOString(),
      update_time: new Date().toISOString(),
      links: [
        { rel: 'self', href: `${this.origin}/v2/payments/captures/${capture.id}`, method: 'GET' },
      ],
    };
  }

  private orderBody(order: FakeOrder): object {
    const approved = order.status === 'APPROVED' || order.status === 'COMPLETED';
    const wallet = order.source === 'paypal';
    // Once the buyer approved, PayPal shows who paid (and with which card): the service must drop all of it.
    const paidBy =
      approved && wallet
        ? {
            payer: {
              name: { given_name: this.payer.givenName, surname: this.payer.surname },
              email_address: this.payer.email,
              payer_id: this.payer.payerId,
              address: { country_code: 'DE' },
            },
            payment_source: {
              paypal: {
                email_address: this.payer.email,
                account_id: this.payer.payerId,
                name: { given_name: this.payer.givenName, surname: this.payer.surname },
              },
            },
          }
        : order.card
          ? {
              payment_source: {
                card: {
                  name: order.card.name,
                  last_digits: order.card.number.slice(-4),
                  brand: 'VISA',
                  type: 'CREDIT',
                  expiry: order.card.expiry,
                  bin_details: { bin: order.card.number.slice(0, 6), bin_country_code: 'DE' },
                  ...(AUTHENTICATION[order.card.number]
                    ? { authentication_result: AUTHENTICATION[order.card.number] }
                    : {}),
                },
              },
            }
          : {};
    return {
      id: order.id,
      intent: 'CAPTURE',
      status: order.status,
      ...paidBy,
      purchase_units: [
        {
          reference_id: 'default',
          amount: order.amount,
          custom_id: order.customId,
          description: order.description,
          ...(order.capture
            ? {
                payments: {
                  captures: [
                    {
                      id: order.capture.id,
                      status: order.capture.status,
                      amount: order.capture.amount,
                      final_capture: true,
                      custom_id: order.capture.customId,
                      create_time: new Date().toISOString(),
                    },
                  ],
                },
              }
            : {}),
        },
      ],
      links: [
        { rel: 'self', href: `${this.origin}/v2/checkout/orders/${order.id}`, method: 'GET' },
        ...(wallet
          ? [
              {
                rel: order.status === 'PAYER_ACTION_REQUIRED' ? 'payer-action' : 'approve',
                href: `${this.origin}/checkoutnow?token=${order.id}`,
                method: 'GET',
              },
            ]
          : []),
        {
          rel: 'capture',
          href: `${this.origin}/v2/checkout/orders/${order.id}/capture`,
          method: 'POST',
        },
      ],
    };
  }
}

function outcomeByAmount(value: string): CaptureOutcome {
  if (value.endsWith('.91')) return 'DECLINED';
  if (value.endsWith('.92')) return 'PENDING';
  return 'COMPLETED';
}

/** PayPal ids are 17 upper-case letters and digits. */
function paypalId(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
  return Array.from(randomBytes(17), (b) => alphabet[b % alphabet.length]).join('');
}

/** An error body as PayPal's specification writes it (name and message from its enums). */
function issue(name: string, code: string): object {
  const messages: Record<string, string> = {
    UNPROCESSABLE_ENTITY:
      'The requested action could not be performed, semantically incorrect, or failed business validation.',
    RESOURCE_NOT_FOUND: 'The specified resource does not exist.',
  };
  return {
    name,
    message: messages[name] ?? name,
    details: [{ issue: code }],
    debug_id: randomBytes(6).toString('hex'),
  };
}

function notFoundBody(): object {
  return issue('RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
}

function notFound(res: ServerResponse): void {
  send(res, 404, notFoundBody());
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
