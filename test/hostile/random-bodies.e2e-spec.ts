import fc from 'fast-check';
import { Role } from '../../src/config/config.schema';
import { count, issueCode, registerMailbox } from '../support/builders';
import { PayPalTestApp, startPayPalTestApp } from '../support/fake-paypal/paypal-test-app';

/** Runs per route; `npm run fuzz` raises it. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 50);

/**
 * Every POST and PUT route of the auth matrix (test/e2e/auth.e2e-spec.ts), with its
 * role; the mailbox exists and holds a live code, so a body is the only thing wrong.
 */
const ROUTES: {
  method: 'put' | 'post';
  path: string;
  role: Role | null;
  movesMoney: boolean;
  /** The route reads no body: it may ignore one and succeed, but never fail with a 5xx. */
  bodiless?: boolean;
}[] = [
  { method: 'put', path: '/v1/mailboxes/m1', role: 'webmail', movesMoney: false, bodiless: true },
  { method: 'post', path: '/v1/mailboxes/m1/topup-codes', role: 'webmail', movesMoney: false },
  { method: 'post', path: '/v1/cash-payments', role: 'staff', movesMoney: true },
  { method: 'post', path: '/v1/cash-batches', role: 'staff', movesMoney: true },
  {
    method: 'post',
    path: '/v1/unmatched-payments/6f1c7d1e-9c7b-4b7e-9a3c-2f1e8f0b6a55/resolution',
    role: 'staff',
    movesMoney: true,
  },
  { method: 'post', path: '/v1/mailboxes/m1/paypal-orders', role: 'webmail', movesMoney: false },
  {
    method: 'post',
    path: '/v1/paypal-orders/5O190127TN364715T/capture',
    role: 'webmail',
    movesMoney: true,
  },
  { method: 'post', path: '/v1/paypal/webhooks', role: null, movesMoney: true },
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
  beforeAll(async () => {
    // PayPal is configured against the loopback stand-in: its routes would answer 503 otherwise.
    t = await startPayPalTestApp({ app: { env: { CODE_ISSUE_LIMIT_PER_MINUTE: '100000' } } });
    await registerMailbox(t, 'm1');
    await issueCode(t, 'm1');
  });
  afterAll(() => t.close());

  it.each(ROUTES)(
    '$method $path answers 4xx problem+json, never 5xx, and moves no money',
    async (route) => {
      const paymentsBefore = await count(t, 'payment');
      const ledgerBefore = await count(t, 'ledger_entry');
      await fc.assert(
        fc.asyncProperty(body, async (value) => {
          const req = t.http[route.method](route.path).set('content-type', 'application/json');
          if (route.role) req.set(t.auth(route.role));
          const res = await req.send(value);
          expect(res.status, res.text).toBeLessThan(500);
          if (route.bodiless && res.status < 300) return;
          expect(res.status, res.text).toBeGreaterThanOrEqual(400);
          expect(res.headers['content-type']).toContain('application/problem+json');
        }),
        { seed: 42, numRuns: RUNS },
      );
      if (route.movesMoney) {
        expect(await count(t, 'payment')).toBe(paymentsBefore);
        expect(await count(t, 'ledger_entry')).toBe(ledgerBefore);
      }
    },
  );
});
