import fc from 'fast-check';
import { displayCode, generateCode } from '../../src/codes/code-format';
import { Role } from '../../src/config/config.schema';
import { aCashPayment, count, creditedTo, issueCode, registerMailbox } from '../support/builders';
import { SignedEvent } from '../support/fake-paypal/fake-paypal.server';
import {
  approve,
  createOrder,
  PayPalTestApp,
  startPayPalTestApp,
} from '../support/fake-paypal/paypal-test-app';
import { settleNow } from '../support/settle';

/** Runs per route; `npm run fuzz` raises it. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 50);

/** What the service holds ready to move money on each route (made in beforeAll). */
interface Targets {
  /** An unmatched cash payment: a resolution naming a live code would credit it. */
  unmatchedPaymentId: string;
  /** An order the buyer approved: its capture credits it. */
  approvedOrderId: string;
  /** A PayPal-signed COMPLETED event of a pending capture: delivered as is, it credits. */
  genuine: SignedEvent;
}

/**
 * Every POST and PUT route of the auth matrix (test/e2e/auth.e2e-spec.ts), with its
 * role; the mailbox m1 exists and holds a live code, so a body is the only thing wrong.
 * A money route names a target that a valid request would credit, and `control` sends
 * that valid request after the random ones: money must move then, or the "moves no
 * money" above it proved nothing.
 */
const ROUTES: {
  method: 'put' | 'post';
  path: string;
  role: Role | null;
  /** The route reads no body: it may ignore one and succeed, but never fail with a 5xx. */
  bodiless?: boolean;
  /** Headers of the request beyond the role's key. */
  headers?: (targets: Targets) => Record<string, string>;
  /** A money route: random bodies move no money; this valid request then credits m1. */
  control?: (t: PayPalTestApp, targets: Targets) => Promise<{ status: number; credits: number }>;
  /** Money moves once, whatever the bodies, since the route reads none (a capture). */
  movesOnce?: number;
}[] = [
  { method: 'put', path: '/v1/mailboxes/m1', role: 'webmail', bodiless: true },
  { method: 'post', path: '/v1/mailboxes/m1/topup-codes', role: 'webmail' },
  {
    method: 'post',
    path: '/v1/cash-payments',
    role: 'staff',
    control: async (t) => ({
      status: (
        await t.http
          .post('/v1/cash-payments')
          .set(t.auth('staff'))
          .send(aCashPayment({ code: await issueCode(t, 'm1'), receivedOn: t.clock.today() }))
      ).status,
      credits: 1200,
    }),
  },
  {
    method: 'post',
    path: '/v1/cash-batches',
    role: 'staff',
    control: async (t) => ({
      status: (
        await t.http
          .post('/v1/cash-batches')
          .set(t.auth('staff'))
          .send({
            receivedOn: t.clock.today(),
            currency: 'EUR',
            countedTotalMinor: 700,
            entries: [{ code: await issueCode(t, 'm1'), amountMinor: 700 }],
          })
      ).status,
      credits: 700,
    }),
  },
  {
    method: 'post',
    path: '/v1/unmatched-payments/:unmatchedPaymentId/resolution',
    role: 'staff',
    control: async (t, { unmatchedPaymentId }) => ({
      status: (
        await t.http
          .post(`/v1/unmatched-payments/${unmatchedPaymentId}/resolution`)
          .set(t.auth('staff'))
          .send({ action: 'credit-code', code: await issueCode(t, 'm1') })
      ).status,
      credits: 900,
    }),
  },
  { method: 'post', path: '/v1/mailboxes/m1/paypal-orders', role: 'webmail' },
  {
    method: 'post',
    path: '/v1/paypal-orders/:approvedOrderId/capture',
    role: 'webmail',
    bodiless: true,
    movesOnce: 2500,
  },
  {
    method: 'post',
    path: '/v1/paypal/webhooks',
    role: null,
    headers: ({ genuine }) => genuine.headers,
    control: async (t, { genuine }) => ({
      status: (await t.http.post('/v1/paypal/webhooks').set(genuine.headers).send(genuine.body))
        .status,
      credits: 3100,
    }),
  },
];

/** Nested values with hostile leaves: huge and odd numbers, unicode, long strings. */
const hostileLeaf = fc.oneof(
  fc.constantFrom(
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    -0,
    0.1,
    '1e400',
    '__proto__',
    'constructor',
    '\u0000',
    '\uD800',
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
    '%00',
    "'; DROP TABLE payment; --",
    'x'.repeat(10_000),
  ),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);

const { value: hostileValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileLeaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 10 }),
        fc.constantFrom('code', 'amountMinor', 'currency', 'receivedOn', 'payments', 'country'),
      ),
      tie('value'),
      { maxKeys: 5 },
    ),
  ),
}));

/** A body of the right general shape (an object with the route's own keys) but wrong values. */
const wrongTypes = fc.record(
  {
    code: hostileLeaf,
    amountMinor: hostileLeaf,
    currency: hostileLeaf,
    receivedOn: hostileLeaf,
    country: hostileLeaf,
    payments: fc.array(fc.dictionary(fc.string({ maxLength: 12 }), hostileLeaf), { maxLength: 3 }),
    mailboxId: hostileLeaf,
    extra: hostileLeaf,
  },
  { requiredKeys: [] },
);

