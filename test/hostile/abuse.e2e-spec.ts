import { MailboxesService } from '../../src/mailboxes/mailboxes.service';
import { aMailboxId, issueCode, registerMailbox } from '../support/builders';
import { startTestApp, TestApp, TEST_SECRET } from '../support/test-app';
import {
  createOrder,
  PayPalTestApp,
  startPayPalTestApp,
} from '../support/fake-paypal/paypal-test-app';

const problemJson = 'application/problem+json';

describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('are on every API answer, errors included, with a policy that allows nothing', async () => {
    for (const res of [
      await t.http.get('/health'),
      await t.http.get('/v1/mailboxes/m1'),
      await t.http.get('/no-such-route'),
    ]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('let /docs load: its scripts and styles come from this origin and the policy allows them', async () => {
    const page = await t.http.get('/docs');
    expect(page.status).toBe(200);
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("'unsafe-eval'");
    // No inline script: 'self' alone must be enough to run the page.
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="/);
      expect(body.trim()).toBe('');
    }
    const assets = [...page.text.matchAll(/(?:src|href)="(\.?\/?[^"#:]+\.(?:js|css))"/g)].map(
      ([, path]) => new URL(path, 'http://x/docs').pathname,
    );
    expect(assets.length).toBeGreaterThan(1);
    for (const path of assets) expect((await t.http.get(path)).status, path).toBe(200);
    expect((await t.http.get('/docs-json')).body.openapi).toMatch(/^3\./);
  });
});

describe('body limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { BODY_LIMIT_BYTES: '2048' } });
  });
  afterAll(() => t.close());

  it('answers 413 problem+json to a JSON body over BODY_LIMIT_BYTES, before reading it all', async () => {
    const res = await t.http
      .post('/v1/cash-payments')
      .set(t.auth('staff'))
      .set('content-type', 'application/json')
      .send(JSON.stringify({ code: 'x'.repeat(4096) }));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toContain(problemJson);
    expect(res.body.type).toMatch(/payload-too-large$/);
  });
});

describe('rate limit on code issuance', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { CODE_ISSUE_LIMIT_PER_MINUTE: '3', MAX_OPEN_CODES: '10' } });
  });
  afterAll(() => t.close());

  it('answers 429 problem+json after the limit per mailbox, and only for that mailbox', async () => {
    const id = await registerMailbox(t);
    for (let i = 0; i < 3; i++) await issueCode(t, id);
    const res = await t.http
      .post(`/v1/mailboxes/${encodeURIComponent(id)}/topup-codes`)
      .set(t.auth('webmail'))
      .send({});
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toContain(problemJson);
    expect(res.body.type).toMatch(/too-many-requests$/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(res.text).not.toContain(id);

    // Another mailbox has its own budget; reading is not limited.
    await issueCode(t, await registerMailbox(t));
    expect((await t.http.get(`/v1/mailboxes/${id}`).set(t.auth('webmail'))).status).toBe(200);
    // Neither the id nor its pseudonym is logged.
    const [{ pseudonym }] = await t.sql<{ pseudonym: string }>('SELECT pseudonym FROM mailbox');
    expect(t.logs.join('\n')).not.toContain(id);
    expect(t.logs.join('\n')).not.toContain(pseudonym);
  });

  it('counts no unauthenticated or forbidden calls against a mailbox', async () => {
    const id = await registerMailbox(t);
    const issue = (authorization: string) =>
      t.http.post(`/v1/mailboxes/${id}/topup-codes`).set('authorization', authorization).send({});
    for (let i = 0; i < 10; i++) {
      expect((await issue('Bearer not-a-key-000000000000000000')).status).toBe(401);
      expect((await issue(t.auth('staff').authorization)).status).toBe(403);
    }
    // The whole budget is still there, and it is spent by the calls that issue.
    for (let i = 0; i < 3; i++)
      expect((await issue(t.auth('webmail').authorization)).status).toBe(201);
    expect((await issue(t.auth('webmail').authorization)).status).toBe(429);
  });
});

describe('rate limit on code issuance, PayPal orders included', () => {
  let t: PayPalTestApp;
  beforeAll(async () => {
    t = await startPayPalTestApp({
      app: { env: { CODE_ISSUE_LIMIT_PER_MINUTE: '3', MAX_OPEN_CODES: '10' } },
    });
  });
  afterAll(() => t.close());

  it('counts PayPal orders and top-up codes against one budget per mailbox', async () => {
    const id = await registerMailbox(t);
    await issueCode(t, id);
    await createOrder(t, id);
    await createOrder(t, id);
    const order = await t.http
      .post(`/v1/mailboxes/${encodeURIComponent(id)}/paypal-orders`)
      .set(t.auth('webmail'))
      .send({ amountMinor: 1200, currency: 'EUR' });
    expect(order.status).toBe(429);
    expect(order.body.type).toMatch(/too-many-requests$/);
    const code = await t.http
      .post(`/v1/mailboxes/${encodeURIComponent(id)}/topup-codes`)
      .set(t.auth('webmail'))
      .send({});
    expect(code.status).toBe(429);
    // Nothing was issued past the budget: one code and two orders are open.
    const [{ n }] = await t.sql<{ n: number | string }>('SELECT COUNT(*) AS n FROM topup_code');
    expect(Number(n)).toBe(3);
  });
});

