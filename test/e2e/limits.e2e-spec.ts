import { aCashPayment, count, creditedTo, issueCode, registerMailbox } from '../support/builders';
import { aCamtDocument } from '../support/camt-builder';
import { startTestApp, TestApp } from '../support/test-app';

describe('balance cap and per-channel limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { BALANCE_CAP_MINOR: '6000', CASH_LIMIT_MINOR: '2000', BANK_LIMIT_MINOR: '3000' },
    });
  });
  afterAll(() => t.close());

  const cash = (code: string, amountMinor: number) =>
    t.http.post('/v1/cash-payments').set(t.auth('staff')).send(aCashPayment({ code, amountMinor }));
  const bank = (entries: { ustrd: string[]; amount: string }[]) =>
    t.http
      .post('/v1/bank-statements')
      .set(t.auth('importer'))
      .set('content-type', 'application/xml')
      .send(aCamtDocument(entries));
  const unmatched = async () =>
    (await t.http.get('/v1/unmatched-payments?limit=500').set(t.auth('staff'))).body.items as {
      paymentId: string;
      amountMinor: number;
      reason: string;
      channel: string;
    }[];

  it('takes each channel limit as its own: a cash letter above it is unmatched and its code stays live', async () => {
    expect(t.config.channelLimitMinor).toEqual({
      bank: 3000,
      cash: 2000,
      paypal: 50_000,
      card: 50_000,
    });
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const over = await cash(code, 2001);
    expect(over.body).toMatchObject({ status: 'unmatched', reason: 'amount-limit' });
    expect(await creditedTo(t, id)).toBe(0);
    expect((await cash(code, 2000)).body.status).toBe('credited');
    expect(await creditedTo(t, id)).toBe(2000);
  });

  it('lets a bank transfer up to its own limit, and records one above it as amount-limit', async () => {
    const id = await registerMailbox(t);
    const [small, large] = [await issueCode(t, id), await issueCode(t, id)];
    const res = await bank([
      { ustrd: [small], amount: '30.00' },
      { ustrd: [large], amount: '30.01' },
    ]);
    expect(res.status).toBe(201);
    expect(res.body.credits).toMatchObject({ credited: 1, unmatched: 1 });
    expect(await creditedTo(t, id)).toBe(3000);
    expect(await unmatched()).toContainEqual(
      expect.objectContaining({ channel: 'bank', amountMinor: 3001, reason: 'amount-limit' }),
    );
  });

  it('refuses a credit that would take the balance above the cap, leaving the code live', async () => {
    const id = await registerMailbox(t);
    for (const amount of [2000, 2000, 1000]) {
      expect((await cash(await issueCode(t, id), amount)).body.status).toBe('credited');
    }
    const code = await issueCode(t, id);
    const over = await cash(code, 1001);
    expect(over.body).toMatchObject({ status: 'unmatched', reason: 'amount-limit' });
    expect(await creditedTo(t, id)).toBe(5000);
    expect((await cash(code, 1000)).body.status).toBe('credited');
    expect(await creditedTo(t, id)).toBe(6000);
    const full = await cash(await issueCode(t, id), 1);
    expect(full.body).toMatchObject({ status: 'unmatched', reason: 'amount-limit' });

    // Staff cannot credit past the cap either.
    const resolution = await t.http
      .post(`/v1/unmatched-payments/${full.body.paymentId}/resolution`)
      .set(t.auth('staff'))
      .send({ action: 'credit-code', code: await issueCode(t, id) });
    expect(resolution.status).toBe(422);
    expect(resolution.body.type).toMatch(/payment-not-creditable$/);
    expect(await creditedTo(t, id)).toBe(6000);
  });

  it('counts the credits of one import together: two that reach the cap pass, a third of one cent does not', async () => {
    const id = await registerMailbox(t);
    const [first, second, third] = [
      await issueCode(t, id),
      await issueCode(t, id),
      await issueCode(t, id),
    ];
    const res = await bank([
      { ustrd: [first], amount: '30.00' },
      { ustrd: [second], amount: '30.00' },
      { ustrd: [third], amount: '0.01' },
    ]);
    expect(res.body.credits).toMatchObject({ credited: 2, unmatched: 1 });
    expect(await creditedTo(t, id)).toBe(6000);
    expect(await unmatched()).toContainEqual(
      expect.objectContaining({ channel: 'bank', amountMinor: 1, reason: 'amount-limit' }),
    );
  });

  it('lets staff credit up to the cap, counting what waits for settlement, and refuses past it', async () => {
    const id = await registerMailbox(t);
    // Three transfers without a code: unmatched, for staff to find.
    const res = await bank([
      { ustrd: ['Mailbox Anna'], amount: '30.00' },
      { ustrd: ['Mailbox Anna'], amount: '30.00' },
      { ustrd: ['Mailbox Anna'], amount: '0.01' },
    ]);
    expect(res.body.credits).toMatchObject({ credited: 0, unmatched: 3 });
    const found = (await unmatched()).filter(
      (p) => p.reason === 'no-code' && [1, 3000].includes(p.amountMinor),
    );
    expect(found.map((p) => p.amountMinor).sort((a, b) => a - b)).toEqual([1, 3000, 3000]);
    const creditCode = async (paymentId: string) =>
      t.http
        .post(`/v1/unmatched-payments/${paymentId}/resolution`)
        .set(t.auth('staff'))
        .send({ action: 'credit-code', code: await issueCode(t, id) });
    const [cent, ...large] = [...found].sort((a, b) => a.amountMinor - b.amountMinor);
    for (const payment of large) expect((await creditCode(payment.paymentId)).status).toBe(200);
    // Both wait for settlement: nothing is in the ledger yet, and the cap still counts them.
    expect(await count(t, 'pending_credit')).toBeGreaterThanOrEqual(2);
    const over = await creditCode(cent.paymentId);
    expect(over.status).toBe(422);
    expect(over.body.detail).toMatch(/\(amount-limit\)/);
    expect(await creditedTo(t, id)).toBe(6000);
  });

  it('refuses staff a credit above the channel limit, and the code they found stays live', async () => {
    const id = await registerMailbox(t);
    const res = await bank([{ ustrd: ['Mailbox Bert'], amount: '30.02' }]);
    expect(res.body.credits).toMatchObject({ credited: 0, unmatched: 1 });
    const payment = (await unmatched()).find((p) => p.amountMinor === 3002)!;
    expect(payment.reason).toBe('amount-limit');
    const code = await issueCode(t, id);
    const refused = await t.http
      .post(`/v1/unmatched-payments/${payment.paymentId}/resolution`)
      .set(t.auth('staff'))
      .send({ action: 'credit-code', code });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(/\(amount-limit\)/);
    expect(await creditedTo(t, id)).toBe(0);
    expect((await cash(code, 1000)).body.status).toBe('credited');
  });

  it('never credits a reversal to a code, not even by staff', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const res = await t.http
      .post('/v1/bank-statements')
      .set(t.auth('importer'))
      .set('content-type', 'application/xml')
      .send(aCamtDocument([{ creditDebit: 'DBIT', reversal: true, ustrd: ['Ruecklastschrift'] }]));
    expect(res.body.credits.unmatched).toBe(1);
    const reversal = (await unmatched()).find((p) => p.reason === 'reversal')!;
    const resolution = await t.http
      .post(`/v1/unmatched-payments/${reversal.paymentId}/resolution`)
      .set(t.auth('staff'))
      .send({ action: 'credit-code', code });
    expect(resolution.status).toBe(422);
    expect(resolution.body.detail).toMatch(/reversal/);
    expect(await creditedTo(t, id)).toBe(0);
  });
});