/** Thousands of levels, kept as text (fast-check cannot print such a value): the parser must cope. */
const deep = fc
  .record({ depth: fc.integer({ min: 500, max: 5000 }), open: fc.constantFrom('[', '{"a":') })
  .map(({ depth, open }) => open.repeat(depth) + '1' + (open === '[' ? ']' : '}').repeat(depth));

/** JSON text that is not a valid body: issuing a code takes {} and {country}. */
const body = fc.oneof(
  fc
    .oneof(hostileValue, wrongTypes)
    .filter(
      (v) =>
        !(
          typeof v === 'object' &&
          v !== null &&
          !Array.isArray(v) &&
          Object.keys(v).every((k) => k === 'country')
        ),
    )
    .map((v) => JSON.stringify(v)),
  deep,
);

describe('random JSON bodies on every route', () => {
  let t: PayPalTestApp;
  let targets: Targets;

  /** Money the books hold or wait to write: the journal, the ledger, their pending rows, m1's credits. */
  async function money() {
    const tables = ['payment', 'pending_payment', 'ledger_entry', 'pending_credit'];
    return {
      rows: await Promise.all(tables.map((table) => count(t, table))),
      credited: await creditedTo(t, 'm1'),
    };
  }

  beforeAll(async () => {
    // PayPal is configured against the loopback stand-in: its routes would answer 503 otherwise.
    t = await startPayPalTestApp({ app: { env: { CODE_ISSUE_LIMIT_PER_MINUTE: '100000' } } });
    await registerMailbox(t, 'm1');
    await issueCode(t, 'm1');
    const unmatched = await t.http
      .post('/v1/cash-payments')
      .set(t.auth('staff'))
      .send(
        aCashPayment({
          code: displayCode(generateCode()),
          amountMinor: 900,
          receivedOn: t.clock.today(),
        }),
      );
    expect(unmatched.body).toMatchObject({ status: 'unmatched', reason: 'unknown-code' });
    const approved = await createOrder(t, 'm1', { amountMinor: 2500 });
    await approve(approved.approveUrl, 'COMPLETED');
    // A capture PayPal holds, and the event that completes it, signed by the stand-in.
    const pending = await createOrder(t, 'm1', { amountMinor: 3100 });
    await approve(pending.approveUrl, 'PENDING');
    const held = await t.http
      .post(`/v1/paypal-orders/${pending.orderId}/capture`)
      .set(t.auth('webmail'));
    expect(held.status).toBe(202);
    await t.paypal.settled();
    const order = t.paypal.orders.get(pending.orderId)!;
    targets = {
      unmatchedPaymentId: unmatched.body.paymentId,
      approvedOrderId: approved.orderId,
      genuine: t.paypal.signEvent('PAYMENT.CAPTURE.COMPLETED', 'capture', {
        id: t.paypal.captureOf(pending.orderId)!.id,
        status: 'COMPLETED',
        amount: order.amount,
        custom_id: order.customId,
        supplementary_data: { related_ids: { order_id: pending.orderId } },
      }),
    };
    await settleNow(t);
  });
  afterAll(() => t.close());

  it.each(ROUTES)(
    '$method $path answers random bodies with a 4xx problem+json, and moves only the money a valid request would',
    async (route) => {
      const path = route.path.replace(/:(\w+)/, (_, name) =>
        String(targets[name as keyof Targets]),
      );
      const before = await money();
      let successes = 0;
      await fc.assert(
        fc.asyncProperty(body, async (value) => {
          const req = t.http[route.method](path).set('content-type', 'application/json');
          if (route.role) req.set(t.auth(route.role));
          if (route.headers) req.set(route.headers(targets));
          const res = await req.send(value);
          expect(res.status, res.text).toBeLessThan(500);
          if (route.bodiless && res.status < 300) return void successes++;
          expect(res.status, res.text).toBeGreaterThanOrEqual(400);
          expect(res.headers['content-type']).toContain('application/problem+json');
        }),
        { seed: 42, numRuns: RUNS },
      );
      await settleNow(t);
      const after = await money();
      if (route.movesOnce !== undefined) {
        // Every body captured the same order: the first credited it, the others answered alike.
        expect(successes).toBe(RUNS);
        expect(after.credited - before.credited).toBe(route.movesOnce);
        expect(after.rows[0] - before.rows[0]).toBe(1);
        return;
      }
      expect(after).toEqual(before);
      if (route.control) {
        const { status, credits } = await route.control(t, targets);
        expect(status).toBeLessThan(300);
        await settleNow(t);
        const controlled = await money();
        expect(controlled.credited - after.credited).toBe(credits);
        expect(controlled.rows).not.toEqual(after.rows);
      }
    },
  );

  it('sends a control after every money route', () => {
    const money = ['/v1/cash-payments', '/v1/cash-batches', 'resolution', 'capture', 'webhooks'];
    for (const name of money) {
      const route = ROUTES.find((r) => r.path.includes(name))!;
      expect(route.control ?? route.movesOnce, name).toBeDefined();
    }
  });
});
