import { PayPalOrderKeys } from '../../src/paypal/paypal-order.keys';
import { creditedTo, count, registerMailbox } from '../support/builders';
import { FakePayPal, SignedEvent } from '../support/fake-paypal/fake-paypal.server';
import {
  approve,
  capture,
  createOrder,
  PayPalTestApp,
  postWebhook,
  startPayPalTestApp,
} from '../support/fake-paypal/paypal-test-app';
import {
  makeTestCertificate,
  makeTestRoot,
  TestCertificate,
} from '../support/fake-paypal/test-certificate';

describe('PayPal webhooks: only verified events change anything', () => {
  let t: PayPalTestApp;
  let attacker: FakePayPal;
  let mailbox: string;
  let orderId: string;
  let genuine: SignedEvent;

  beforeAll(async () => {
    t = await startPayPalTestApp();
    // Another server with its own key, which signs "for" our webhook id.
    attacker = await new FakePayPal({ port: 0, webhookId: t.paypal.webhookId }).start();
    // A pending capture: a COMPLETED event for it, if accepted, would credit the mailbox.
    mailbox = await registerMailbox(t);
    ({ orderId } = await createOrder(t, mailbox, { amountMinor: 2500 }));
    const order = t.paypal.orders.get(orderId)!;
    await approve(`${t.paypal.baseUrl}/checkoutnow?token=${orderId}`, 'PENDING');
    expect((await capture(t, orderId)).status).toBe(202);
    await t.paypal.settled();
    genuine = t.paypal.signEvent('PAYMENT.CAPTURE.COMPLETED', 'capture', {
      id: t.paypal.captureOf(orderId)!.id,
      status: 'COMPLETED',
      amount: order.amount,
      custom_id: order.customId,
      supplementary_data: { related_ids: { order_id: orderId } },
    });
  });
  afterAll(async () => {
    await attacker.stop();
    await t.close();
  });

  /** Sends a doctored event, expects 400 problem+json and no change at all. */
  async function refused(event: SignedEvent): Promise<void> {
    const payments = await count(t, 'payment');
    const res = await postWebhook(t, event);
    expect(res.status, res.text).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(await count(t, 'payment')).toBe(payments);
    expect(await creditedTo(t, mailbox)).toBe(0);
    const [link] = await t.sql('SELECT state FROM paypal_order WHERE order_hash = $1', [
      t.app.get(PayPalOrderKeys).order(orderId),
    ]);
    expect(link).toEqual({ state: 'pending' });
  }

  it('refuses an unsigned event', async () => {
    await refused({ headers: { 'content-type': 'application/json' }, body: genuine.body });
  });

  it.each([
    'paypal-transmission-id',
    'paypal-transmission-time',
    'paypal-transmission-sig',
    'paypal-cert-url',
    'paypal-auth-algo',
  ])('refuses an event without %s', async (header) => {
    const headers = { ...genuine.headers };
    delete headers[header];
    await refused({ headers, body: genuine.body });
  });

  it('refuses a signed event whose body was changed, even by one byte', async () => {
    await refused({ headers: genuine.headers, body: genuine.body.replace('"25.00"', '"95.00"') });
    await refused({ headers: genuine.headers, body: genuine.body.replace(/}\s*$/, '} ') });
  });

  it('refuses an event whose signed headers were changed', async () => {
    for (const header of ['paypal-transmission-id', 'paypal-transmission-time'] as const) {
      await refused({
        headers: { ...genuine.headers, [header]: `${genuine.headers[header]}0` },
        body: genuine.body,
      });
    }
    const signature = Buffer.from(genuine.headers['paypal-transmission-sig'], 'base64');
    signature[10] ^= 1;
    await refused({
      headers: { ...genuine.headers, 'paypal-transmission-sig': signature.toString('base64') },
      body: genuine.body,
    });
    await refused({
      headers: { ...genuine.headers, 'paypal-transmission-sig': 'bm90IGEgc2lnbmF0dXJl' },
      body: genuine.body,
    });
  });

  it('refuses an event signed for another webhook id', async () => {
    await refused({
      headers: t.paypal.signatureHeaders(genuine.body, 'WH-SOMEONE-ELSE'),
      body: genuine.body,
    });
  });

  it('refuses any algorithm but SHA256withRSA', async () => {
    await refused({
      headers: { ...genuine.headers, 'paypal-auth-algo': 'SHA1withRSA' },
      body: genuine.body,
    });
  });

  it('never fetches a certificate from an untrusted place', async () => {
    const forged = attacker.signEvent(
      'PAYMENT.CAPTURE.COMPLETED',
      'capture',
      JSON.parse(genuine.body).resource,
    );
    await refused(forged);
    const trusted = `${t.paypal.baseUrl}/v1/notifications/certs/`;
    for (const certUrl of [
      `${trusted}../../../evil`,
      `${trusted}%2e%2e/%2e%2e/evil`,
      `${t.paypal.baseUrl}/v1/notifications/certs`,
      `${trusted}CERT?x=${encodeURIComponent(attacker.certUrl)}`,
      `http://user@127.0.0.1:${new URL(t.paypal.baseUrl).port}/v1/notifications/certs/CERT`,
      `${t.paypal.baseUrl.replace('127.0.0.1', 'localhost')}/v1/notifications/certs/CERT`,
    ]) {
      await refused({
        headers: { ...forged.headers, 'paypal-cert-url': certUrl },
        body: forged.body,
      });
    }
    expect(attacker.requests.filter((r) => r.path.includes('/certs/'))).toEqual([]);
  });

  it('refuses a certificate URL under the trusted prefix that names no certificate', async () => {
    await refused({
      headers: {
        ...genuine.headers,
        'paypal-cert-url': `${t.paypal.baseUrl}/v1/notifications/certs/CERT-does-not-exist`,
      },
      body: genuine.body,
    });
  });

  it('refuses bodies that are not JSON', async () => {
    const body = 'event_type=PAYMENT.CAPTURE.COMPLETED';
    await refused({ headers: t.paypal.signatureHeaders(body), body });
  });

  it('fetches the certificate once and keeps it, then accepts the genuine event and credits', async () => {
    const certPath = new URL(t.paypal.certUrl).pathname;
    const fetches = () => t.paypal.requests.filter((r) => r.path === certPath).length;
    const before = fetches();
    const res = await postWebhook(t, genuine);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'processed' });
    expect(await creditedTo(t, mailbox)).toBe(2500);
    expect((await postWebhook(t, genuine)).status).toBe(200);
    expect(await creditedTo(t, mailbox)).toBe(2500);
    expect(fetches()).toBe(before);
    // Fetched once, for the PENDING event before these tests; never again.
    expect(before).toBe(1);
  });
});

