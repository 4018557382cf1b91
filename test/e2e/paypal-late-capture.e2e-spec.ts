import { MaintenanceJob } from '../../src/retention/maintenance.job';
import { KeyedHash } from '../../src/config/keyed-hash';
import { PayPalMaintenanceJob } from '../../src/paypal/paypal-maintenance.job';
import { PayPalOrderKeys } from '../../src/paypal/paypal-order.keys';
import { RetentionService } from '../../src/retention/retention.service';
import { count, creditedTo, registerMailbox } from '../support/builders';
import {
  approve,
  capture,
  createOrder,
  PayPalTestApp,
  startPayPalTestApp,
} from '../support/fake-paypal/paypal-test-app';
import { settleNow } from '../support/settle';

/** Every daily job that deletes what has expired, as the schedule would run them. */
async function purgeAsScheduled(t: PayPalTestApp): Promise<void> {
  await t.app.get(MaintenanceJob).purge();
  await t.app.get(PayPalMaintenanceJob).purge();
  await t.app.get(RetentionService).run();
}

describe('PayPal: a pending capture keeps its claim on the code until PayPal decides', () => {
  let t: PayPalTestApp;
  beforeAll(async () => {
    t = await startPayPalTestApp({ app: { env: { PAYPAL_ORDER_TTL_DAYS: '3' } } });
  }, 60_000);
  afterAll(() => t.close());

  const orderRow = (orderId: string) =>
    t.sql<{ state: string }>('SELECT state FROM paypal_order WHERE order_hash = $1', [
      t.app.get(PayPalOrderKeys).order(orderId),
    ]);

  it('credits a PAYMENT.CAPTURE.COMPLETED that arrives 400 days after the order would have expired', async () => {
    const id = await registerMailbox(t);
    const order = await createOrder(t, id, { amountMinor: 1500 });
    await approve(order.approveUrl, 'PENDING');
    expect((await capture(t, order.orderId)).status).toBe(202);
    await t.paypal.settled();
    const code = t.paypal.orders.get(order.orderId)!.customId!;
    const codeHash = t.app.get(KeyedHash).code(code);

    // PayPal reviews the payment for longer than the order lives; every purge runs meanwhile.
    for (const days of [4, 30, 400]) {
      t.clock.advance(days);
      await purgeAsScheduled(t);
      expect(await orderRow(order.orderId)).toEqual([{ state: 'pending' }]);
      expect(await count(t, 'topup_code', 'code_hash = $1', [codeHash])).toBe(1);
      // Asked meanwhile, the capture still says what PayPal says: pending.
      expect((await capture(t, order.orderId)).status).toBe(202);
    }

    const captureId = t.paypal.captureOf(order.orderId)!.id;
    const delivery = await t.paypal.completePending(captureId);
    expect(delivery).toMatchObject({ status: 200, answer: '{"status":"processed"}' });
    expect(await creditedTo(t, id)).toBe(1500);
    expect(await orderRow(order.orderId)).toEqual([]);
    expect(await count(t, 'topup_code', 'code_hash = $1', [codeHash])).toBe(0);
    await settleNow(t);
    const rows = await t.sql<{ status: string; reason: string | null; settled_on: string }>(
      'SELECT status, reason, settled_on FROM payment WHERE external_ref = $1',
      [captureId],
    );
    expect(rows).toEqual([{ status: 'credited', reason: null, settled_on: t.clock.today() }]);
    expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
  });

  it('keeps the claim when only the PAYMENT.CAPTURE.PENDING webhook said so, then credits the late completion', async () => {
    const id = await registerMailbox(t);
    const order = await createOrder(t, id, { amountMinor: 1700 });
    await approve(order.approveUrl, 'PENDING');
    // The capture's answer is lost on the way back (PayPal captured, the service never heard);
    // PayPal's own PENDING webhook is what marks the order.
    await t.paypal.captureDirectly(order.orderId);
    await t.paypal.settled();
    expect(t.paypal.deliveries.at(-1)).toMatchObject({
      eventType: 'PAYMENT.CAPTURE.PENDING',
      status: 200,
    });
    expect(await orderRow(order.orderId)).toEqual([{ state: 'pending' }]);

    t.clock.advance(90);
    await purgeAsScheduled(t);
    const delivery = await t.paypal.completePending(t.paypal.captureOf(order.orderId)!.id);
    expect(delivery?.status).toBe(200);
    expect(await creditedTo(t, id)).toBe(1700);
  });

  it('still lets an order that was never captured expire with its code', async () => {
    const id = await registerMailbox(t);
    const order = await createOrder(t, id, { amountMinor: 1100 });
    const code = t.paypal.orders.get(order.orderId)!.customId!;
    t.clock.advance(4);
    await purgeAsScheduled(t);
    expect(await orderRow(order.orderId)).toEqual([]);
    expect(await count(t, 'topup_code', 'code_hash = $1', [t.app.get(KeyedHash).code(code)])).toBe(
      0,
    );
  });
});

