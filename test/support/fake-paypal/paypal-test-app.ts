import { mkdtempSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, TestApp, TestAppOptions } from '../test-app';
import { FakePayPal, FakePayPalOptions } from './fake-paypal.server';

export interface PayPalTestApp extends TestApp {
  paypal: FakePayPal;
  /** The service's own origin, listening on loopback for the stand-in's webhooks. */
  origin: string;
}

/**
 * The service configured against the PayPal stand-in, both on loopback: the
 * service calls the stand-in through the real SDK, and the stand-in delivers
 * signed webhooks to the service's real HTTP port.
 */
export async function startPayPalTestApp(
  options: { fake?: FakePayPalOptions; app?: TestAppOptions } = {},
): Promise<PayPalTestApp> {
  const clientId = `client-${Math.random().toString(36).slice(2)}`;
  const paypal = await new FakePayPal({
    port: 0,
    clientId,
    clientSecret: 'fake-secret',
    ...options.fake,
  }).start();
  // The service trusts the stand-in's root as it trusts DigiCert's for PayPal.
  const roots = join(mkdtempSync(join(tmpdir(), 'paypal-roots-')), 'roots.pem');
  writeFileSync(roots, paypal.rootPem);
  const t = await startTestApp({
    ...options.app,
    env: {
      PAYPAL_API_BASE: paypal.baseUrl,
      PAYPAL_CLIENT_ID: clientId,
      PAYPAL_CLIENT_SECRET: 'fake-secret',
      PAYPAL_WEBHOOK_ID: paypal.webhookId,
      PAYPAL_RETURN_URL: 'https://webmail.example/paypal/return',
      PAYPAL_CERT_CA_FILE: roots,
      ...options.app?.env,
    },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  paypal.webhookUrl ??= `${origin}/v1/paypal/webhooks`;
  return {
    ...t,
    paypal,
    origin,
    close: async () => {
      await paypal.stop();
      await t.close();
    },
  };
}

/** The webmail backend asks for a card order; throws unless 201. */
export async function createCardOrder(
  t: PayPalTestApp,
  mailboxId: string,
  body: { amountMinor?: number; currency?: string; country?: string } = {},
): Promise<{ orderId: string }> {
  const res = await t.http
    .post(`/v1/mailboxes/${encodeURIComponent(mailboxId)}/card-orders`)
    .set(t.auth('webmail'))
    .send({ amountMinor: 1200, currency: 'EUR', ...body });
  if (res.status !== 201) throw new Error(`card order failed: ${res.status} ${res.text}`);
  return res.body;
}

/** The webmail backend asks for an order; throws unless 201. */
export async function createOrder(
  t: PayPalTestApp,
  mailboxId: string,
  body: { amountMinor?: number; currency?: string; country?: string } = {},
): Promise<{ orderId: string; approveUrl: string }> {
  const res = await t.http
    .post(`/v1/mailboxes/${encodeURIComponent(mailboxId)}/paypal-orders`)
    .set(t.auth('webmail'))
    .send({ amountMinor: 1200, currency: 'EUR', ...body });
  if (res.status !== 201) throw new Error(`order failed: ${res.status} ${res.text}`);
  return res.body;
}

/** The buyer opens the approve link, as a browser would; `capture` picks how the capture ends. */
export async function approve(approveUrl: string, capture?: string): Promise<void> {
  const res = await fetch(capture ? `${approveUrl}&capture=${capture}` : approveUrl);
  if (res.status !== 200) throw new Error(`approval failed: ${res.status}`);
}

export function capture(t: PayPalTestApp, orderId: string, idempotencyKey?: string) {
  const req = t.http.post(`/v1/paypal-orders/${orderId}/capture`).set(t.auth('webmail'));
  if (idempotencyKey) req.set('idempotency-key', idempotencyKey);
  return req;
}

/** Posts a (possibly doctored) webhook straight to the service. */
export function postWebhook(
  t: PayPalTestApp,
  signed: { headers: Record<string, string>; body: string },
) {
  return t.http.post('/v1/paypal/webhooks').set(signed.headers).send(signed.body);
}
