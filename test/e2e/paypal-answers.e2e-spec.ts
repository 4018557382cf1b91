import { KeyedHash } from '../../src/config/keyed-hash';
import { PayPalOrderKeys } from '../../src/paypal/paypal-order.keys';
import { count, creditedTo, registerMailbox } from '../support/builders';
import {
  approve,
  capture,
  createOrder,
  PayPalTestApp,
  startPayPalTestApp,
} from '../support/fake-paypal/paypal-test-app';

/*
 * Issue 15, items 1, 2 and 4–8: what the service makes of each answer PayPal's
 * specification allows, against the stand-in that gives them.
 */
describe('PayPal answers, each mapped to what it means for the money', () => {
  let t: PayPalTestApp;
  beforeAll(async () => {
    t = await startPayPalTestApp();
  }, 60_000);
  afterAll(() => t.close());

  const orderRow = (orderId: string) =>
    t.sql<{ state: string; capture_attempt: number | string }>(
      'SELECT state, capture_attempt FROM paypal_order WHERE order_hash = $1',
      [t.app.get(PayPalOrderKeys).order(orderId)],
    );
  const codeRows = (orderId: string) =>
    count(t, 'topup_code', 'code_hash = $1', [
      t.app.get(KeyedHash).code(t.paypal.orders.get(orderId)!.customId!),
    ]);
  const captureRequests = (orderId: string) =>
    t.paypal.requests.filter((r) => r.path === `/v2/checkout/orders/${orderId}/capture`);

  async function approvedOrder(outcome: string, amountMinor = 1300) {
    const id = await registerMailbox(t);
    const order = await createOrder(t, id, { amountMinor });
    await approve(order.approveUrl, outcome);
    return { id, ...order };
  }

  describe('item 1: capture refusals', () => {
    it('takes REDIRECT_PAYER_FOR_ALTERNATE_FUNDING as a decline: 402, a new attempt, then credits', async () => {
      const order = await approvedOrder('REDIRECT_PAYER_FOR_ALTERNATE_FUNDING');
      const res = await capture(t, order.orderId);
      expect(res.status, res.text).toBe(402);
      expect(res.body.type).toMatch(/paypal-capture-declined$/);
      expect(Number((await orderRow(order.orderId))[0].capture_attempt)).toBe(1);
      await approve(order.approveUrl, 'COMPLETED');
      expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
      expect(await creditedTo(t, order.id)).toBe(1300);
      const ids = captureRequests(order.orderId).map((r) => r.headers['paypal-request-id']);
      expect(new Set(ids).size).toBe(2);
    });

    it.each([
      'PAYER_CANNOT_PAY',
      'MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED',
      'PAYER_ACCOUNT_RESTRICTED',
      'COMPLIANCE_VIOLATION',
      'TRANSACTION_LIMIT_EXCEEDED',
    ])(
      'says %s is final: 402 paypal-capture-refused, the order and its code gone',
      async (issue) => {
        const order = await approvedOrder(issue);
        const res = await capture(t, order.orderId);
        expect(res.status, res.text).toBe(402);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body.type).toMatch(/paypal-capture-refused$/);
        expect(res.body.detail).toContain(issue);
        expect(res.body.detail).toMatch(/cannot be paid/);
        expect(await orderRow(order.orderId)).toEqual([]);
        expect(await codeRows(order.orderId)).toBe(0);
        expect(await creditedTo(t, order.id)).toBe(0);
        // Asked again, nothing is asked of PayPal twice: the order is no longer ours.
        expect((await capture(t, order.orderId)).status).toBe(404);
        expect(captureRequests(order.orderId)).toHaveLength(1);
      },
    );

    it('answers ORDER_COMPLETION_IN_PROGRESS with 409 to ask again, and the same request then credits', async () => {
      const order = await approvedOrder('ORDER_COMPLETION_IN_PROGRESS');
      const first = await capture(t, order.orderId);
      expect(first.status, first.text).toBe(409);
      expect(first.body.type).toMatch(/paypal-capture-in-progress$/);
      expect(await orderRow(order.orderId)).toEqual([
        { state: 'created', capture_attempt: expect.anything() },
      ]);
      const again = await capture(t, order.orderId);
      expect(again.body).toEqual({ status: 'credited' });
      expect(await creditedTo(t, order.id)).toBe(1300);
      // The same PayPal-Request-Id both times: PayPal finishes the one capture, never a second.
      const ids = captureRequests(order.orderId).map((r) => r.headers['paypal-request-id']);
      expect(ids).toHaveLength(2);
      expect(new Set(ids).size).toBe(1);
    });
  });

  describe('item 4: every capture_status', () => {
    it.each(['STATUS_DECLINED', 'STATUS_FAILED'])(
      'takes a 201 with %s as final: nothing credited, 402 refused, the order over',
      async (outcome) => {
        const order = await approvedOrder(outcome);
        const res = await capture(t, order.orderId);
        expect(res.status, res.text).toBe(402);
        expect(res.body.type).toMatch(/paypal-capture-refused$/);
        expect(await orderRow(order.orderId)).toEqual([]);
        expect(await creditedTo(t, order.id)).toBe(0);
        expect(
          await count(t, 'payment', 'external_ref = $1', [t.paypal.captureOf(order.orderId)!.id]),
        ).toBe(0);
      },
    );

    it.each([
      ['REFUNDED', 'refund'],
      ['PARTIALLY_REFUNDED', 'partial-refund'],
    ] as const)(
      'journals a capture found %s through the already-captured path for staff, never credits it',
      async (status, _refundKind) => {
        const order = await approvedOrder('COMPLETED');
        // PayPal captured (the answer was lost) and the merchant refunded before the service asked.
        await t.paypal.captureDirectly(order.orderId, { silent: true });
        const captured = t.paypal.captureOf(order.orderId)!;
        captured.status = status;
        const res = await capture(t, order.orderId);
        expect(res.status, res.text).toBe(200);
        expect(res.body).toEqual({ status: 'unmatched', reason: 'no-code' });
        expect(await creditedTo(t, order.id)).toBe(0);
        const [row] = await t.sql<{ status: string; remittance: string }>(
          'SELECT status, remittance FROM payment WHERE external_ref = $1',
          [captured.id],
        );
        expect(row).toEqual({ status: 'unmatched', remittance: expect.stringMatching(/refunded/) });
        // The order and its code expire as any: deleting the code in the journal row's
        // transaction would pair the two on disk.
        expect(await orderRow(order.orderId)).toEqual([
          { state: 'created', capture_attempt: expect.anything() },
        ]);
        // Asked again: the same answer, nothing recorded twice.
        expect((await capture(t, order.orderId)).body).toEqual(res.body);
        expect(await count(t, 'payment', 'external_ref = $1', [captured.id])).toBe(1);
      },
    );
  });

  describe('item 5: answers without what PayPal promises', () => {
    beforeEach(() => {
      // Only the capture's answer speaks here: its webhook would credit on its own.
      t.paypal.webhookTiming = 'manual';
    });
    afterEach(() => {
      t.paypal.tamper = undefined;
      t.paypal.webhookTiming = 'after-response';
    });

    it('answers 502, not 500, when the capture comes back without its amount, and credits nothing', async () => {
      const order = await approvedOrder('COMPLETED');
      t.paypal.tamper = (path, status, body) => {
        if (!path.endsWith('/capture') || status !== 201) return body;
        const copy = structuredClone(body) as {
          purchase_units: { payments: { captures: { amount?: unknown }[] } }[];
        };
        delete copy.purchase_units[0].payments.captures[0].amount;
        return copy;
      };
      const res = await capture(t, order.orderId);
      expect(res.status, res.text).toBe(502);
      expect(res.body.type).toMatch(/paypal-unavailable$/);
      expect(await creditedTo(t, order.id)).toBe(0);
      t.paypal.tamper = undefined;
      // PayPal captured; asked again, the service reads the capture from the order and credits once.
      expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
      expect(await creditedTo(t, order.id)).toBe(1300);
    });

    it('credits from a minimal capture answer by reading the order', async () => {
      const order = await approvedOrder('COMPLETED');
      t.paypal.tamper = (path, status, body) =>
        path.endsWith('/capture') && status === 201
          ? {
              id: (body as { id: string }).id,
              status: 'COMPLETED',
              links: (body as { links: unknown }).links,
            }
          : body;
      expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
      expect(await creditedTo(t, order.id)).toBe(1300);
    });

    it('answers 502 when an order is created without any body PayPal promises', async () => {
      const id = await registerMailbox(t);
      t.paypal.tamper = (path, status, body) =>
        path === '/v2/checkout/orders' ? { id: (body as { id: string }).id } : body;
      const res = await t.http
        .post(`/v1/mailboxes/${id}/paypal-orders`)
        .set(t.auth('webmail'))
        .send({ amountMinor: 1000, currency: 'EUR' });
      expect(res.status, res.text).toBe(502);
    });
  });

  it('item 6: sends payment_source.paypal.experience_context with the return URL, never application_context', async () => {
    const id = await registerMailbox(t);
    const order = await createOrder(t, id);
    const sent = t.paypal.orders.get(order.orderId)!.request as Record<string, unknown>;
    expect(sent).not.toHaveProperty('application_context');
    expect(sent.payment_source).toEqual({
      paypal: {
        experience_context: {
          shipping_preference: 'NO_SHIPPING',
          user_action: 'PAY_NOW',
          return_url: 'https://webmail.example/paypal/return',
        },
      },
    });
  });

  describe('item 7: webhooks that end or finish an order', () => {
    it('forgets a pending capture that ends in PAYMENT.CAPTURE.DECLINED: its code slot is free again', async () => {
      const order = await approvedOrder('PENDING');
      expect((await capture(t, order.orderId)).status).toBe(202);
      await t.paypal.settled();
      const delivery = await t.paypal.declinePending(t.paypal.captureOf(order.orderId)!.id);
      expect(delivery).toMatchObject({ status: 200, answer: '{"status":"processed"}' });
      expect(await orderRow(order.orderId)).toEqual([]);
      expect(await codeRows(order.orderId)).toBe(0);
      expect(await creditedTo(t, order.id)).toBe(0);
    });

    it('forgets an approved order whose approval PayPal reversed (CHECKOUT.PAYMENT-APPROVAL.REVERSED)', async () => {
      const order = await approvedOrder('COMPLETED');
      const delivery = await t.paypal.reverseApproval(order.orderId);
      expect(delivery).toMatchObject({ status: 200, answer: '{"status":"processed"}' });
      expect(await orderRow(order.orderId)).toEqual([]);
      expect(await codeRows(order.orderId)).toBe(0);
    });

    it('captures and credits from CHECKOUT.ORDER.APPROVED when the buyer never comes back', async () => {
      const order = await approvedOrder('COMPLETED', 1900);
      const delivery = await t.paypal.sendApproved(order.orderId);
      expect(delivery).toMatchObject({ status: 200, answer: '{"status":"processed"}' });
      expect(await creditedTo(t, order.id)).toBe(1900);
      await t.paypal.settled();
      // The capture's own webhook, and the webmail asking later, move nothing more.
      expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
      expect(await creditedTo(t, order.id)).toBe(1900);
    });
  });

  it('item 8: answers 404 for an order id PayPal could never have issued, without asking PayPal', async () => {
    const before = t.paypal.requests.length;
    for (const orderId of ['abc-def', 'lowercase0123', 'A'.repeat(37), '5O190127TN364715T-']) {
      const res = await capture(t, orderId);
      expect(res.status, `${orderId}: ${res.text}`).toBe(404);
      expect(res.body.type).toMatch(/paypal-order-not-found$/);
    }
    expect(t.paypal.requests.length).toBe(before);
  });
});