describe('PayPal: refunds, reversals and disputes after a credit are write-offs', () => {
  let t: PayPalTestApp;
  beforeAll(async () => {
    t = await startPayPalTestApp();
  }, 60_000);
  afterAll(() => t.close());

  const reconciliation = async (from: string, to: string) => {
    const res = await t.http
      .get(`/v1/reports/reconciliation?from=${from}&to=${to}`)
      .set(t.auth('admin'));
    expect(res.status, res.text).toBe(200);
    return res.body as {
      consistent: boolean;
      days: { date: string; writeOffs: unknown[] }[];
    };
  };

  it('shows them per day and channel, charges no mailbox, and leaves out claims on payments never credited', async () => {
    const creditedOn = t.clock.today();
    const id = await registerMailbox(t);
    const order = await createOrder(t, id, { amountMinor: 2000 });
    await approve(order.approveUrl);
    expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
    await t.paypal.settled();
    const captureId = t.paypal.captureOf(order.orderId)!.id;

    // A capture that found no code (unmatched), then refunded: no credit, so no write-off.
    const foreign = { currency_code: 'EUR', value: '7.00' };
    for (const [type, kind, resource] of [
      [
        'PAYMENT.CAPTURE.COMPLETED',
        'capture',
        {
          id: 'FOREIGNCAPTURE077',
          status: 'COMPLETED',
          amount: foreign,
          supplementary_data: { related_ids: { order_id: 'FOREIGNORDER00077' } },
        },
      ],
      [
        'PAYMENT.CAPTURE.REFUNDED',
        'refund',
        {
          id: 'FOREIGNREFUND0077',
          status: 'COMPLETED',
          amount: foreign,
          links: [
            { rel: 'up', href: `${t.paypal.baseUrl}/v2/payments/captures/FOREIGNCAPTURE077` },
          ],
        },
      ],
    ] as const) {
      const signed = t.paypal.signEvent(type, kind, resource);
      expect(
        (await t.http.post('/v1/paypal/webhooks').set(signed.headers).send(signed.body)).status,
      ).toBe(200);
    }

    t.clock.advance(1);
    const claimedOn = t.clock.today();
    // Refunded while the capture's journal row still waits for the settlement, reversed after.
    expect((await t.paypal.refund(captureId))?.status).toBe(200);
    await settleNow(t);
    expect((await t.paypal.refund(captureId, 'reversal'))?.status).toBe(200);
    expect((await t.paypal.dispute(captureId))?.status).toBe(200);
    await settleNow(t);

    const report = await reconciliation(creditedOn, claimedOn);
    expect(report.consistent).toBe(true);
    const byDay = Object.fromEntries(report.days.map((d) => [d.date, d.writeOffs]));
    expect(byDay[creditedOn]).toEqual([]);
    expect(byDay[claimedOn]).toEqual([
      {
        channel: 'paypal',
        refunded: { count: 1, amountMinor: 2000 },
        reversed: { count: 1, amountMinor: 2000 },
        disputed: { count: 1, amountMinor: 2000 },
        lost: { count: 2, amountMinor: 4000 },
      },
    ]);
    // The mailbox keeps its credit: charging it would need the link the service does not keep.
    expect(await creditedTo(t, id)).toBe(2000);
  });
});
