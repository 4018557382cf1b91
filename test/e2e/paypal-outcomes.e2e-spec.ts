import { settleNow } from '../support/settle';
import { KeyedHash } from '../../src/config/keyed-hash';
import { PayPalOrderKeys } from '../../src/paypal/paypal-order.keys';
import { creditedTo, count, registerMailbox } from '../support/builders';
import {
  approve,
  capture,
  createOrder,
  PayPalTestApp,
  startPayPalTestApp,
} from '../support/fake-paypal/paypal-test-app';

describe('PayPal: declined, pending, refunded, reversed, disputed', () => {
  let t: PayPalTestApp;
  beforeAll(async () => {
    t = await startPayPalTestApp();
  });
  afterAll(() => t.close());

  const linkOf = (orderId: string) =>
    t.sql<{ state: string; capture_attempt: number | string }>(
      'SELECT state, capture_attempt FROM paypal_order WHERE order_hash = $1',
      [t.app.get(PayPalOrderKeys).order(orderId)],
    );

  it('credits nothing when PayPal declines, and credits a capture after the buyer approves again', async () => {
    const id = await registerMailbox(t);
    // An amount ending in .91 is declined by the stand-in.
    const order = await createOrder(t, id, { amountMinor: 991 });
    await approve(order.approveUrl);
    const before = await count(t, 'payment');
    const declined = await capture(t, order.orderId);
    expect(declined.status).toBe(402);
    expect(declined.headers['content-type']).toContain('application/problem+json');
    expect(declined.body.type).toMatch(/paypal-capture-declined$/);
    expect(await count(t, 'payment')).toBe(before);
    expect(await creditedTo(t, id)).toBe(0);
    expect(await linkOf(order.orderId)).toEqual([
      { state: 'created', capture_attempt: expect.anything() },
    ]);
    expect(Number((await linkOf(order.orderId))[0].capture_attempt)).toBe(1);

    // Asked again before a new approval: PayPal wants the buyer back; still nothing moves.
    const again = await capture(t, order.orderId);
    expect(again.status).toBe(409);
    expect(await creditedTo(t, id)).toBe(0);

    await approve(order.approveUrl, 'COMPLETED');
    const res = await capture(t, order.orderId);
    expect(res.body).toEqual({ status: 'credited' });
    expect(await creditedTo(t, id)).toBe(991);
    // Each attempt was a new PayPal-Request-Id, so PayPal did not replay the decline.
    const requestIds = t.paypal.requests
      .filter((r) => r.path === `/v2/checkout/orders/${order.orderId}/capture`)
      .map((r) => r.headers['paypal-request-id']);
    expect(new Set(requestIds).size).toBe(3);
  });

  it('answers 202 for a pending capture, credits nothing, then credits when the completion webhook arrives', async () => {
    const id = await registerMailbox(t);
    // An amount ending in .92 is held as pending by the stand-in.
    const order = await createOrder(t, id, { amountMinor: 1292 });
    await approve(order.approveUrl);
    const pending = await capture(t, order.orderId);
    expect(pending.status).toBe(202);
    expect(pending.body).toEqual({ status: 'pending' });
    await t.paypal.settled();
    expect(t.paypal.deliveries.at(-1)).toMatchObject({
      eventType: 'PAYMENT.CAPTURE.PENDING',
      status: 200,
    });
    expect(await creditedTo(t, id)).toBe(0);
    expect(await linkOf(order.orderId)).toEqual([
      { state: 'pending', capture_attempt: expect.anything() },
    ]);
    const captureId = t.paypal.captureOf(order.orderId)!.id;
    expect(await count(t, 'payment', 'external_ref = $1', [captureId])).toBe(0);
    // Asked again while PayPal holds it: still pending, and PayPal is not asked to capture twice.
    expect((await capture(t, order.orderId)).status).toBe(202);

    const delivery = await t.paypal.completePending(captureId);
    expect(delivery).toMatchObject({ status: 200, answer: '{"status":"processed"}' });
    expect(await creditedTo(t, id)).toBe(1292);
    expect(await linkOf(order.orderId)).toEqual([]);
    expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
    // Its journal row waits for the next settlement, which writes it once.
    expect(await count(t, 'pending_payment', 'external_ref = $1', [captureId])).toBe(1);
    await settleNow(t);
    expect(await count(t, 'payment', 'external_ref = $1', [captureId])).toBe(1);
    expect(await count(t, 'pending_payment')).toBe(0);
  });

  it('forgets a pending capture PayPal denies: nothing credited, its code and link gone', async () => {
    const id = await registerMailbox(t);
    const order = await createOrder(t, id, { amountMinor: 500 });
    await approve(order.approveUrl, 'PENDING');
    expect((await capture(t, order.orderId)).status).toBe(202);
    await t.paypal.settled();
    const code = t.paypal.orders.get(order.orderId)!.customId!;
    const before = await count(t, 'payment');
    const delivery = await t.paypal.denyPending(t.paypal.captureOf(order.orderId)!.id);
    expect(delivery?.status).toBe(200);
    expect(await count(t, 'payment')).toBe(before);
    expect(await creditedTo(t, id)).toBe(0);
    expect(await linkOf(order.orderId)).toEqual([]);
    expect(await count(t, 'topup_code', 'code_hash = $1', [t.app.get(KeyedHash).code(code)])).toBe(
      0,
    );
    expect((await capture(t, order.orderId)).status).toBe(404);
  });

  it('journals refunds, reversals and disputes as reversals, unlinked, each once', async () => {
    const id = await registerMailbox(t);
    const order = await createOrder(t, id, { amountMinor: 2000 });
    await approve(order.approveUrl);
    await capture(t, order.orderId);
    await t.paypal.settled();
    const captureId = t.paypal.captureOf(order.orderId)!.id;
    const code = t.paypal.orders.get(order.orderId)!.customId!;

    const refund = await t.paypal.refund(captureId);
    const reversal = await t.paypal.refund(captureId, 'reversal');
    const dispute = await t.paypal.dispute(captureId);
    for (const d of [refund, reversal, dispute]) expect(d?.status).toBe(200);
    // PayPal redelivers: nothing is recorded twice.
    for (const d of [refund!, reversal!, dispute!]) {
      const res = await t.http.post('/v1/paypal/webhooks').set(d.headers).send(d.body);
      expect(res.status).toBe(200);
    }

    const rows = await t.sql<Record<string, unknown>>(
      `SELECT * FROM payment WHERE channel = 'paypal' AND external_ref <> $1 AND remittance LIKE $2 ORDER BY external_ref`,
      [captureId, `%${captureId}%`],
    );
    expect(rows.map((r) => String(r.external_ref).split(':')[0])).toEqual([
      'dispute',
      'refund',
      'reversal',
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({
        status: 'unmatched',
        reason: 'reversal',
        settled_on: null,
        country: null,
        payer_name: null,
        payer_iban: null,
      });
      expect(Number(row.amount_minor)).toBe(2000);
      expect(row.remittance).toContain(`capture ${captureId}`);
      const text = JSON.stringify(row);
      for (const secret of [code, t.paypal.payer.email, t.paypal.payer.surname, id])
        expect(text).not.toContain(secret);
    }
    expect(rows[0].remittance).toContain('MERCHANDISE_OR_SERVICE_NOT_RECEIVED');
    // Staff see them among the unmatched payments; the balance is the staff's call, not PayPal's.
    const unmatched = await t.http.get('/v1/unmatched-payments').set(t.auth('staff'));
    expect(
      unmatched.body.items.filter(
        (i: { remittance?: string }) => i.remittance?.includes(captureId) ?? false,
      ),
    ).toHaveLength(3);
    expect(await creditedTo(t, id)).toBe(2000);
  });

  it('ignores, with 200, verified events it does not act on', async () => {
    const before = await count(t, 'payment');
    const signed = t.paypal.signEvent('CHECKOUT.ORDER.APPROVED', 'checkout-order', {
      id: 'SOMEORDER',
      payer: { email_address: t.paypal.payer.email },
    });
    const res = await t.http.post('/v1/paypal/webhooks').set(signed.headers).send(signed.body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ignored' });
    expect(await count(t, 'payment')).toBe(before);
  });

  it('records a completed capture of an order it holds no link for as unmatched, never credited', async () => {
    const signed = t.paypal.signEvent('PAYMENT.CAPTURE.COMPLETED', 'capture', {
      id: 'FOREIGNCAPTURE001',
      status: 'COMPLETED',
      amount: { currency_code: 'EUR', value: '5.00' },
      custom_id: 'not-one-of-ours',
      supplementary_data: { related_ids: { order_id: 'FOREIGNORDER00001' } },
    });
    const res = await t.http.post('/v1/paypal/webhooks').set(signed.headers).send(signed.body);
    expect(res.status).toBe(200);
    const [row] = await t.sql(
      'SELECT status, reason, remittance FROM payment WHERE external_ref = $1',
      ['FOREIGNCAPTURE001'],
    );
    expect(row).toEqual({ status: 'unmatched', reason: 'no-code', remittance: null });
  });
});
