import { settleNow } from '../support/settle';
import { KeyedHash } from '../../src/config/keyed-hash';
import { generateCode, displayCode } from '../../src/codes/code-format';
import { aCashPayment, creditedTo, count, issueCode, registerMailbox } from '../support/builders';
import { startTestApp, TestApp } from '../support/test-app';
import { addDays, dayOf } from '../../src/common/day';

/** Letters are taken only for recent days (PAYMENT_DAY_MAX_AGE_DAYS). */
const yesterday = addDays(dayOf(new Date()), -1);

/** Replaces one symbol with another valid one: a misread slip. */
function misread(code: string): string {
  const i = 5;
  const replacement = code[i] === '7' ? '8' : '7';
  return code.slice(0, i) + replacement + code.slice(i + 1);
}

describe('cash letters', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const pay = (body: object, key?: string) => {
    const req = t.http.post('/v1/cash-payments').set(t.auth('staff'));
    if (key) req.set('idempotency-key', key);
    return req.send(body);
  };

  it('credits a live code once, deletes it, and keeps the payment without a trace of the mailbox', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id, { country: 'FR' });
    const res = await pay(
      aCashPayment({ code: code.toLowerCase().replaceAll('-', ' '), amountMinor: 1200 }),
    );
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ paymentId: expect.any(String), status: 'credited' });
    expect(await creditedTo(t, id)).toBe(1200);
    // The credit waits for the next settlement, holding the code; then both are written.
    const canonical = code.replaceAll('-', '');
    const codeHash = t.app.get(KeyedHash).code(canonical);
    expect(await count(t, 'pending_credit', 'code_hash = $1', [codeHash])).toBe(1);
    expect(await count(t, 'ledger_entry', 'mailbox = $1', [t.app.get(KeyedHash).mailbox(id)])).toBe(
      0,
    );
    await settleNow(t);
    expect(await count(t, 'topup_code', 'code_hash = $1', [codeHash])).toBe(0);
    expect(await count(t, 'pending_credit')).toBe(0);
    expect(await count(t, 'ledger_entry', 'mailbox = $1', [t.app.get(KeyedHash).mailbox(id)])).toBe(
      1,
    );
    expect(await creditedTo(t, id)).toBe(1200);
    const [row] = await t.sql('SELECT * FROM payment WHERE id = $1', [res.body.paymentId]);
    expect(row).toMatchObject({
      channel: 'cash',
      status: 'credited',
      country: 'FR',
      payer_name: null,
      payer_iban: null,
    });
    expect(Number(row.amount_minor)).toBe(1200);
    const rowText = JSON.stringify(row);
    expect(rowText).not.toContain(canonical);
    expect(rowText).not.toContain(t.app.get(KeyedHash).mailbox(id));
    expect(rowText).not.toContain(t.app.get(KeyedHash).code(canonical));

    const again = await pay(aCashPayment({ code, amountMinor: 1200 }));
    expect(again.body).toEqual({
      paymentId: expect.any(String),
      status: 'unmatched',
      reason: 'unknown-code',
    });
    expect(await creditedTo(t, id)).toBe(1200);
  });

  it('refuses a misread code with 422 and records nothing', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const before = await count(t, 'payment');
    const res = await pay(aCashPayment({ code: misread(code) }));
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      type: expect.stringMatching(/\/check-symbol-mismatch$/),
      title: 'The code was misread: its check symbols do not match',
      status: 422,
    });
    expect(res.body.errors).toEqual([{ path: 'code', message: expect.stringMatching(/check/) }]);
    expect(await count(t, 'payment')).toBe(before);
    expect(await creditedTo(t, id)).toBe(0);
    const tooShort = await pay(aCashPayment({ code: 'K7QM-2XPF' }));
    expect(tooShort.status).toBe(422);
    expect(tooShort.body.type).toMatch(/\/check-symbol-mismatch$/);
    expect(await count(t, 'payment')).toBe(before);
  });

  it('refuses an unknown currency with 422 and a malformed one with 400, recording nothing', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const before = await count(t, 'payment');
    const unknown = await pay(aCashPayment({ code, currency: 'XYZ' }));
    expect(unknown.status).toBe(422);
    expect(unknown.body.type).toMatch(/unknown-currency$/);
    const malformed = await pay(aCashPayment({ code, currency: 'eur' }));
    expect(malformed.status).toBe(400);
    expect(await count(t, 'payment')).toBe(before);
  });

  it('records a known currency the service does not bill in as unmatched and leaves the code live', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const res = await pay(aCashPayment({ code, currency: 'CHF' }));
    expect(res.body).toMatchObject({ status: 'unmatched', reason: 'currency' });
    expect(await creditedTo(t, id)).toBe(0);
    expect((await pay(aCashPayment({ code }))).body.status).toBe('credited');
  });

  it('records an amount over the per-payment limit as unmatched', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const res = await pay(aCashPayment({ code, amountMinor: t.config.paymentLimitMinor + 1 }));
    expect(res.body).toMatchObject({ status: 'unmatched', reason: 'amount-limit' });
    expect(await creditedTo(t, id)).toBe(0);
  });

  it('records a well-formed code that was never issued as unmatched: the cash was received', async () => {
    const res = await pay(aCashPayment({ code: displayCode(generateCode()) }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'unmatched', reason: 'unknown-code' });
  });

  it('rejects malformed bodies with problem details and field paths', async () => {
    const cases = [
      [
        { ...aCashPayment({ code: displayCode(generateCode()) }), amountMinor: 12.5 },
        'amountMinor',
      ],
      [
        { ...aCashPayment({ code: displayCode(generateCode()) }), amountMinor: '1200' },
        'amountMinor',
      ],
      [
        { ...aCashPayment({ code: displayCode(generateCode()) }), receivedOn: '2026-02-30' },
        'receivedOn',
      ],
      [{ ...aCashPayment({ code: displayCode(generateCode()) }), extra: true }, '(body)'],
    ] as const;
    const before = await count(t, 'payment');
    for (const [body, path] of cases) {
      const res = await pay(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect(await count(t, 'payment')).toBe(before);
  });

  it('answers a repeated Idempotency-Key with the first answer and moves no money twice', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const body = aCashPayment({ code, amountMinor: 700 });
    const first = await pay(body, 'letter-0001');
    const second = await pay(body, 'letter-0001');
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await creditedTo(t, id)).toBe(700);
    expect(await count(t, 'payment', 'id = $1', [first.body.paymentId])).toBe(1);

    const other = await pay({ ...body, amountMinor: 701 }, 'letter-0001');
    expect(other.status).toBe(422);
    expect(other.body.type).toMatch(/idempotency-key-reused$/);
    expect(await creditedTo(t, id)).toBe(700);
  });

  it('credits a code exactly once when 20 letters with it arrive at the same time', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => pay(aCashPayment({ code, amountMinor: 300 }))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(results.filter((r) => r.body.status === 'credited')).toHaveLength(1);
    expect(results.filter((r) => r.body.reason === 'unknown-code')).toHaveLength(19);
    expect(await creditedTo(t, id)).toBe(300);
  });

  it('answers 20 concurrent requests with one Idempotency-Key with one payment', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const body = aCashPayment({ code, amountMinor: 400 });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => pay(body, 'same-letter-concurrent')),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(results.map((r) => r.body.paymentId)).size).toBe(1);
    expect(await creditedTo(t, id)).toBe(400);
  });

  describe('batches', () => {
    const batch = (t: TestApp, body: object, key?: string) => {
      const req = t.http.post('/v1/cash-batches').set(t.auth('staff'));
      if (key) req.set('idempotency-key', key);
      return req.send(body);
    };

    it('records a day of letters at once, crediting on one day', async () => {
      const a = await registerMailbox(t);
      const b = await registerMailbox(t);
      const entries = [
        { code: await issueCode(t, a), amountMinor: 1000 },
        { code: await issueCode(t, b), amountMinor: 500 },
        { code: displayCode(generateCode()), amountMinor: 200 },
      ];
      const res = await batch(t, {
        receivedOn: yesterday,
        currency: 'EUR',
        countedTotalMinor: 1700,
        entries,
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ receivedOn: yesterday, credited: 2, unmatched: 1 });
      expect(res.body.payments.map((p: { status: string }) => p.status)).toEqual([
        'credited',
        'credited',
        'unmatched',
      ]);
      expect(await creditedTo(t, a)).toBe(1000);
      expect(await creditedTo(t, b)).toBe(500);
      const days = await t.sql<{ settled_on: string }>(
        `SELECT DISTINCT settled_on FROM payment WHERE id IN ($1, $2)`,
        res.body.payments.slice(0, 2).map((p: { paymentId: string }) => p.paymentId),
      );
      expect(days).toEqual([{ settled_on: t.clock.today() }]);
    });

    it('refuses a batch that does not add up, recording none of it', async () => {
      const a = await registerMailbox(t);
      const code = await issueCode(t, a);
      const before = await count(t, 'payment');
      const res = await batch(t, {
        receivedOn: yesterday,
        currency: 'EUR',
        countedTotalMinor: 999,
        entries: [{ code, amountMinor: 1000 }],
      });
      expect(res.status).toBe(422);
      expect(res.body.type).toMatch(/totals-do-not-add-up$/);
      expect(await count(t, 'payment')).toBe(before);
      expect(await creditedTo(t, a)).toBe(0);
    });

    it('refuses a whole batch when one code is misread, naming the entry', async () => {
      const a = await registerMailbox(t);
      const good = await issueCode(t, a);
      const bad = misread(await issueCode(t, a));
      const before = await count(t, 'payment');
      const res = await batch(t, {
        receivedOn: yesterday,
        currency: 'EUR',
        countedTotalMinor: 2000,
        entries: [
          { code: good, amountMinor: 1000 },
          { code: bad, amountMinor: 1000 },
        ],
      });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ path: 'entries.1.code', message: expect.any(String) }]);
      expect(await count(t, 'payment')).toBe(before);
      expect(await creditedTo(t, a)).toBe(0);
    });

    it('rolls back the whole batch when one entry fails inside the transaction', async () => {
      const a = await registerMailbox(t);
      const code = await issueCode(t, a);
      const before = await count(t, 'payment');
      // The first entry is recorded, then the credit of the second fails: with the
      // ledger table gone, the whole batch must roll back, the first entry too.
      await t.sql('ALTER TABLE ledger_entry RENAME TO ledger_entry_away');
      try {
        const res = await batch(t, {
          receivedOn: yesterday,
          currency: 'EUR',
          countedTotalMinor: 1200,
          entries: [
            { code: displayCode(generateCode()), amountMinor: 200 },
            { code, amountMinor: 1000 },
          ],
        });
        expect(res.status).toBeGreaterThanOrEqual(500);
      } finally {
        await t.sql('ALTER TABLE ledger_entry_away RENAME TO ledger_entry');
      }
      expect(await count(t, 'payment')).toBe(before);
      expect(
        (
          await batch(t, {
            receivedOn: yesterday,
            currency: 'EUR',
            countedTotalMinor: 1000,
            entries: [{ code, amountMinor: 1000 }],
          })
        ).body.credited,
      ).toBe(1);
    });

    it('replays a batch sent twice with one Idempotency-Key', async () => {
      const a = await registerMailbox(t);
      const body = {
        receivedOn: yesterday,
        currency: 'EUR',
        countedTotalMinor: 800,
        entries: [{ code: await issueCode(t, a), amountMinor: 800 }],
      };
      const first = await batch(t, body, 'batch-2026-11-23');
      const second = await batch(t, body, 'batch-2026-11-23');
      expect(second.body).toEqual(first.body);
      expect(await creditedTo(t, a)).toBe(800);
    });
  });
});
