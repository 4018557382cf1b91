import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenKeys } from '../../src/tokens/token-keys.service';
import { buildTopupPage } from '../../src/tokens/page/build';
import { aCashPayment, creditedTo, registerMailbox } from '../support/builders';
import { startTestApp, TestApp } from '../support/test-app';

const ROOT = join(__dirname, '..', '..');
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => resolve(text));
  });
}

/**
 * A stand-in for the webmail: a page that frames /topup, takes the tokens it
 * posts, and has its backend redeem them for the signed-in mailbox.
 */
function webmail(billing: () => string, mailbox: () => string, webmailKey: () => string): Server {
  return createServer((req, res) => {
    void (async () => {
      if (req.url === '/redeem' && req.method === 'POST') {
        const { tokens } = JSON.parse(await body(req)) as { tokens: string[] };
        const answer = await fetch(
          `${billing()}/v1/mailboxes/${encodeURIComponent(mailbox())}/token-redemptions`,
          {
            method: 'POST',
            headers: {
              authorization: `Bearer ${webmailKey()}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify({ tokens }),
          },
        );
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(await answer.text());
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><title>webmail</title>
<iframe id="topup" src="${billing()}/topup?poll=300" width="600" height="900"></iframe>
<script>
  window.redeemed = [];
  window.addEventListener('message', async (event) => {
    if (event.origin !== ${JSON.stringify(billing())} || event.data.type !== 'billing-tokens') return;
    const res = await fetch('/redeem', { method: 'POST', body: JSON.stringify({ tokens: event.data.tokens }) });
    window.redeemed.push(await res.json());
    event.source.postMessage({ type: 'billing-tokens-redeemed', tokens: event.data.tokens }, event.origin);
  });
</script>`);
    })();
  });
}

describe('the top-up page in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let site: Server;
  let billing = '';
  let mailbox = '';

  beforeAll(async () => {
    await buildTopupPage(ROOT);
    site = webmail(
      () => billing,
      () => mailbox,
      () => t.keys.webmail,
    );
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    t = await startTestApp({
      env: {
        TOPUP_EMBED_ORIGIN: origin,
        TOKEN_REDEEM_DELAY_MAX_SECONDS: '0',
        TOKEN_DENOMINATIONS_MINOR: '100,200,500,1000',
      },
    });
    await t.app.listen(0, '127.0.0.1');
    billing = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    mailbox = await registerMailbox(t);
    await t.app.get(TokenKeys).live();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  it('creates a reserve, shows a GiroCode that decodes to the transfer, and redeems the tokens after a cash letter', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('pageerror', (e) => violations.push(e.message));
    page.on('console', (m) => {
      if (process.env.DEBUG_TOPUP) console.log(m.text());
      if (/Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
    const frame = page.frameLocator('#topup');
    await frame.locator('#amount').fill('17.00');
    await frame.locator('#create').click();
    await frame.locator('#pay').waitFor({ state: 'visible', timeout: 30_000 });
    const code = (await frame.locator('#code').textContent())!.trim();
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);

    // The GiroCode as drawn: rasterised in the webmail page and read by a QR decoder.
    const svg = await frame.locator('#girocode svg').evaluate((el) => el.outerHTML);
    await page.addScriptTag({ path: join(ROOT, 'node_modules/jsqr/dist/jsQR.js') });
    const decoded = await page.evaluate(async (markup: string) => {
      const image = new Image();
      image.src = `data:image/svg+xml;base64,${btoa(markup.replace('<svg', '<svg xmlns="http://www.w3.org/2000/svg"'))}`;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext('2d')!;
      context.drawImage(image, 0, 0);
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
      const read = (
        window as unknown as {
          jsQR: (d: Uint8ClampedArray, w: number, h: number) => { data: string } | null;
        }
      ).jsQR(pixels.data, canvas.width, canvas.height);
      return read?.data ?? null;
    }, svg);
    expect(decoded).toBe(
      [
        'BCD',
        '002',
        '1',
        'SCT',
        t.config.creditor.bic,
        t.config.creditor.name,
        t.config.creditor.iban,
        'EUR17.00',
        '',
        '',
        code,
      ].join('\n'),
    );

    const letter = await t.http
      .post('/v1/cash-payments')
      .set(t.auth('staff'))
      .send(aCashPayment({ code, amountMinor: 1700 }));
    expect(letter.body.status).toBe('credited');

    await page.waitForFunction(
      () => (window as unknown as { redeemed: unknown[] }).redeemed.length > 0,
      undefined,
      { timeout: 60_000 },
    );
    const redeemed = await page.evaluate(
      () => (window as unknown as { redeemed: unknown[] }).redeemed,
    );
    expect(redeemed).toEqual([{ credited: { amountMinor: 1700, currency: 'EUR' }, tokens: 3 }]);
    expect(await creditedTo(t, mailbox)).toBe(1700);
    await expect
      .poll(() => frame.locator('#status').textContent(), { timeout: 10_000 })
      .toMatch(/Redeemed/);
    const held = await frame
      .locator('body')
      .evaluate(() => window.localStorage.getItem('billing.tokens'));
    expect(held).toBeNull();
    expect(violations).toEqual([]);
    await page.close();
  }, 180_000);

  it('serves the page with a policy that allows only its own script, style and API, framed by the webmail alone', async () => {
    const res = await t.http.get('/topup');
    expect(res.status).toBe(200);
    const policy = res.headers['content-security-policy'] as string;
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain(`frame-ancestors ${t.config.tokens.embedOrigin}`);
    expect(policy).not.toContain('unsafe');
    expect(res.headers['x-frame-options']).toBeUndefined();
    // Nothing inline, nothing from elsewhere.
    expect(res.text).not.toMatch(/<script>|<style|style=|(src|href)="https?:/);
  });
});
