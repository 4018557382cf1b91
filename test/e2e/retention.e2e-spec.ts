import { displayCode, generateCode } from '../../src/codes/code-format';
import { RetentionService } from '../../src/retention/retention.service';
import { aCashPayment, count, issueCode, registerMailbox } from '../support/builders';
import { startTestApp, TestApp } from '../support/test-app';

describe('retention', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RETENTION_YEARS: '1' } });
  });
  afterAll(() => t.close());

  it('deletes settled journal rows past the period but never an unmatched payment, however old', async () => {
    const booked = t.clock.today();
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const pay = (body: object) => t.http.post('/v1/cash-payments').set(t.auth('staff')).send(body);
    const credited = await pay(aCashPayment({ code, receivedOn: booked }));
    const unmatched = await pay(
      aCashPayment({ code: displayCode(generateCode()), receivedOn: booked }),
    );
    expect(credited.body.status).toBe('credited');
    expect(unmatched.body).toMatchObject({ status: 'unmatched', reason: 'unknown-code' });

    t.clock.set(`${Number(booked.slice(0, 4)) + 30}-06-01`);
    const run = await t.app.get(RetentionService).run();

    expect(run?.journalRows).toBe(1);
    expect(await count(t, 'payment', 'id = $1', [credited.body.paymentId])).toBe(0);
    const [row] = await t.sql<{ status: string; amount_minor: number | string }>(
      'SELECT status, amount_minor FROM payment WHERE id = $1',
      [unmatched.body.paymentId],
    );
    expect(row.status).toBe('unmatched');
    expect(Number(row.amount_minor)).toBe(1200);
    const list = await t.http.get('/v1/unmatched-payments').set(t.auth('staff'));
    expect(list.body.items.map((p: { paymentId: string }) => p.paymentId)).toContain(
      unmatched.body.paymentId,
    );
  });
});
