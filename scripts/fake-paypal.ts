/**
 * `npm run fake:paypal`: the PayPal stand-in on loopback, for developing the
 * webmail backend (or the service) without PayPal. Prints the variables that
 * point the service at it.
 *
 *   FAKE_PAYPAL_PORT         default 8099
 *   FAKE_PAYPAL_WEBHOOK_URL  default http://127.0.0.1:3000/v1/paypal/webhooks
 *   FAKE_PAYPAL_WEBHOOK_ID   default WH-FAKE-0001
 *   FAKE_PAYPAL_CLIENT_ID / FAKE_PAYPAL_CLIENT_SECRET   default fake-client / fake-secret
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakePayPal } from '../test/support/fake-paypal/fake-paypal.server';

async function main(): Promise<void> {
  const clientId = process.env.FAKE_PAYPAL_CLIENT_ID || 'fake-client';
  const clientSecret = process.env.FAKE_PAYPAL_CLIENT_SECRET || 'fake-secret';
  const fake = await new FakePayPal({
    port: Number(process.env.FAKE_PAYPAL_PORT || 8099),
    clientId,
    clientSecret,
    webhookId: process.env.FAKE_PAYPAL_WEBHOOK_ID || 'WH-FAKE-0001',
    webhookUrl: process.env.FAKE_PAYPAL_WEBHOOK_URL || 'http://127.0.0.1:3000/v1/paypal/webhooks',
  }).start();
  // The root the stand-in's webhook certificate chains to, for the service to trust.
  const roots = join(mkdtempSync(join(tmpdir(), 'fake-paypal-')), 'roots.pem');
  writeFileSync(roots, fake.rootPem);
  console.log(`fake PayPal listening on ${fake.baseUrl}; webhooks go to ${fake.webhookUrl}`);
  console.log('start the service with:');
  console.log(`  PAYPAL_API_BASE=${fake.baseUrl}`);
  console.log(`  PAYPAL_CLIENT_ID=${clientId}`);
  console.log(`  PAYPAL_CLIENT_SECRET=${clientSecret}`);
  console.log(`  PAYPAL_WEBHOOK_ID=${fake.webhookId}`);
  console.log(`  PAYPAL_CERT_CA_FILE=${roots}`);
  console.log('  PAYPAL_RETURN_URL=http://127.0.0.1:3000/paypal-return');
  console.log(
    'approve an order by opening its approveUrl (add &capture=PENDING or DECLINED to choose);',
  );
  console.log('pay a card order: POST /v2/checkout/orders/{id}/confirm-payment-source with a card');
  console.log('POST /fake/captures/{id}/complete|deny|refund|reverse|dispute sends the webhook.');
  const stop = () => void fake.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`fake PayPal: ${(error as Error)?.message ?? String(error)}`);
  process.exit(1);
});
