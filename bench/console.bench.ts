/**
 * The staff console in Chromium against the production build of the service:
 * 200 cash letters typed by keyboard, the time from pressing Enter to the answer
 * shown (performance.measure in the page), beside the same 200 POSTs sent with
 * fetch from the page, no form in between, as the baseline of this run. Also the
 * gzipped size of the console's script and styles.
 *
 *   npm run bench:console   # builds console-assets/ first
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { generateSync } from 'otplib';
import { chromium } from 'playwright-core';
import { freePort, startService } from './bench-service';

const ROOT = resolve(__dirname, '..');
const LETTERS = Number(process.env.BENCH_LETTERS ?? 200);
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

async function main(): Promise<void> {
  const sizes = Object.fromEntries(
    ['console.js', 'console.css'].map((f) => [
      f,
      gzipSync(readFileSync(join(ROOT, 'console-assets', f))).length,
    ]),
  );
  const dir = mkdtempSync(join(tmpdir(), 'bench-console-'));
  const port = await freePort();
  const keys = { webmail: randomBytes(24).toString('hex'), staff: randomBytes(24).toString('hex') };
  const env = {
    SECRET_KEY: randomBytes(32).toString('hex'),
    DATABASE_URL: process.env.DATABASE_URL ?? `sqlite:${join(dir, 'billing.sqlite')}`,
    LOG_LEVEL: 'warn',
  };
  const service = await startService(dir, port, keys, env);
  const base = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
  try {
    const cliEnv = {
      ...process.env,
      ...env,
      NODE_ENV: 'production',
      PORT: String(port),
      API_KEYS: Object.entries(keys)
        .map(([r, k]) => `${r}:${k}`)
        .join(','),
    };
    const added = execFileSync(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        'src/cli/main.ts',
        'staff',
        'add',
        'bench',
        '--role',
        'staff',
        '--locale',
        'en',
      ],
      { cwd: ROOT, env: cliEnv, encoding: 'utf8' },
    );
    const token = /#(\S+)/.exec(added)![1];
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const { secret } = (await (await post('/v1/staff/enrolment', { token })).json()) as {
      secret: string;
    };
    const password = 'a bench password of some length';
    await post('/v1/staff/enrolment/completion', {
      token,
      password,
      oneTimeCode: generateSync({ secret }),
    });

    const mailbox = `bench.${randomBytes(4).toString('hex')}@example.org`;
    const webmail = { authorization: `Bearer ${keys.webmail}` };
    await fetch(`${base}/v1/mailboxes/${mailbox}`, { method: 'PUT', headers: webmail });
    const codes: string[] = [];
    for (let i = 0; i < 2 * LETTERS; i++) {
      const res = await fetch(`${base}/v1/mailboxes/${mailbox}/topup-codes`, {
        method: 'POST',
        headers: { ...webmail, 'content-type': 'application/json' },
        body: '{}',
      });
      codes.push(((await res.json()) as { code: string }).code);
    }

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${base}/staff`);
    await page.getByLabel('Name').fill('bench');
    await page.getByLabel('Password').fill(password);
    await page
      .getByLabel('One-time code')
      .fill(generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Record letter' }).waitFor();

    // The baseline: the same request from the same page, without the form.
    const baseline = (await page.evaluate(
      async ({ codes, day }) => {
        const me = (await (await fetch('/v1/staff/session')).json()) as { csrfToken: string };
        const times: number[] = [];
        for (const code of codes) {
          const start = performance.now();
          const res = await fetch('/v1/cash-payments', {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
            body: JSON.stringify({ code, amountMinor: 1200, currency: 'EUR', receivedOn: day }),
          });
          await res.json();
          times.push(performance.now() - start);
        }
        return times;
      },
      { codes: codes.slice(LETTERS), day: new Date().toISOString().slice(0, 10) },
    )) as number[];

    for (const [i, code] of codes.slice(0, LETTERS).entries()) {
      await page.keyboard.type(code);
      await page.keyboard.press('Tab');
      await page.keyboard.type('12,00');
      await page.keyboard.press('Enter');
      // A MutationObserver in the page, not a polling locator: the harness stays off its main thread.
      await page.evaluate(`new Promise((resolve) => {
        const tally = document.querySelector('.tally');
        const done = () => tally.textContent.includes('${i + 1} letters');
        if (done()) return resolve();
        new MutationObserver((_, observer) => {
          if (done()) { observer.disconnect(); resolve(); }
        }).observe(tally, { childList: true, characterData: true, subtree: true });
      })`);
    }
    const measured = (await page.evaluate(() =>
      performance.getEntriesByName('letter', 'measure').map((e) => e.duration),
    )) as number[];
    const answers = await page.locator('.tally').textContent();
    if (measured.length !== LETTERS) throw new Error(`measured ${measured.length} letters`);

    const ui = [...measured].sort((a, b) => a - b);
    const api = [...baseline].sort((a, b) => a - b);
    console.log(`letters by keyboard: ${answers}`);
    console.log(
      `enter to answer (ms): p50=${quantile(ui, 0.5).toFixed(1)} p99=${quantile(ui, 0.99).toFixed(1)} max=${ui[ui.length - 1].toFixed(1)}`,
    );
    console.log(
      `same POST by fetch (ms): p50=${quantile(api, 0.5).toFixed(1)} p99=${quantile(api, 0.99).toFixed(1)}`,
    );
    const total = sizes['console.js'] + sizes['console.css'];
    console.log(
      `assets gzipped: console.js=${(sizes['console.js'] / 1024).toFixed(1)} KB console.css=${(sizes['console.css'] / 1024).toFixed(1)} KB`,
    );
    console.log(
      `letters=${LETTERS} p50_ms=${quantile(ui, 0.5).toFixed(1)} p99_ms=${quantile(ui, 0.99).toFixed(1)} ` +
        `ratio_p50_vs_fetch=${(quantile(ui, 0.5) / quantile(api, 0.5)).toFixed(2)} assets_gzip_kb=${(total / 1024).toFixed(1)}`,
    );
  } finally {
    await browser.close();
    service.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
