import { displayCode, generateCode } from '../../src/codes/code-format';
import { aCashPayment, count, creditedTo, issueCode, registerMailbox } from '../support/builders';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * A staff credential must not be able to tell a live code from a dead one
 * without spending it: refusals that do not depend on the code read the same
 * for both, and codes that are not live count against a budget per credential.
 */
describe('no oracle for live codes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { CASH_LIMIT_MINOR: '10000' } });
  });
  afterAll(() => t.close());

  const letter = (body: object) => t.http.post('/v1/cash-payments').set(t.auth('staff')).send(body);
  const unknown = () => displayCode(generateCode());

  it('answers a letter in another currency, or over the limit, the same for a live and an unknown code', async () => {
    const id = await registerMailbox(t);
    const live = await issueCode(t, id);
    for (const refused of [
      { currency: 'USD', amountMinor: 1200, reason: 'currency' },
      { currency: 'EUR', amountMinor: 10001, reason: 'amount-limit' },
    ]) {
      const body = { currency: refused.currency, amountMinor: refused.amountMinor };
      const forLive = await letter(aCashPayment({ code: live, ...body }));
      const forUnknown = await letter(aCashPayment({ code: unknown(), ...body }));
      expect(forLive.status).toBe(201);
      expect(forUnknown.status).toBe(201);
      expect(forLive.body).toEqual({
        paymentId: expect.any(String),
        status: 'unmatched',
        reason: refused.reason,
      });
      expect(forUnknown.body).toEqual({ ...forLive.body, paymentId: expect.any(String) });
    }
    const batch = await t.http
      .post('/v1/cash-batches')
      .set(t.auth('staff'))
      .send({
        receivedOn: t.clock.today(),
        currency: 'USD',
        countedTotalMinor: 2400,
        entries: [
          { code: live, amountMinor: 1200 },
          { code: unknown(), amountMinor: 1200 },
        ],
      });
    expect(batch.status).toBe(201);
    expect(batch.body.payments.map((p: { reason: string }) => p.reason)).toEqual([
      'currency',
      'currency',
    ]);
    // The live code was not spent by any of it: it still pays.
    const paid = await letter(aCashPayment({ code: live, amountMinor: 1200 }));
    expect(paid.body.status).toBe('credited');
    expect(await creditedTo(t, id)).toBe(1200);
  });

  it('answers 429 to a credential once its codes that are not live pass the hourly budget, and records nothing more', async () => {
    const strict = await startTestApp({ env: { MATCH_FAILURE_LIMIT_PER_HOUR: '3' } });
    try {
      const send = (code: string, key?: string) => {
        const req = strict.http.post('/v1/cash-payments').set(strict.auth('staff'));
        if (key) req.set('idempotency-key', key);
        return req.send(aCashPayment({ code, amountMinor: 500 }));
      };
      const id = await registerMailbox(strict);
      const live = await issueCode(strict, id);
      const guess = unknown();
      const first = await send(guess, 'guess-1');
      expect(first.body.reason).toBe('unknown-code');
      // A replay is the first answer again: it is not counted a second time.
      const replay = await send(guess, 'guess-1');
      expect(replay.headers['idempotent-replayed']).toBe('true');
      for (let i = 2; i <= 3; i++) expect((await send(unknown())).body.reason).toBe('unknown-code');
      const payments = await count(strict, 'payment');

      const refused = await send(live);
      expect(refused.status).toBe(429);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      const batch = await strict.http
        .post('/v1/cash-batches')
        .set(strict.auth('staff'))
        .send({
          receivedOn: strict.clock.today(),
          currency: 'EUR',
          countedTotalMinor: 500,
          entries: [{ code: live, amountMinor: 500 }],
        });
      expect(batch.status).toBe(429);
      const resolution = await strict.http
        .post(`/v1/unmatched-payments/${first.body.paymentId}/resolution`)
        .set(strict.auth('staff'))
        .send({ action: 'credit-code', code: live });
      expect(resolution.status).toBe(429);
      expect(await count(strict, 'payment')).toBe(payments);
      expect(await creditedTo(strict, id)).toBe(0);
    } finally {
      await strict.close();
    }
  });

  it('counts a resolution with a code that is not live against the same budget', async () => {
    const strict = await startTestApp({ env: { MATCH_FAILURE_LIMIT_PER_HOUR: '2' } });
    try {
      const unmatched = await strict.http
        .post('/v1/cash-payments')
        .set(strict.auth('staff'))
        .send(aCashPayment({ code: unknown(), amountMinor: 500 }));
      expect(unmatched.body.reason).toBe('unknown-code');
      const resolve = () =>
        strict.http
          .post(`/v1/unmatched-payments/${unmatched.body.paymentId}/resolution`)
          .set(strict.auth('staff'))
          .send({ action: 'credit-code', code: unknown() });
      expect((await resolve()).status).toBe(409);
      expect((await resolve()).status).toBe(429);
    } finally {
      await strict.close();
    }
  });
});
