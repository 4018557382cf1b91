import { displayCode, generateCode } from '../../src/codes/code-format';
import { addDays } from '../../src/common/day';
import { PROBLEM_BASE } from '../../src/common/domain-error';
import { aCashPayment, creditedTo, count, issueCode, registerMailbox } from '../support/builders';
import { startTestApp, TestApp } from '../support/test-app';

const IMPLAUSIBLE = `${PROBLEM_BASE}/implausible-day`;

describe('the day of a cash letter or batch', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { PAYMENT_DAY_MAX_AGE_DAYS: '30' } });
  });
  afterAll(() => t.close());

  const today = () => t.clock.today();
  const letter = (body: object, key?: string) => {
    const req = t.http.post('/v1/cash-payments').set(t.auth('staff'));
    if (key) req.set('idempotency-key', key);
    return req.send(body);
  };
  const batch = (receivedOn: string, code: string) =>
    t.http
      .post('/v1/cash-batches')
      .set(t.auth('staff'))
      .send({
        receivedOn,
        currency: 'EUR',
        countedTotalMinor: 1700,
        entries: [
          { code, amountMinor: 1200 },
          { code: displayCode(generateCode()), amountMinor: 500 },
        ],
      });

  it.each([
    ['9999-12-31', 'lies in the future'],
    ['the day after tomorrow', 'lies in the future'],
    ['31 days ago', 'lies too far in the past'],
    ['1900-01-01', 'lies too far in the past'],
  ])(
    'refuses a letter received on %s with 422 naming receivedOn; nothing recorded, the code stays live',
    async (when, message) => {
      const day =
        when === 'the day after tomorrow'
          ? addDays(today(), 2)
          : when === '31 days ago'
            ? addDays(today(), -31)
            : when;
      const id = await registerMailbox(t);
      const code = await issueCode(t, id);
      const payments = await count(t, 'payment');
      const ledger = await count(t, 'ledger_entry');

      const res = await letter(aCashPayment({ code, receivedOn: day }));
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({
        type: IMPLAUSIBLE,
        title: 'The day lies in the future or too far in the past',
        status: 422,
        detail: `receivedOn must lie between ${addDays(today(), -30)} and ${addDays(today(), 1)}; nothing was recorded.`,
        errors: [{ path: 'receivedOn', message }],
      });
      expect(await count(t, 'payment')).toBe(payments);
      expect(await count(t, 'ledger_entry')).toBe(ledger);
      expect(await creditedTo(t, id)).toBe(0);

      const fixed = await letter(aCashPayment({ code, receivedOn: today() }));
      expect(fixed.body).toMatchObject({ status: 'credited' });
      expect(await creditedTo(t, id)).toBe(1200);
    },
  );

  it('takes the window as configured: 30 days ago and tomorrow (UTC) are taken', async () => {
    for (const day of [addDays(today(), -30), today(), addDays(today(), 1)]) {
      const id = await registerMailbox(t);
      const code = await issueCode(t, id);
      const res = await letter(aCashPayment({ code, receivedOn: day }));
      expect(res.status, day).toBe(201);
      expect(res.body.status).toBe('credited');
      const [row] = await t.sql<{ booked_on: string }>(
        'SELECT booked_on FROM payment WHERE id = $1',
        [res.body.paymentId],
      );
      expect(String(row.booked_on)).toBe(day);
    }
  });

  it('answers a live and a never-issued code alike: the day is refused before any code is looked at', async () => {
    const id = await registerMailbox(t);
    const live = await issueCode(t, id);
    const answers = [];
    for (const code of [live, displayCode(generateCode())]) {
      const res = await letter(aCashPayment({ code, receivedOn: '9999-12-31' }));
      answers.push({ status: res.status, body: res.body });
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(await creditedTo(t, id)).toBe(0);
  });

  it('stores no answer under the Idempotency-Key of a refused letter: the corrected letter goes through', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const refused = await letter(aCashPayment({ code, receivedOn: '2062-11-24' }), 'envelope-17');
    expect(refused.status).toBe(422);
    expect(await count(t, 'idempotent_request')).toBe(0);
    const taken = await letter(aCashPayment({ code, receivedOn: today() }), 'envelope-17');
    expect(taken.status).toBe(201);
    expect(taken.body.status).toBe('credited');
  });

  it.each([
    ['9999-12-31', 'lies in the future'],
    ['1900-01-01', 'lies too far in the past'],
  ])('refuses a whole batch received on %s, recording none of it', async (day, message) => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const payments = await count(t, 'payment');
    const res = await batch(day, code);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      type: IMPLAUSIBLE,
      errors: [{ path: 'receivedOn', message }],
    });
    expect(await count(t, 'payment')).toBe(payments);
    expect(await creditedTo(t, id)).toBe(0);
    const taken = await batch(today(), code);
    expect(taken.status).toBe(201);
    expect(await creditedTo(t, id)).toBe(1200);
  });
});
