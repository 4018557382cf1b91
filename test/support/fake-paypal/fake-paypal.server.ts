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
 *   header `Fake-PayPal-Capture: DECLINED` on that GET.
 * A pending capture ends with POST /fake/captures/{id}/complete or /deny; refunds,
 * reversals and disputes with POST /fake/captures/{id}/refund, /reverse, /dispute.
 */

export type CaptureOutcome = 'COMPLETED' | 'PENDING' | 'DECLINED';
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

interface FakeCapture {
  id: string;
  orderId: string;
  status: string;
  amount: Money;
  customId: string | undefined;
}

interface FakeOrder {
  id: string;
  status: 'CREATED' | 'APPROVED' | 'PAYER_ACTION_REQUIRED' | 'COMPLETED';
  amount: Money;
  customId: string | undefined;
  description: string | undefined;
  outcome: CaptureOutcome | undefined;
  capture: FakeCapture | undefined;
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
}

const CAPTURE_HEADER = 'fake-paypal-capture';

export class FakePayPal {
  readonly webhookId: string;
  readonly orders = new Map<string, FakeOrder>();
  readonly deliveries: Delivery[] = [];
  /** Every API request as the service sent it (method, path, headers), for assertions. */
  readonly requests: { method: string; path: string; headers: IncomingMessage['headers'] }[] = [];
  webhookUrl: string | undefined;
  webhookTiming: WebhookTiming;
  readonly payer: FakePayer;

  private readonly certificate: TestCertificate;
  private readonly certName = `CERT-fake-${randomBytes(6).toString('hex')}`;
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
  async captureDirectly(orderId: string): Promise<StoredAnswer> {
    const answer = this.captureNow(orderId);
    const capture = this.orders.get(orderId)?.capture;
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

  refund(captureId: string, kind: 'refund' | 'reversal' = 'refund'): Promise<Delivery | undefined> {
    const capture = this.requireCapture(captureId);
    capture.status = kind === 'refund' ? 'REFUNDED' : 'REVERSED';
    const id = paypalId();
    return this.deliver(
      kind === 'refund' ? 'PAYMENT.CAPTURE.REFUNDED' : 'PAYMENT.CAPTURE.REVERSED',
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

    if (!this.authorised(req)) {
      return send(res, 401, {
        error: 'invalid_token',
        error_description: 'Token signature verification failed',
      });
    }
    if (method === 'POST' && path === '/v2/checkout/orders') return this.createOrder(res, body);
    const orderPath = /^\/v2\/checkout\/orders\/([^/]+)(\/capture)?$/.exec(path);
    if (orderPath && method === 'GET' && !orderPath[2]) {
      const order = this.orders.get(orderPath[1]);
      return order ? send(res, 200, this.orderBody(order)) : notFound(res);
    }
    if (orderPath && method === 'POST' && orderPath[2]) return this.capture(req, res, orderPath[1]);
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
    };
    try {
      request = JSON.parse(raw);
    } catch {
      return send(res, 400, {
        name: 'INVALID_REQUEST',
        details: [{ issue: 'MALFORMED_REQUEST_JSON' }],
      });
    }
    const unit = request.purchase_units?.[0];
    if (
      request.intent !== 'CAPTURE' ||
      !unit?.amount ||
      !/^\d+(\.\d{1,2})?$/.test(unit.amount.value)
    ) {
      return send(res, 422, {
        name: 'UNPROCESSABLE_ENTITY',
        details: [{ issue: 'INVALID_PARAMETER_VALUE' }],
      });
    }
    const order: FakeOrder = {
      id: paypalId(),
      status: 'CREATED',
      amount: unit.amount,
      customId: unit.custom_id,
      description: unit.description,
      outcome: undefined,
      capture: undefined,
      request,
    };
    this.orders.set(order.id, order);
    send(res, 201, this.orderBody(order));
  }

  private approval(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const order = this.orders.get(url.searchParams.get('token') ?? '');
    if (!order || order.status === 'COMPLETED') return notFound(res);
    const asked = url.searchParams.get('capture') ?? req.headers[CAPTURE_HEADER];
    const outcome = (['COMPLETED', 'PENDING', 'DECLINED'] as const).find((o) => o === asked);
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
    if (typeof requestId === 'string' && answer.status < 500)
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
    if (!order) return { status: 404, body: issue('RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID') };
    if (order.status === 'COMPLETED')
      return { status: 422, body: issue('UNPROCESSABLE_ENTITY', 'ORDER_ALREADY_CAPTURED') };
    if (order.status !== 'APPROVED')
      return { status: 422, body: issue('UNPROCESSABLE_ENTITY', 'ORDER_NOT_APPROVED') };
    const outcome = order.outcome ?? outcomeByAmount(order.amount.value);
    if (outcome === 'DECLINED') {
      // The buyer must approve again, with another funding source.
      order.status = 'PAYER_ACTION_REQUIRED';
      order.outcome = undefined;
      return { status: 422, body: issue('UNPROCESSABLE_ENTITY', 'INSTRUMENT_DECLINED') };
    }
    const capture: FakeCapture = {
      id: paypalId(),
      orderId,
      status: outcome,
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
      payee: { email_address: 'merchant@example.com', merchant_id: 'MERCHANTFAKE' },
      create_time: new Date().toISOString(),
      update_time: new Date().toISOString(),
      links: [
        { rel: 'self', href: `${this.origin}/v2/payments/captures/${capture.id}`, method: 'GET' },
      ],
    };
  }

  private orderBody(order: FakeOrder): object {
    const approved = order.status !== 'CREATED' && order.status !== 'PAYER_ACTION_REQUIRED';
    return {
      id: order.id,
      intent: 'CAPTURE',
      status: order.status,
      // Once the buyer approved, PayPal shows who paid: the service must drop all of it.
      ...(approved
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
        : {}),
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
        { rel: 'approve', href: `${this.origin}/checkoutnow?token=${order.id}`, method: 'GET' },
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

function issue(name: string, code: string): object {
  return {
    name,
    details: [{ issue: code, description: code }],
    message: name,
    debug_id: randomBytes(6).toString('hex'),
  };
}

function notFound(res: ServerResponse): void {
  send(res, 404, issue('RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID'));
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
