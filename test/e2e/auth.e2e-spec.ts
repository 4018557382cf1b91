import { PROBLEM_BASE } from '../../src/common/domain-error';
import { Role, ROLES } from '../../src/config/config.schema';
import { registerMailbox } from '../support/builders';
import { PayPalTestApp, startPayPalTestApp } from '../support/fake-paypal/paypal-test-app';

/**
 * Every route of API.md that exists so far, with the one role allowed to use it and
 * the exact status that role gets for the request sent here (an empty JSON body on
 * POST; mailboxes m1 and m2 exist, m2 is the one deleted). PayPal is configured
 * against the loopback stand-in, so no PayPal route stops at "not configured".
 */
const ROUTES: {
  method: 'get' | 'put' | 'post' | 'delete';
  path: string;
  role: Role | null;
  ok: number;
  /** The problem type's slug, where `ok` is an error answer. */
  problem?: string;
}[] = [
  { method: 'put', path: '/v1/mailboxes/m1', role: 'webmail', ok: 200 },
  { method: 'get', path: '/v1/mailboxes/m1', role: 'webmail', ok: 200 },
  { method: 'get', path: '/v1/mailboxes/m1/ledger', role: 'webmail', ok: 200 },
  { method: 'delete', path: '/v1/mailboxes/m2', role: 'webmail', ok: 204 },
  { method: 'post', path: '/v1/mailboxes/m1/topup-codes', role: 'webmail', ok: 201 },
  { method: 'post', path: '/v1/cash-payments', role: 'staff', ok: 400, problem: 'validation' },
  { method: 'post', path: '/v1/cash-batches', role: 'staff', ok: 400, problem: 'validation' },
  { method: 'get', path: '/v1/unmatched-payments', role: 'staff', ok: 200 },
  {
    method: 'post',
    path: '/v1/unmatched-payments/6f1c7d1e-9c7b-4b7e-9a3c-2f1e8f0b6a55/resolution',
    role: 'staff',
    ok: 400,
    problem: 'validation',
  },
  {
    method: 'post',
    path: '/v1/mailboxes/m1/paypal-orders',
    role: 'webmail',
    ok: 400,
    problem: 'validation',
  },
  {
    method: 'post',
    path: '/v1/paypal-orders/5O190127TN364715T/capture',
    role: 'webmail',
    ok: 404,
    problem: 'paypal-order-not-found',
  },
  {
    method: 'post',
    path: '/v1/paypal/webhooks',
    role: null,
    ok: 400,
    problem: 'paypal-webhook-rejected',
  },
  {
    method: 'get',
    path: '/v1/reports/reconciliation?from=2026-11-01&to=2026-11-30',
    role: 'admin',
    ok: 200,
  },
  { method: 'get', path: '/v1/reports/vat?from=2026-01&to=2026-12', role: 'admin', ok: 200 },
  { method: 'get', path: '/health', role: null, ok: 200 },
];

describe('authentication and roles', () => {
  let t: PayPalTestApp;
  beforeAll(async () => {
    t = await startPayPalTestApp();
    await registerMailbox(t, 'm1');
    await registerMailbox(t, 'm2');
  });
  afterAll(() => t.close());

  const call = (route: (typeof ROUTES)[number], authorization?: string) => {
    const req = t.http[route.method](route.path);
    if (authorization !== undefined) req.set('authorization', authorization);
    return route.method === 'post' ? req.send({}) : req;
  };

  describe.each(ROUTES.filter((r) => r.role !== null))('$method $path', (route) => {
    it('answers 401 without a key, with an unknown key and with a malformed header', async () => {
      for (const header of [
        undefined,
        'Bearer not-a-key-000000000000000000',
        `Basic ${t.keys.admin}`,
        t.keys.admin,
        'Bearer',
      ]) {
        const res = await call(route, header);
        expect(res.status, String(header)).toBe(401);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body.type).toMatch(/unauthenticated$/);
      }
    });

    it.each(ROLES.filter((role) => role !== route.role))(
      'answers 403 to the %s role',
      async (role) => {
        const res = await call(route, `Bearer ${t.keys[role]}`);
        expect(res.status).toBe(403);
        expect(res.body.type).toMatch(/forbidden$/);
      },
    );

    it(`lets its own role through to the route's own answer (${route.ok})`, async () => {
      const res = await call(route, `Bearer ${t.keys[route.role!]}`);
      expect(res.status, res.text).toBe(route.ok);
      if (route.problem) expect(res.body.type).toBe(`${PROBLEM_BASE}/${route.problem}`);
    });
  });

  it('serves /health without a key', async () => {
    expect((await call(ROUTES.find((r) => r.path === '/health')!)).status).toBe(200);
  });

  it('lets PayPal post webhooks without a key: the signature check answers instead', async () => {
    const route = ROUTES.find((r) => r.path === '/v1/paypal/webhooks')!;
    for (const header of [
      undefined,
      `Bearer ${t.keys.admin}`,
      'Bearer not-a-key-000000000000000000',
    ]) {
      const res = await call(route, header);
      expect(res.status, String(header)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.type).toBe(`${PROBLEM_BASE}/paypal-webhook-rejected`);
    }
  });

  it('does not accept a key that differs only in its last character', async () => {
    const key = t.keys.webmail;
    const near = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
    expect(
      (await t.http.get('/v1/mailboxes/m1').set('authorization', `Bearer ${near}`)).status,
    ).toBe(401);
  });
});
