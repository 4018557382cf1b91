import { PayPalOrderKeys } from '../../src/paypal/paypal-order.keys';
import { count, creditedTo, registerMailbox } from '../support/builders';
import { TEST_CARDS } from '../support/fake-paypal/fake-paypal.server';
import {
  capture,
  createCardOrder,
  PayPalTestApp,
  startPayPalTestApp,
} from '../support/fake-paypal/paypal-test-app';
import { onPostgres } from '../support/test-database';
import { settleNow } from '../support/settle';

/** Every row of every table, as text: to show that something is nowhere. */
async function everyRow(t: PayPalTestApp): Promise<string> {
  const tables = await t.sql<{ name: string }>(
    onPostgres
      ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'"
      : "SELECT name FROM sqlite_master WHERE type = 'table'",
  );
  const rows: unknown[] = [];
  for (const { name } of tables) rows.push(name, await t.sql(`SELECT * FROM "${name}"`));
  return JSON.stringify(rows);
}

/** The service took the webhook (200); on anything else, its answer is the failure's message. */
async function accepted(delivery: Promise<{ status: number; answer: string } | undefined>) {
  const answered = await delivery;
  expect(answered?.status, answered?.answer).toBe(200);
}

describe('Card top-ups through PayPal, a channel of their own', () => {
  let t: PayPalTestApp;
  beforeAll(async () => {
    t = await startPayPalTestApp();
  }, 60_000);
  afterAll(() => t.close());

  const orderRow = (orderId: string) =>
    t.sql<{ source: string; state: string }>(
      'SELECT source, state FROM paypal_order WHERE order_hash = $1',
      [t.app.get(PayPalOrderKeys).order(orderId)],
    );
  const captureCalls = (orderId: string) =>
    t.paypal.requests.filter((r) => r.path === `/v2/checkout/orders/${orderId}/capture`).length;

  it('creates an order for card fields, captures after 3-D Secure shifted the liability, credits once as channel card', async () => {
    const id = await registerMailbox(t);
    const order = await createCardOrder(t, id, { amountMinor: 2500, country: 'FR' });
    expect(order).toEqual({ orderId: expect.stringMatching(/^[A-Z0-9]{17}$/) });
    expect(t.paypal.orders.get(order.orderId)!.request).toMatchObject({
      intent: 'CAPTURE',
      payment_source: {
        card: { experience_context: { return_url: 'https://webmail.example/paypal/return' } },
      },
    });
    expect(await orderRow(order.orderId)).toEqual([{ source: 'card', state: 'created' }]);

    // Before the buyer typed a card: nothing to capture, PayPal is not asked to.
    const early = await capture(t, order.orderId);
    expect(early.status, early.text).toBe(409);
    expect(captureCalls(order.orderId)).toBe(0);

    // The card goes from the buyer's browser to PayPal; 3-D Secure passes.
    expect(await t.paypal.payByCard(order.orderId, TEST_CARDS.threeDsPassed)).toBe(200);
    const res = await capture(t, order.orderId, 'card-capture-1');
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ status: 'credited' });
    expect(await creditedTo(t, id)).toBe(2500);
    await t.paypal.settled();
    const captureId = t.paypal.captureOf(order.orderId)!.id;
    // The capture's webhook came too (after the answer): a duplicate that moves nothing.
    const last = t.paypal.deliveries.at(-1);
    expect(last, last?.answer).toMatchObject({
      eventType: 'PAYMENT.CAPTURE.COMPLETED',
      status: 200,
    });
    expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
    expect(await creditedTo(t, id)).toBe(2500);
    await settleNow(t);
    const rows = await t.sql<{ channel: string; status: string; country: string | null }>(
      'SELECT channel, status, country FROM payment WHERE external_ref = $1',
      [captureId],
    );
    expect(rows).toEqual([{ channel: 'card', status: 'credited', country: 'FR' }]);
    // Its anonymity set is the card credits written with it, not PayPal's.
    expect(
      await count(t, 'anonymity_group', "channel = 'card' AND amount_minor = 2500"),
    ).toBeGreaterThan(0);
    // The VAT report counts it under the country the order was made with.
    const month = t.clock.today().slice(0, 7);
    const vat = await t.http.get(`/v1/reports/vat?from=${month}&to=${month}`).set(t.auth('admin'));
    expect(vat.text).toMatch(new RegExp(`^${month},FR,EUR,1,2500,`, 'm'));
    const ledger = await t.http.get(`/v1/mailboxes/${id}/ledger`).set(t.auth('webmail'));
    expect(ledger.body.entries).toContainEqual(
      expect.objectContaining({ kind: 'credit', channel: 'card', amountMinor: 2500 }),
    );

    // Nothing of the card is kept or logged: not its digits, brand, expiry, holder or bank country.
    const card = t.paypal.orders.get(order.orderId)!.card!;
    const stored = await everyRow(t);
    const logged = t.logs.join('\n');
    // The probe sees what is stored: the capture's id is in the journal.
    expect(stored).toContain(captureId);
    // (the last four digits alone could occur by chance in a hash: PayPal's field names cannot)
    for (const secret of [
      card.number,
      card.expiry,
      card.name,
      'VISA',
      'last_digits',
      'bin_details',
    ])
      for (const haystack of [stored, logged]) expect(haystack).not.toContain(secret);
  });

  it.each([
    ['without 3-D Secure (not enrolled)', TEST_CARDS.noThreeDs, 'no-liability-shift'],
    ['whose 3-D Secure failed', TEST_CARDS.threeDsFailed, 'no-liability-shift'],
    ['whose 3-D Secure was unavailable', TEST_CARDS.threeDsUnavailable, 'not-authenticated'],
  ])(
    'does not capture a card %s; the buyer may then pay with one that passes',
    async (_, number, why) => {
      const id = await registerMailbox(t);
      const order = await createCardOrder(t, id, { amountMinor: 1500 });
      expect(await t.paypal.payByCard(order.orderId, number)).toBe(200);
      const refused = await capture(t, order.orderId);
      expect(refused.status, refused.text).toBe(402);
      expect(refused.body.type).toMatch(/card-authentication-refused$/);
      expect(refused.body.detail).toContain(why);
      expect(captureCalls(order.orderId)).toBe(0);
      expect(t.paypal.captureOf(order.orderId)).toBeUndefined();
      expect(await creditedTo(t, id)).toBe(0);
      expect(await orderRow(order.orderId)).toEqual([{ source: 'card', state: 'created' }]);

      expect(await t.paypal.payByCard(order.orderId, TEST_CARDS.threeDsPassed)).toBe(200);
      expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
      expect(await creditedTo(t, id)).toBe(1500);
    },
  );

  it('maps a card the issuer declines at capture like a PayPal refusal: 402, nothing credited, the order over', async () => {
    const id = await registerMailbox(t);
    const order = await createCardOrder(t, id, { amountMinor: 1500 });
    await t.paypal.payByCard(order.orderId, TEST_CARDS.declinedAtCapture);
    const res = await capture(t, order.orderId);
    expect(res.status, res.text).toBe(402);
    expect(res.body.type).toMatch(/paypal-capture-refused$/);
    expect(await creditedTo(t, id)).toBe(0);
    expect(await orderRow(order.orderId)).toEqual([]);
    expect(await count(t, 'payment', "channel = 'card' AND status = 'credited' AND 1 = 0")).toBe(0);
  });

  it("journals a card's refund and dispute on the card channel, as write-offs of card", async () => {
    const id = await registerMailbox(t);
    const order = await createCardOrder(t, id, { amountMinor: 3000 });
    await t.paypal.payByCard(order.orderId);
    expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
    await t.paypal.settled();
    const captureId = t.paypal.captureOf(order.orderId)!.id;
    await accepted(t.paypal.dispute(captureId, 'UNAUTHORISED'));
    await accepted(t.paypal.refund(captureId, 'reversal'));
    await settleNow(t);
    const claims = await t.sql<{ channel: string; reason: string }>(
      'SELECT channel, reason FROM payment WHERE remittance LIKE $1 AND external_ref <> $2',
      [`%${captureId}%`, captureId],
    );
    expect(claims).toEqual([
      { channel: 'card', reason: 'reversal' },
      { channel: 'card', reason: 'reversal' },
    ]);
    const today = t.clock.today();
    const report = await t.http
      .get(`/v1/reports/reconciliation?from=${today}&to=${today}`)
      .set(t.auth('admin'));
    expect(report.status, report.text).toBe(200);
    const [day] = report.body.days;
    expect(day.writeOffs).toContainEqual({
      channel: 'card',
      refunded: { count: 0, amountMinor: 0 },
      reversed: { count: 1, amountMinor: 3000 },
      disputed: { count: 1, amountMinor: 3000 },
      lost: { count: 1, amountMinor: 3000 },
    });
    // card is its own line in the checks, the payments and the ledger, and the books agree.
    expect(report.body.consistent).toBe(true);
    const check = day.checks.find((c: { channel: string }) => c.channel === 'card');
    expect(check).toMatchObject({ consistent: true });
    expect(check.creditedPayments.count).toBeGreaterThanOrEqual(4);
    expect(day.payments.map((p: { channel: string }) => p.channel)).toContain('card');
    expect(day.ledger.map((l: { channel: string }) => l.channel)).toContain('card');
    expect(await creditedTo(t, id)).toBe(3000);
  });

  it('captures a card order from CHECKOUT.ORDER.APPROVED only under the same 3-D Secure policy', async () => {
    const id = await registerMailbox(t);
    const order = await createCardOrder(t, id, { amountMinor: 1100 });
    await t.paypal.payByCard(order.orderId, TEST_CARDS.noThreeDs);
    await accepted(t.paypal.sendApproved(order.orderId));
    expect(captureCalls(order.orderId)).toBe(0);
    expect(await creditedTo(t, id)).toBe(0);
    await t.paypal.payByCard(order.orderId, TEST_CARDS.threeDsPassed);
    await accepted(t.paypal.sendApproved(order.orderId));
    expect(await creditedTo(t, id)).toBe(1100);
  });
});
