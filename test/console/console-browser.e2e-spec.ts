import { execFile } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ALPHABET, generateCode } from '../../src/codes/code-format';
import { StaffAccounts } from '../../src/staff/staff-accounts.service';
import { aCamtDocument } from '../support/camt-builder';
import { count, issueCode, registerMailbox } from '../support/builders';
import { startTestApp, TEST_SECRET, TestApp } from '../support/test-app';
import { buildConsole, launchChromium, screenshot, seriousViolations } from './browser-support';
import { anEnrolledAccount, Enrolled } from './staff-support';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');

/** A code with one symbol changed: its check symbols no longer match. */
function misread(code: string): string {
  const i = 3;
  const next = ALPHABET[(ALPHABET.indexOf(code[i]) + 1) % 32];
  return code.slice(0, i) + next + code.slice(i + 1);
}

describe('the staff console in Chromium', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let anna: Enrolled;
  const cspErrors: string[] = [];
  const violations: Record<string, unknown[]> = {};

  async function newPage(
    width = 1280,
    height = 800,
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width, height }, locale: 'en-GB' });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    return { context, page };
  }

  async function signInAs(page: Page, account: Enrolled, steps = 1): Promise<void> {
    await page.goto(`${base}/staff`);
    await page.getByLabel('Name').fill(account.name);
    await page.getByLabel('Password').fill(account.password);
    await page.getByLabel('One-time code').fill(account.code(steps));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  /** axe-core on the screen as it is now, and a screenshot of it. */
  async function check(page: Page, name: string): Promise<void> {
    violations[name] = await seriousViolations(page);
    await screenshot(page, name);
  }

  async function liveCode(): Promise<string> {
    return issueCode(t, await registerMailbox(t));
  }

  beforeAll(async () => {
    await buildConsole();
    t = await startTestApp({ env: { CASH_FOUR_EYES: 'true' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchChromium();
    anna = await anEnrolledAccount(t, 'anna', 'admin');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('enrols a new account from its link: the TOTP secret shown, a password set', async () => {
    const { link } = await t.app.get(StaffAccounts).add('erik', 'staff', 'en', 'test');
    const { context, page } = await newPage();
    await page.goto(link.replace(/^http:\/\/[^/]+/, base));
    const secret = await page.locator('[data-secret]').getAttribute('data-secret');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await check(page, 'enrolment');
    const { generateSync } = await import('otplib');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByLabel('One-time code').fill(generateSync({ secret: secret! }));
    await page.getByRole('button', { name: 'Finish enrolment' }).click();
    await page.getByText('Enrolled. You can sign in now.').waitFor();
    expect(await count(t, 'staff_account', "name = 'erik' AND status = 'active'")).toBe(1);
    await context.close();
  }, 120_000);

  it('signs in with TOTP, and not with a wrong code', async () => {
    const { context, page } = await newPage();
    await page.goto(`${base}/staff`);
    await check(page, 'sign-in');
    await page.getByLabel('Name').fill('anna');
    await page.getByLabel('Password').fill(anna.password);
    await page.getByLabel('One-time code').fill('123456' === anna.code(1) ? '654321' : '123456');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Name, password or one-time code is wrong.').waitFor();
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await page.getByLabel('One-time code').fill(anna.code(1));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Record letter' }).waitFor();
    expect(await page.evaluate('document.activeElement?.id')).toBe('code');
    await context.close();
  }, 120_000);

  it('takes 20 letters by keyboard alone and catches a misread symbol before sending', async () => {
    const ulla = await anEnrolledAccount(t, 'ulla', 'staff');
    const { context, page } = await newPage();
    await signInAs(page, ulla);
    // Canonical, without the separators the API shows them with.
    const codes = (await Promise.all(Array.from({ length: 20 }, () => liveCode()))).map((c) =>
      c.replace(/-/g, ''),
    );
    const amounts: [string, number][] = [
      ['12,00', 1200],
      ['12.00', 1200],
      ['12', 1200],
      ['€ 5', 500],
      ['7,50 €', 750],
    ];
    let sent = 0;
    page.on('request', (r) => {
      if (r.url().endsWith('/v1/cash-payments')) sent++;
    });
    const paymentsBefore = await count(t, 'payment');
    let total = 0;
    for (const [i, code] of codes.entries()) {
      const [typed, minor] = amounts[i % amounts.length];
      const spelled = i % 2 === 0 ? code.match(/.{4}/g)!.join('-') : code.toLowerCase();
      if (i === 7) {
        // A misread symbol: shown while typing, refused on Enter, nothing sent.
        await page.keyboard.type(misread(code));
        await expect.poll(() => page.locator('#code').getAttribute('aria-invalid')).toBe('true');
        await page.keyboard.press('Tab');
        await page.keyboard.type(typed);
        await page.keyboard.press('Enter');
        await page.locator('#answer').getByText('A symbol is misread').waitFor();
        expect(sent).toBe(i);
        expect(await page.evaluate('document.activeElement?.id')).toBe('code');
        await page.keyboard.press('Control+A');
        await page.keyboard.press('Backspace');
        await page.keyboard.type(spelled);
        await page.keyboard.press('Enter');
      } else {
        await page.keyboard.type(spelled);
        await page.keyboard.press('Tab');
        await page.keyboard.type(typed);
        await page.keyboard.press('Enter');
      }
      total += minor;
      await page
        .locator('.tally')
        .getByText(`${i + 1} letters`)
        .waitFor();
      await expect.poll(() => page.locator('#answer').textContent()).toMatch(/^Credited: €/);
      expect(await page.evaluate('document.activeElement?.id')).toBe('code');
    }
    expect(sent).toBe(20);
    expect(await page.locator('.tally').textContent()).toContain(`€${(total / 100).toFixed(2)}`);
    expect(await count(t, 'payment')).toBe(paymentsBefore + 20);
    expect(await count(t, 'audit_record', "actor = 'ulla' AND action = 'cash-letter'")).toBe(20);
    await check(page, 'letters');
    await context.close();
  }, 180_000);

  it('is usable on a tablet', async () => {
    const vera = await anEnrolledAccount(t, 'vera', 'staff', 'de');
    const { context, page } = await newPage(768, 1024);
    await signInAs(page, vera);
    // German words, the stable English names beside them for tests like this one.
    await page.getByRole('button', { name: 'Brief erfassen' }).waitFor();
    const code = await liveCode();
    await page.getByLabel('Code', { exact: true }).fill(code);
    await page.getByLabel('Amount').fill('12,00');
    await page.getByRole('button', { name: 'Record letter' }).click();
    await expect
      .poll(() => page.locator('#answer').textContent())
      .toMatch(/^Gutgeschrieben: 12,00/);
    await check(page, 'letters-tablet-de');
    await context.close();
  }, 120_000);

  it('records a batch only when a second account confirms the counted total', async () => {
    const { context, page } = await newPage();
    const bert = await anEnrolledAccount(t, 'bert', 'staff', 'de');
    await signInAs(page, await anEnrolledAccount(t, 'nina', 'admin'));
    await page.getByRole('link', { name: 'Batches' }).click();
    await page.getByRole('button', { name: 'New batch' }).click();
    const codes = [await liveCode(), await liveCode(), await liveCode()];
    for (const code of codes) {
      await page.getByLabel('Code', { exact: true }).focus();
      await page.keyboard.type(code);
      await page.keyboard.press('Tab');
      await page.keyboard.type('10,00');
      await page.keyboard.press('Enter');
    }
    await page.getByRole('button', { name: 'Hand over for confirmation' }).click();
    await page.getByLabel('Counted total').waitFor();
    const paymentsBefore = await count(t, 'payment');
    await page.getByLabel('Counted total').fill('30,00');
    await page.getByRole('button', { name: 'Confirm batch' }).click();
    await page.getByText('You entered this batch').waitFor();
    await check(page, 'batches');
    expect(await count(t, 'payment')).toBe(paymentsBefore);

    const second = await newPage();
    await signInAs(second.page, bert);
    await second.page.getByRole('link', { name: 'Batches' }).click();
    await second.page.getByLabel('Counted total').fill('29,00');
    await second.page.getByRole('button', { name: 'Confirm batch' }).click();
    await second.page.getByText('Die Zählung weicht').waitFor();
    expect(await count(t, 'payment')).toBe(paymentsBefore);
    await second.page.getByLabel('Counted total').fill('30');
    await second.page.getByRole('button', { name: 'Confirm batch' }).click();
    await second.page.getByText('Stapel erfasst: 3').waitFor();
    expect(await count(t, 'payment')).toBe(paymentsBefore + 3);
    await check(second.page, 'batches-confirmed-de');
    await second.context.close();
    await context.close();
  }, 180_000);

  it('resolves an unmatched payment with a note; it leaves the queue', async () => {
    const { context, page } = await newPage();
    const otto = await anEnrolledAccount(t, 'otto', 'admin');
    await signInAs(page, otto);
    const stranger = generateCode();
    await page.getByLabel('Code', { exact: true }).fill(stranger);
    await page.getByLabel('Amount').fill('4,20');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#answer').textContent()).toContain('unknown-code');
    await page.getByRole('link', { name: 'Unmatched' }).click();
    await page.getByLabel('Reason').selectOption('unknown-code');
    await page.getByRole('button', { name: /^Open .*€4\.20/ }).click();
    await page.getByLabel('Action').selectOption('kept');
    await page.getByLabel('Note').fill('No mailbox answered; kept as the cash office decided');
    await check(page, 'unmatched');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByText('Resolved: kept').waitFor();
    await expect.poll(() => page.getByRole('button', { name: /^Open .*€4\.20/ }).count()).toBe(0);
    expect(await count(t, 'payment', "status = 'kept'")).toBe(1);
    await context.close();
  }, 120_000);

  it('uploads a bank statement with a progress bar and shows the import report', async () => {
    const { context, page } = await newPage();
    const paula = await anEnrolledAccount(t, 'paula', 'staff');
    await signInAs(page, paula);
    const code = await liveCode();
    const file = join(mkdtempSync(join(tmpdir(), 'console-upload-')), 'statement.xml');
    writeFileSync(
      file,
      aCamtDocument([{ ustrd: [`Aufladung ${code}`] }, { ustrd: ['no code here'] }]),
    );
    await page.getByRole('link', { name: 'Statements' }).click();
    await page.getByLabel('Statement file').setInputFiles(file);
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByRole('heading', { name: 'Import report' }).waitFor();
    expect(await page.locator('progress').getAttribute('value')).toBe('100');
    expect(await page.locator('.answer dl').textContent()).toMatch(/entries2Credited1Unmatched1/);
    expect(await count(t, 'audit_record', "actor = 'paula' AND action = 'statement-upload'")).toBe(
      1,
    );
    await check(page, 'statements');
    await context.close();
  }, 120_000);

  it('shows the books, the staff accounts and the audit trail to an admin', async () => {
    const { context, page } = await newPage();
    const xena = await anEnrolledAccount(t, 'xena', 'admin');
    await signInAs(page, xena);
    await page.getByRole('link', { name: 'Books' }).click();
    await page.getByRole('img', { name: 'Credited per day and channel' }).waitFor();
    await page.getByRole('img', { name: 'Anonymity sets: credits per group size' }).waitFor();
    expect(await page.getByRole('link', { name: 'VAT CSV' }).getAttribute('href')).toMatch(
      /^\/v1\/reports\/vat\?from=/,
    );
    await check(page, 'books');
    await page.getByRole('link', { name: 'Staff' }).click();
    await page.getByRole('cell', { name: 'ulla', exact: true }).waitFor();
    await check(page, 'staff');
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('link', { name: 'Export CSV' }).waitFor();
    await page.getByRole('cell', { name: 'batch-confirmed' }).waitFor();
    await check(page, 'audit');
    await context.close();
  }, 120_000);

  it('ends a session mid-work when `staff disable` runs', async () => {
    const { context, page } = await newPage();
    const walt = await anEnrolledAccount(t, 'walt', 'staff');
    await signInAs(page, walt);
    const code = await liveCode();
    const before = await count(t, 'payment');
    await run('node', ['-r', '@swc-node/register', 'src/cli/main.ts', 'staff', 'disable', 'walt'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: t.db.url,
        DATA_DIR: t.db.dir,
        SECRET_KEY: TEST_SECRET,
        API_KEYS: `admin:${t.keys.admin}`,
        LOG_LEVEL: 'silent',
      },
    });
    await page.getByLabel('Code', { exact: true }).fill(code);
    await page.getByLabel('Amount').fill('12');
    await page.keyboard.press('Enter');
    await page.getByText('Your session has ended. Please sign in again.').waitFor();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await count(t, 'payment')).toBe(before);
    await context.close();
  }, 120_000);

  it('refuses a cross-site form post with 403 and records nothing', async () => {
    const { context, page } = await newPage();
    const yves = await anEnrolledAccount(t, 'yves', 'staff');
    await signInAs(page, yves);
    const code = await liveCode();
    const target = `${base}/v1/cash-payments`;
    const evil: Server = createServer((request, response) => {
      const type = new URL(request.url!, 'http://x').searchParams.get('type')!;
      response.setHeader('content-type', 'text/html');
      response.end(`<!doctype html><form method="post" action="${target}" enctype="${type}">
        <input name='{"code":"${code}","amountMinor":1200,"currency":"EUR","receivedOn":"2026-11-30","x":"' value='"}'>
        </form><script>document.forms[0].submit()</script>`);
    });
    await new Promise<void>((done) => evil.listen(0, 'localhost', done));
    const evilOrigin = `http://localhost:${(evil.address() as AddressInfo).port}`;
    const before = { payments: await count(t, 'payment'), audit: await count(t, 'audit_record') };
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
      const answered = page.waitForResponse((r) => r.url() === target);
      await page.goto(`${evilOrigin}/?type=${encodeURIComponent(type)}`);
      expect((await answered).status(), type).toBe(403);
    }
    expect(await count(t, 'payment')).toBe(before.payments);
    expect(await count(t, 'audit_record')).toBe(before.audit);
    evil.close();
    await context.close();
  }, 120_000);

  it('has no serious or critical accessibility violation on any screen, and no CSP refusal', () => {
    expect(Object.keys(violations).sort()).toEqual(
      [
        'audit',
        'batches',
        'batches-confirmed-de',
        'books',
        'enrolment',
        'letters',
        'letters-tablet-de',
        'sign-in',
        'staff',
        'statements',
        'unmatched',
      ].sort(),
    );
    expect(violations).toEqual(Object.fromEntries(Object.keys(violations).map((k) => [k, []])));
    expect(cspErrors).toEqual([]);
  });
});