describe('item 2: currencies PayPal takes whole', () => {
  let t: PayPalTestApp;
  beforeAll(async () => {
    t = await startPayPalTestApp({
      app: { env: { CURRENCY: 'HUF', PAYMENT_LIMIT_MINOR: '10000000', FEE_MINOR: '50000' } },
    });
  }, 60_000);
  afterAll(() => t.close());

  it('sends 1200 HUF as "1200", and credits 120000 minor units', async () => {
    const id = await registerMailbox(t);
    const order = await createOrder(t, id, { amountMinor: 120000, currency: 'HUF' });
    expect(t.paypal.orders.get(order.orderId)!.amount).toEqual({
      currency_code: 'HUF',
      value: '1200',
    });
    await approve(order.approveUrl, 'COMPLETED');
    expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
    expect(await creditedTo(t, id)).toBe(120000);
  });

  it('refuses an amount with fillér, which PayPal cannot take, before asking PayPal', async () => {
    const id = await registerMailbox(t);
    const before = t.paypal.orders.size;
    const res = await t.http
      .post(`/v1/mailboxes/${id}/paypal-orders`)
      .set(t.auth('webmail'))
      .send({ amountMinor: 120050, currency: 'HUF' });
    expect(res.status, res.text).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'amountMinor', message: 'a multiple of 100' }]);
    expect(t.paypal.orders.size).toBe(before);
  });
});
