import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { settleNow } from '../support/settle';
import { KeyedHash } from '../../src/config/keyed-hash';
import { parseCode } from '../../src/codes/code-format';
import { PayPalMaintenanceJob } from '../../src/paypal/paypal-maintenance.job';
import { PayPalOrderKeys } from '../../src/paypal/paypal-order.keys';
import { creditedTo, count, registerMailbox } from '../support/builders';
import {
  approve,
  capture,
  createOrder,
  PayPalTestApp,
  postWebhook,
  startPayPalTestApp,
} from '../support/fake-paypal/paypal-test-app';
import { startTestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';

describe('PayPal top-ups', () => {
  let t: PayPalTestApp;
  beforeAll(async () => {
    t = await startPayPalTestApp();
  });
  afterAll(() => t.close());

  const openCodes = async (id: string) =>
    (await t.http.get(`/v1/mailboxes/${id}`).set(t.auth('webmail'))).body.openCodes as number;

  it('orders, lets the buyer approve, captures and credits once; the link and the code go with the credit', async () => {
    const id = await registerMailbox(t);
    const order = await createOrder(t, id, { amountMinor: 1500, country: 'AT' });
    expect(order).toEqual({
      orderId: expect.stringMatching(/^[A-Z0-9]{17}$/),
      approveUrl: `${t.paypal.baseUrl}/checkoutnow?token=${order.orderId}`,
    });
    // PayPal sees an internal code as the order's only reference, never the mailbox.
    const sent = JSON.stringify(t.paypal.orders.get(order.orderId)!.request);
    const reference = t.paypal.orders.get(order.orderId)!.customId!;
    expect(parseCode(reference).ok).toBe(true);
    expect(sent).not.toContain(id);
    expect(sent).not.toContain(t.app.get(KeyedHash).mailbox(id));
    // The pending link is two keyed hashes; the internal code is an open code of the mailbox.
    const codeHash = t.app.get(KeyedHash).code(reference);
    const orderHash = t.app.get(PayPalOrderKeys).order(order.orderId);
    const [link] = await t.sql('SELECT * FROM paypal_order WHERE order_hash = $1', [orderHash]);
    expect(link).toMatchObject({ code_hash: codeHash, currency: 'EUR', state: 'created' });
    expect(JSON.stringify(link)).not.toContain(order.orderId);
    expect(await openCodes(id)).toBe(1);

    await approve(order.approveUrl);
    const res = await capture(t, order.orderId);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'credited' });
    expect(await creditedTo(t, id)).toBe(1500);
    await t.paypal.settled();

    const captureId = t.paypal.captureOf(order.orderId)!.id;
    // Credited at once; the journal row waits for the next settlement.
    expect(await count(t, 'payment', 'external_ref = $1', [captureId])).toBe(0);
    expect(await count(t, 'pending_payment', 'external_ref = $1', [captureId])).toBe(1);
    await settleNow(t);
    const rows = await t.sql('SELECT * FROM payment WHERE external_ref = $1', [captureId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      channel: 'paypal',
      status: 'credited',
      country: 'AT',
      payer_name: null,
      payer_iban: null,
      payer_country: null,
    });
    expect(Number(rows[0].amount_minor)).toBe(1500);
    expect(await count(t, 'paypal_order', 'order_hash = $1', [orderHash])).toBe(0);
    expect(await count(t, 'topup_code', 'code_hash = $1', [codeHash])).toBe(0);
    expect(await openCodes(id)).toBe(0);
    // The completion webhook PayPal sent afterwards was a duplicate: it moved nothing.
    expect(t.paypal.deliveries.at(-1)).toMatchObject({
      eventType: 'PAYMENT.CAPTURE.COMPLETED',
      status: 200,
    });
    expect(await creditedTo(t, id)).toBe(1500);
    const ledger = await t.http.get(`/v1/mailboxes/${id}/ledger`).set(t.auth('webmail'));
    expect(ledger.body.entries).toEqual([
      {
        kind: 'credit',
        channel: 'paypal',
        amountMinor: 1500,
        currency: 'EUR',
        date: t.clock.today(),
      },
    ]);
  });

  it('keeps payer data, mailbox ids, codes and order ids out of the journal row and every log line', async () => {
    const debug = await startPayPalTestApp({ app: { logLevel: 'trace' } });
    try {
      const id = await registerMailbox(debug, 'very.private.paypal.user@example.org');
      const order = await createOrder(debug, id, { amountMinor: 900 });
      await approve(order.approveUrl);
      expect((await capture(debug, order.orderId)).body.status).toBe('credited');
      await debug.paypal.settled();
      const captureId = debug.paypal.captureOf(order.orderId)!.id;
      await debug.paypal.refund(captureId);
      await debug.paypal.dispute(captureId);
      const code = debug.paypal.orders.get(order.orderId)!.customId!;
      const payer = debug.paypal.payer;
      const secrets = [
        id,
        'very.private.paypal.user',
        debug.app.get(KeyedHash).mailbox(id),
        code,
        debug.app.get(KeyedHash).code(code),
        payer.givenName,
        payer.surname,
        payer.email,
        payer.payerId,
      ];
      const journal = JSON.stringify(await debug.sql('SELECT * FROM payment'));
      for (const secret of secrets) expect(journal, secret).not.toContain(secret);
      const logs = debug.logs.join('\n');
      expect(logs).toContain('"route":"/v1/paypal-orders/:orderId/capture"');
      for (const secret of [...secrets, order.orderId, captureId])
        expect(logs, secret).not.toContain(secret);
    } finally {
      await debug.close();
    }
  });

  it('leaves neither the code nor the order, nor their hashes, on disk (SQLite) or in any row (PostgreSQL) once credited', async () => {
    const id = await registerMailbox(t);
    const order = await createOrder(t, id, { amountMinor: 1000 });
    const code = t.paypal.orders.get(order.orderId)!.customId!;
    await approve(order.approveUrl);
    expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
    await t.paypal.settled();
    const secrets = [
      code,
      t.app.get(KeyedHash).code(code),
      order.orderId,
      t.app.get(PayPalOrderKeys).order(order.orderId),
    ];
    if (t.config.database.type === 'sqlite') {
      // The raw bytes of the database and its write-ahead log.
      const file = t.config.database.path;
      const bytes = Buffer.concat(
        [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)),
      );
      for (const secret of secrets) expect(bytes.includes(Buffer.from(secret)), secret).toBe(false);
    } else {
      // The server's files are out of reach here: every live row of every table is not.
      const tables = await t.sql<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
      );
      for (const { table_name } of tables) {
        const rows = JSON.stringify(await t.sql(`SELECT * FROM "${table_name}"`));
        for (const secret of secrets)
          expect(rows.includes(secret), `${table_name}: ${secret}`).toBe(false);
      }
    }
  });

  it('refuses to capture an order the buyer has not approved, with 409, and moves nothing', async () => {
    const id = await registerMailbox(t);
    const order = await createOrder(t, id);
    const before = await count(t, 'payment');
    const res = await capture(t, order.orderId);
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.type).toMatch(/paypal-order-not-approved$/);
    expect(await count(t, 'payment')).toBe(before);
    expect(await creditedTo(t, id)).toBe(0);
    // The order is still open: approved later, it is captured and credited.
    await approve(order.approveUrl);
    expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
    expect(await creditedTo(t, id)).toBe(1200);
  });

  it('answers a repeated capture with the first outcome and moves nothing; captures carry PayPal-Request-Id', async () => {
    const id = await registerMailbox(t);
    const order = await createOrder(t, id, { amountMinor: 700 });
    await approve(order.approveUrl);
    expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
    await t.paypal.settled();
    // Journal rows, and rows that wait for the settlement (this capture's among them).
    const payments = (await count(t, 'payment')) + (await count(t, 'pending_payment'));
    expect(await count(t, 'pending_payment')).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      // The second time after the settlement: the answer then comes from the journal.
      if (i === 1) {
        await settleNow(t);
        expect(await count(t, 'pending_payment')).toBe(0);
        expect(await count(t, 'payment')).toBe(payments);
      }
      const again = await capture(t, order.orderId);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ status: 'credited' });
    }
    expect(await count(t, 'payment')).toBe(payments);
    expect(await creditedTo(t, id)).toBe(700);
    const captures = t.paypal.requests.filter(
      (r) => r.method === 'POST' && r.path === `/v2/checkout/orders/${order.orderId}/capture`,
    );
    expect(captures).toHaveLength(1);
    expect(captures[0].headers['paypal-request-id']).toMatch(/^capture-[0-9a-f]{32}-0$/);
  });

  it('moves nothing for a completion webhook delivered again', async () => {
    const id = await registerMailbox(t);
    const order = await createOrder(t, id, { amountMinor: 800 });
    await approve(order.approveUrl);
    await capture(t, order.orderId);
    await t.paypal.settled();
    const delivered = t.paypal.deliveries.at(-1)!;
    const payments = await count(t, 'payment');
    const replay = await postWebhook(t, delivered);
    expect(replay.status).toBe(200);
    expect(await count(t, 'payment')).toBe(payments);
    expect(await creditedTo(t, id)).toBe(800);
  });

  it('honours Idempotency-Key on capture: the same key replays, another order with it is 422', async () => {
    const id = await registerMailbox(t);
    const order = await createOrder(t, id, { amountMinor: 600 });
    await approve(order.approveUrl);
    const first = await capture(t, order.orderId, 'capture-key-1');
    const second = await capture(t, order.orderId, 'capture-key-1');
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await creditedTo(t, id)).toBe(600);

    const other = await createOrder(t, id, { amountMinor: 100 });
    await approve(other.approveUrl);
    const reused = await capture(t, other.orderId, 'capture-key-1');
    expect(reused.status).toBe(422);
    expect(reused.body.type).toMatch(/idempotency-key-reused$/);
    expect(await creditedTo(t, id)).toBe(600);
    // Nothing of the other order moved: it is still open and captures with a fresh key.
    expect((await capture(t, other.orderId, 'capture-key-2')).body).toEqual({ status: 'credited' });
    expect(await creditedTo(t, id)).toBe(700);
  });

  it('answers 404 for an order it never made and moves nothing', async () => {
    const before = await count(t, 'payment');
    const res = await capture(t, 'NOSUCHORDER000000');
    expect(res.status).toBe(404);
    expect(res.body.type).toMatch(/paypal-order-not-found$/);
    expect(await count(t, 'payment')).toBe(before);
  });

  it('refuses orders outside the limits, in another currency, for unknown or full mailboxes', async () => {
    const id = await registerMailbox(t);
    const order = (body: object, mailbox = id) =>
      t.http.post(`/v1/mailboxes/${mailbox}/paypal-orders`).set(t.auth('webmail')).send(body);
    const before = t.paypal.orders.size;
    const paypal = t.config.paypal!;
    for (const amountMinor of [paypal.minMinor - 1, paypal.maxMinor + 1]) {
      const res = await order({ amountMinor, currency: 'EUR' });
      expect(res.status).toBe(422);
      expect(res.body.type).toMatch(/paypal-amount-out-of-range$/);
    }
    const chf = await order({ amountMinor: 1200, currency: 'CHF' });
    expect(chf.status).toBe(422);
    expect(chf.body.type).toMatch(/paypal-currency-not-accepted$/);
    for (const body of [
      { amountMinor: 12.5, currency: 'EUR' },
      { amountMinor: 1200, currency: 'EUR', mailboxId: id },
      { amountMinor: 1200 },
    ]) {
      expect((await order(body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await order({ amountMinor: 1200, currency: 'EUR' }, 'nobody.here')).status).toBe(404);
    expect(t.paypal.orders.size).toBe(before);

    // The internal codes of PayPal orders are open codes of the mailbox.
    for (let i = 0; i < t.config.maxOpenCodes; i++) await createOrder(t, id);
    const full = await order({ amountMinor: 1200, currency: 'EUR' });
    expect(full.status).toBe(409);
    expect(full.body.type).toMatch(/too-many-open-codes$/);
    expect(t.paypal.orders.size).toBe(before + t.config.maxOpenCodes);
  });

  it('purges an order never captured once it expires, with its code', async () => {
    const id = await registerMailbox(t);
    const order = await createOrder(t, id);
    const orderHash = t.app.get(PayPalOrderKeys).order(order.orderId);
    t.clock.advance(t.config.paypal!.orderTtlDays + 1);
    try {
      await t.app.get(PayPalMaintenanceJob).purge();
      expect(await count(t, 'paypal_order', 'order_hash = $1', [orderHash])).toBe(0);
      await approve(order.approveUrl);
      const res = await capture(t, order.orderId);
      expect(res.status).toBe(404);
      expect(await creditedTo(t, id)).toBe(0);
    } finally {
      t.clock.advance(-(t.config.paypal!.orderTtlDays + 1));
    }
  });
});