describe('rate limit on failed authentication', () => {
  it('answers 429 to a credential that keeps failing, never to a valid key', async () => {
    const t = await startTestApp({ env: { AUTH_FAILURE_LIMIT_PER_MINUTE: '3' } });
    try {
      const bad = 'Bearer not-a-key-111111111111111111';
      for (let i = 0; i < 3; i++)
        expect((await t.http.get('/v1/mailboxes/m1').set('authorization', bad)).status).toBe(401);
      const res = await t.http.get('/v1/mailboxes/m1').set('authorization', bad);
      expect(res.status).toBe(429);
      expect(res.headers['content-type']).toContain(problemJson);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // Another wrong key is still told 401; a valid key and public routes still work.
      const other = 'Bearer not-a-key-222222222222222222';
      expect((await t.http.get('/v1/mailboxes/m1').set('authorization', other)).status).toBe(401);
      const id = await registerMailbox(t);
      expect((await t.http.get(`/v1/mailboxes/${id}`).set(t.auth('webmail'))).status).toBe(200);
      expect((await t.http.get('/health').set('authorization', bad)).status).toBe(200);
      // No key is no credential: it has a budget of its own, like any other.
      for (let i = 0; i < 3; i++) await t.http.get('/v1/mailboxes/m1');
      expect((await t.http.get('/v1/mailboxes/m1')).status).toBe(429);
      expect(t.logs.join('\n')).not.toContain('not-a-key');
    } finally {
      await t.close();
    }
  });

  it('answers 429 to every failing credential once the global budget is spent', async () => {
    const t = await startTestApp({ env: { AUTH_FAILURE_GLOBAL_LIMIT_PER_MINUTE: '5' } });
    try {
      const guess = (i: number) =>
        t.http.get('/v1/mailboxes/m1').set('authorization', `Bearer guess-${i}-000000000000000000`);
      for (let i = 0; i < 5; i++) expect((await guess(i)).status).toBe(401);
      expect((await guess(5)).status).toBe(429);
      expect((await guess(6)).status).toBe(429);
      const id = await registerMailbox(t);
      expect((await t.http.get(`/v1/mailboxes/${id}`).set(t.auth('webmail'))).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('error responses', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** Everything an error answer must never show. */
  function expectNothingRevealed(text: string): void {
    for (const secret of [
      TEST_SECRET,
      ...Object.values(t.keys),
      t.db.url,
      t.db.dir,
      process.cwd(),
      'SELECT',
      'INSERT',
      'topup_code',
      'node_modules',
      '.ts:',
      'at ',
    ])
      expect(text).not.toContain(secret);
  }

  it('a 500 from a broken statement reveals no SQL, key or path', async () => {
    const id = await registerMailbox(t);
    await issueCode(t, id);
    const service = t.app.get(MailboxesService);
    const original = service.get.bind(service);
    service.get = () => {
      const error = new Error(
        `SELECT * FROM topup_code WHERE key = '${TEST_SECRET}' (${t.db.dir}/billing.sqlite, ${t.keys.admin})`,
      );
      throw Object.assign(error, { code: 'SQLITE_ERROR' });
    };
    try {
      const res = await t.http.get(`/v1/mailboxes/${id}`).set(t.auth('webmail'));
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toContain(problemJson);
      expectNothingRevealed(res.text);
    } finally {
      service.get = original;
    }
    expect(t.logs.join('\n')).not.toContain(TEST_SECRET);
    expect(t.logs.join('\n')).not.toContain(t.keys.admin);
  });

  it('a 500 from the real database (a missing table) reveals no SQL, key or path', async () => {
    const id = await registerMailbox(t);
    await t.sql('DROP TABLE topup_code');
    const res = await t.http
      .post(`/v1/mailboxes/${encodeURIComponent(id)}/topup-codes`)
      .set(t.auth('webmail'))
      .send({});
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toContain(problemJson);
    expectNothingRevealed(res.text);
  });

  it('a 503 when the database is unavailable reveals no SQL, key or path', async () => {
    const service = t.app.get(MailboxesService);
    const original = service.get.bind(service);
    service.get = () => {
      const error = new Error(
        `connect ECONNREFUSED ${t.db.url} password=${TEST_SECRET} SELECT pseudonym FROM mailbox`,
      );
      throw Object.assign(error, { code: 'ECONNREFUSED' });
    };
    try {
      const res = await t.http.get(`/v1/mailboxes/${aMailboxId()}`).set(t.auth('webmail'));
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toContain(problemJson);
      expectNothingRevealed(res.text);
    } finally {
      service.get = original;
    }
    expect(t.logs.join('\n')).not.toContain(TEST_SECRET);
  });
});
