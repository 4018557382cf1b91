import { creditedTo, count, registerMailbox } from '../support/builders';
import {
  approve,
  capture,
  createOrder,
  PayPalTestApp,
  startPayPalTestApp,
} from '../support/fake-paypal/paypal-test-app';

/** The journal rows of one order's capture. */
/** Journal rows of the order's capture: written, or waiting for the next settlement. */
async function paymentsOf(t: PayPalTestApp, orderId: string): Promise<number> {
  const captureId = t.paypal.captureOf(orderId)!.id;
  return (
    (await count(t, 'payment', 'external_ref = $1', [captureId])) +
    (await count(t, 'pending_payment', 'external_ref = $1', [captureId]))
  );
}

describe('PayPal: capture and webhook racing for one order', () => {
  let t: PayPalTestApp;
  beforeAll(async () => {
    t = await startPayPalTestApp();
  });
  afterAll(() => t.close());
  afterEach(() => {
    t.paypal.webhookTiming = 'after-response';
  });

  it('credits once when the completion webhook arrives before the capture answer', async () => {
    t.paypal.webhookTiming = 'before-response';
    const id = await registerMailbox(t);
    const order = await createOrder(t, id, { amountMinor: 1100 });
    await approve(order.approveUrl);
    const res = await capture(t, order.orderId);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'credited' });
    expect(t.paypal.deliveries.at(-1)).toMatchObject({
      status: 200,
      answer: '{"status":"processed"}',
    });
    expect(await creditedTo(t, id)).toBe(1100);
    expect(await paymentsOf(t, order.orderId)).toBe(1);
  });

  it('credits each of 12 orders exactly once when capture and webhook run at the same time', async () => {
    t.paypal.webhookTiming = 'concurrent';
    const ids = await Promise.all(Array.from({ length: 12 }, () => registerMailbox(t)));
    const orders = await Promise.all(
      ids.map((id, i) => createOrder(t, id, { amountMinor: 200 + i })),
    );
    await Promise.all(orders.map((o) => approve(o.approveUrl)));
    const answers = await Promise.all(orders.map((o) => capture(t, o.orderId)));
    await t.paypal.settled();
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    expect(answers.map((a) => a.body.status)).toEqual(Array(12).fill('credited'));
    for (const [i, id] of ids.entries()) {
      expect(await creditedTo(t, id)).toBe(200 + i);
      expect(await paymentsOf(t, orders[i].orderId)).toBe(1);
    }
  });

  it('credits once when the webmail backend sends eight captures of one order and the webhook races them', async () => {
    t.paypal.webhookTiming = 'concurrent';
    const id = await registerMailbox(t);
    const order = await createOrder(t, id, { amountMinor: 1300 });
    await approve(order.approveUrl);
    const answers = await Promise.all(Array.from({ length: 8 }, () => capture(t, order.orderId)));
    await t.paypal.settled();
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers.map((a) => a.body)).toEqual(Array(8).fill({ status: 'credited' }));
    expect(await creditedTo(t, id)).toBe(1300);
    expect(await paymentsOf(t, order.orderId)).toBe(1);
    // PayPal captured once: every capture call carried the same PayPal-Request-Id.
    const ids = new Set(
      t.paypal.requests
        .filter((r) => r.path === `/v2/checkout/orders/${order.orderId}/capture`)
        .map((r) => r.headers['paypal-request-id']),
    );
    expect(ids.size).toBe(1);
  });

  it('credits once when a pending capture completes while the webmail backend asks again', async () => {
    const id = await registerMailbox(t);
    const order = await createOrder(t, id, { amountMinor: 1400 });
    await approve(order.approveUrl, 'PENDING');
    expect((await capture(t, order.orderId)).status).toBe(202);
    await t.paypal.settled();
    const captureId = t.paypal.captureOf(order.orderId)!.id;
    const [delivery, ...answers] = await Promise.all([
      t.paypal.completePending(captureId),
      ...Array.from({ length: 4 }, () => capture(t, order.orderId)),
    ]);
    expect(delivery?.status).toBe(200);
    for (const answer of answers) expect([200, 202]).toContain(answer.status);
    expect(await creditedTo(t, id)).toBe(1400);
    expect(await paymentsOf(t, order.orderId)).toBe(1);
    expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
  });
});
