import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerMailbox } from '../support/builders';
import { Exchange, TEST_CARDS } from '../support/fake-paypal/fake-paypal.server';
import {
  approve,
  capture,
  createCardOrder,
  createOrder,
  PayPalTestApp,
  startPayPalTestApp,
} from '../support/fake-paypal/paypal-test-app';
import { PayPalSpec, readPayPalDocument } from '../support/fake-paypal/paypal-spec';

/*
 * The stand-in is held to PayPal's published Orders v2 document: every request
 * the gateway (and the buyer's card fields) sent it, and every answer it gave,
 * through every outcome the tests use, is validated against
 * ../shared/paypal-openapi/checkout_orders_v2.json. A stand-in that drifts
 * from PayPal fails here instead of hiding a bug.
 */
describe("the PayPal stand-in and the gateway, held to PayPal's Orders v2 specification", () => {
  let t: PayPalTestApp;
  let spec: PayPalSpec;
  beforeAll(async () => {
    spec = PayPalSpec.ordersV2();
    t = await startPayPalTestApp();
  }, 60_000);
  afterAll(() => t?.close());

  /** Drives every path the service takes through PayPal. */
  async function everyOutcome(): Promise<void> {
    const wallet = async (outcome: string, times = 1) => {
      const order = await createOrder(t, await registerMailbox(t), { amountMinor: 1000 });
      await approve(order.approveUrl, outcome);
      for (let i = 0; i < times; i++) await capture(t, order.orderId);
      return order;
    };
    await wallet('COMPLETED', 2);
    await wallet('PENDING');
    const declined = await wallet('DECLINED', 2);
    await approve(declined.approveUrl, 'COMPLETED');
    await capture(t, declined.orderId);
    await wallet('REDIRECT_PAYER_FOR_ALTERNATE_FUNDING');
    for (const issue of [
      'PAYER_CANNOT_PAY',
      'MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED',
      'PAYER_ACCOUNT_RESTRICTED',
      'COMPLIANCE_VIOLATION',
      'TRANSACTION_LIMIT_EXCEEDED',
    ])
      await wallet(issue);
    await wallet('ORDER_COMPLETION_IN_PROGRESS', 2);
    await wallet('STATUS_DECLINED');
    await wallet('STATUS_FAILED');
    const id = await registerMailbox(t);
    const refunded = await createOrder(t, id, { amountMinor: 1000 });
    await approve(refunded.approveUrl, 'COMPLETED');
    await t.paypal.captureDirectly(refunded.orderId, { silent: true });
    t.paypal.captureOf(refunded.orderId)!.status = 'REFUNDED';
    await capture(t, refunded.orderId);
    // Not approved yet, then an order PayPal does not know.
    const unapproved = await createOrder(t, id, { amountMinor: 1000 });
    await capture(t, unapproved.orderId);
    await capture(t, 'NOSUCHORDER000001');
    for (const number of Object.values(TEST_CARDS)) {
      const order = await createCardOrder(t, await registerMailbox(t), { amountMinor: 1000 });
      await t.paypal.payByCard(order.orderId, number);
      await capture(t, order.orderId);
    }
    // Card fields on an order PayPal does not know, then a malformed id, as PayPal answers
    // them (the service itself never sends a malformed id now).
    expect(await t.paypal.payByCard('NOSUCHORDER000002')).toBe(404);
    await fetch(`${t.paypal.baseUrl}/v2/checkout/orders/not-an-id/capture`, {
      method: 'POST',
      headers: { authorization: t.paypal.requests.at(-1)!.headers.authorization! },
    });
    await t.paypal.settled();
  }

  it('validates every request sent and every answer given, through every outcome', async () => {
    await everyOutcome();
    const calls = t.paypal.exchanges.filter((e) => e.path !== '/v1/oauth2/token');
    expect(calls.length).toBeGreaterThan(40);
    const findings = calls.flatMap((e) => spec.check(e));
    expect(findings).toEqual([]);

    // What was covered: each operation, with each kind of answer the service acts on.
    const seen = new Set(
      calls.map((e) => `${e.method} ${spec.operation(e.method, e.path)!.template} ${e.status}`),
    );
    for (const covered of [
      'POST /v2/checkout/orders 201',
      'GET /v2/checkout/orders/{id} 200',
      'GET /v2/checkout/orders/{id} 404',
      'POST /v2/checkout/orders/{id}/capture 201',
      'POST /v2/checkout/orders/{id}/capture 422',
      'POST /v2/checkout/orders/{id}/capture 400',
      'POST /v2/checkout/orders/{id}/confirm-payment-source 200',
      'POST /v2/checkout/orders/{id}/confirm-payment-source 404',
    ])
      expect([...seen]).toContain(covered);
    // Every capture_status the document lists was answered by the stand-in at least once.
    const statuses = new Set(
      calls.flatMap((e) =>
        (
          (e.answer as { purchase_units?: { payments?: { captures?: { status: string }[] } }[] })
            ?.purchase_units ?? []
        ).flatMap((u) => (u.payments?.captures ?? []).map((c) => c.status)),
      ),
    );
    expect([...statuses].sort()).toEqual([
      'COMPLETED',
      'DECLINED',
      'FAILED',
      'PENDING',
      'REFUNDED',
    ]);
    // Every capture request carried a PayPal-Request-Id, and every order a card or wallet source.
    for (const e of calls.filter((c) => c.path.endsWith('/capture') && c.status !== 400))
      expect(e.headers['paypal-request-id']).toBeTruthy();
  });

  it("shapes every webhook it sends as PayPal's documents do: the event, and its capture, refund, dispute or order", async () => {
    const order = await createOrder(t, await registerMailbox(t), { amountMinor: 1000 });
    await approve(order.approveUrl, 'COMPLETED');
    // PayPal delivers an event again until it is answered 2xx; on a loaded machine the
    // first delivery may time out before the service has captured.
    for (let attempt = 0; attempt < 3 && !t.paypal.captureOf(order.orderId); attempt++)
      await t.paypal.sendApproved(order.orderId);
    const captured = t.paypal.captureOf(order.orderId);
    expect(captured, 'the approved order was captured from its webhook').toBeDefined();
    const captureId = captured!.id;
    await t.paypal.refund(captureId, 'partial-refund');
    await t.paypal.refund(captureId, 'reversal');
    await t.paypal.dispute(captureId);
    const held = await createOrder(t, await registerMailbox(t), { amountMinor: 1000 });
    await approve(held.approveUrl, 'PENDING');
    await capture(t, held.orderId);
    await t.paypal.settled();
    await t.paypal.declinePending(t.paypal.captureOf(held.orderId)!.id);
    await t.paypal.settled();

    const events = new PayPalSpec(readPayPalDocument('notifications_webhooks_v1.json'), 'webhooks');
    const payments = new PayPalSpec(readPayPalDocument('payments_payment_v2.json'), 'payments');
    const disputes = new PayPalSpec(readPayPalDocument('customer_disputes_v1.json'), 'disputes');
    const resourceSchema = (type: string): [PayPalSpec, string] | undefined => {
      if (/^PAYMENT\.CAPTURE\.(REFUNDED|REVERSED)$/.test(type))
        return [payments, '#/components/schemas/refund'];
      if (type.startsWith('PAYMENT.CAPTURE.')) return [payments, '#/components/schemas/capture-2'];
      if (type.startsWith('CUSTOMER.DISPUTE.')) return [disputes, '#/components/schemas/dispute'];
      if (type === 'CHECKOUT.ORDER.APPROVED') return [spec, '#/components/schemas/order'];
      return undefined;
    };
    const kinds = new Set<string>();
    const findings: string[] = [];
    for (const delivery of t.paypal.deliveries) {
      const event = JSON.parse(delivery.body) as { event_type: string; resource: unknown };
      const envelope = events.validator('#/components/schemas/event') as ((
        d: unknown,
      ) => boolean) & {
        errors?: unknown;
      };
      if (!envelope(event))
        findings.push(`${event.event_type}: ${JSON.stringify(envelope.errors)}`);
      const schema = resourceSchema(event.event_type);
      if (!schema) continue;
      kinds.add(event.event_type);
      const validate = schema[0].validator(schema[1]);
      if (!validate(event.resource))
        findings.push(`${event.event_type} resource: ${JSON.stringify(validate.errors)}`);
    }
    expect(findings).toEqual([]);
    for (const kind of [
      'PAYMENT.CAPTURE.COMPLETED',
      'PAYMENT.CAPTURE.PENDING',
      'PAYMENT.CAPTURE.DECLINED',
      'PAYMENT.CAPTURE.REFUNDED',
      'PAYMENT.CAPTURE.REVERSED',
      'CUSTOMER.DISPUTE.CREATED',
      'CHECKOUT.ORDER.APPROVED',
    ])
      expect([...kinds]).toContain(kind);
  });

  it('sees drift: a doctored request or answer is reported (the check is not blind)', () => {
    const created = t.paypal.exchanges.find(
      (e) => e.method === 'POST' && e.path === '/v2/checkout/orders' && e.status === 201,
    )!;
    const captured = t.paypal.exchanges.find(
      (e) => e.path.endsWith('/capture') && e.status === 201,
    )!;
    expect(spec.check(created)).toEqual([]);
    const doctored: Exchange[] = [
      // The deprecated application_context the gateway used to send.
      {
        ...created,
        body: {
          ...(created.body as object),
          application_context: { shipping_preference: 'NO_SHIPPING', user_action: 'PAY_NOW' },
        },
      },
      // HUF sent with decimals is fine by the schema, but an amount as a number is not.
      {
        ...created,
        body: {
          ...(created.body as object),
          purchase_units: [{ amount: { currency_code: 'EUR', value: 12.5 } }],
        },
      },
      // A capture_status PayPal does not have.
      {
        ...captured,
        answer: JSON.parse(
          JSON.stringify(captured.answer).replace(/"status":"COMPLETED"/g, '"status":"DONE"'),
        ),
      },
      // An order id PayPal would never issue, answered as if it existed.
      { ...captured, path: '/v2/checkout/orders/abc-def/capture' },
      // A capture without its PayPal-Request-Id header's limits respected.
      { ...captured, headers: { ...captured.headers, 'paypal-request-id': 'x'.repeat(109) } },
    ];
    for (const exchange of doctored) expect(spec.check(exchange)).not.toEqual([]);
  });

  it('fails, rather than skips, when the folder of PayPal documents is missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-paypal-openapi-'));
    expect(() => readPayPalDocument('checkout_orders_v2.json', empty)).toThrow(
      /OpenAPI document .* is missing/,
    );
    expect(() => PayPalSpec.ordersV2(empty)).toThrow(/missing/);
  });
});