describe('PayPal webhooks signed with a certificate that has expired', () => {
  it('are refused with 400', async () => {
    const day = 24 * 3600_000;
    const t = await startPayPalTestApp({
      fake: {
        certificate: makeTestCertificate({
          notBefore: new Date(Date.now() - 30 * day),
          notAfter: new Date(Date.now() - day),
        }),
      },
    });
    try {
      const signed = t.paypal.signEvent('PAYMENT.CAPTURE.COMPLETED', 'capture', {
        id: 'SOMECAPTURE000001',
        amount: { currency_code: 'EUR', value: '1.00' },
      });
      const res = await postWebhook(t, signed);
      expect(res.status).toBe(400);
      expect(await count(t, 'payment')).toBe(0);
    } finally {
      await t.close();
    }
  });
});

describe('PayPal webhook certificates: a chain to a trusted root, and PayPal as subject', () => {
  const root = makeTestRoot();
  let t: PayPalTestApp;
  beforeAll(async () => {
    t = await startPayPalTestApp({ fake: { certificate: makeTestCertificate({ root }) } });
  }, 60_000);
  afterAll(() => t.close());

  /** A pending capture, then its completion signed with `certificate`; returns the answer. */
  async function completeSignedWith(certificate: TestCertificate) {
    const mailbox = await registerMailbox(t);
    const { orderId } = await createOrder(t, mailbox, { amountMinor: 2100 });
    await approve(`${t.paypal.baseUrl}/checkoutnow?token=${orderId}`, 'PENDING');
    expect((await capture(t, orderId)).status).toBe(202);
    await t.paypal.settled();
    t.paypal.useCertificate(certificate);
    const order = t.paypal.orders.get(orderId)!;
    const signed = t.paypal.signEvent('PAYMENT.CAPTURE.COMPLETED', 'capture', {
      id: t.paypal.captureOf(orderId)!.id,
      status: 'COMPLETED',
      amount: order.amount,
      custom_id: order.customId,
      supplementary_data: { related_ids: { order_id: orderId } },
    });
    const res = await postWebhook(t, signed);
    return { res, credited: await creditedTo(t, mailbox) };
  }

  it.each([
    ['self-signed, with the right name', () => makeTestCertificate({ selfSigned: true })],
    [
      'from a trusted root, but not for PayPal',
      () =>
        makeTestCertificate({
          root,
          commonName: 'messageverificationcerts.paypal.com.evil.example',
        }),
    ],
    [
      'issued by a certificate that may not issue',
      () => makeTestCertificate({ root, intermediateIsCa: false }),
    ],
    ['from a root nobody trusts', () => makeTestCertificate({ root: makeTestRoot('Other Root') })],
  ])('refuses an event signed with a certificate %s', async (_, make) => {
    const { res, credited } = await completeSignedWith(make());
    expect(res.status, res.text).toBe(400);
    expect(res.body.type).toMatch(/paypal-webhook-rejected$/);
    expect(credited).toBe(0);
  });

  it("accepts one from the trusted root with PayPal's name, and credits", async () => {
    const { res, credited } = await completeSignedWith(
      makeTestCertificate({ root, commonName: 'messageverificationcerts.paypal.com' }),
    );
    expect(res.status, res.text).toBe(200);
    expect(credited).toBe(2100);
  });
});