describe('PayPal without configuration', () => {
  it('answers 503 paypal-not-configured on every PayPal route', async () => {
    const t = await startTestApp();
    try {
      const id = await registerMailbox(t);
      const responses = [
        await t.http
          .post(`/v1/mailboxes/${id}/paypal-orders`)
          .set(t.auth('webmail'))
          .send({ amountMinor: 1200, currency: 'EUR' }),
        await t.http.post('/v1/paypal-orders/ABC123/capture').set(t.auth('webmail')),
        await t.http
          .post('/v1/paypal/webhooks')
          .set('content-type', 'application/json')
          .send('{"event_type":"PAYMENT.CAPTURE.COMPLETED"}'),
      ];
      for (const res of responses) {
        expect(res.status).toBe(503);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body.type).toMatch(/paypal-not-configured$/);
      }
      expect(await count(t, 'payment')).toBe(0);
      expect(await count(t, 'topup_code')).toBe(0);
    } finally {
      await t.close();
    }
  });
});

describe('PayPal credits and the events to the webmail backend', () => {
  it('writes balance.credited with a PayPal credit while events are on, and none while they are off', async () => {
    const receiver = await new WebhookReceiver().start();
    const on = await startPayPalTestApp({
      app: {
        env: {
          WEBMAIL_WEBHOOK_URL: receiver.url,
          WEBMAIL_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
        },
      },
    });
    const off = await startPayPalTestApp();
    try {
      for (const [t, events] of [
        [on, 1],
        [off, 0],
      ] as const) {
        const id = await registerMailbox(t);
        const order = await createOrder(t, id, { amountMinor: 1500, country: 'AT' });
        await approve(order.approveUrl);
        expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
        const mailbox = t.app.get(KeyedHash).mailbox(id);
        expect(
          await count(t, 'event_outbox', "type = 'balance.credited' AND mailbox = $1", [mailbox]),
        ).toBe(events);
      }
    } finally {
      await on.close();
      await off.close();
      await receiver.stop();
    }
  });
});
