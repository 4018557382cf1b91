import { displayCode, generateCode } from '../../src/codes/code-format';
import { RetentionService } from '../../src/retention/retention.service';
import { aCashPayment, count, issueCode, registerMailbox } from '../support/builders';
import { aBankRef, aCamtDocument } from '../support/camt-builder';
import { settleNow } from '../support/settle';
import { startTestApp, TestApp } from '../support/test-app';

describe('retention', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RETENTION_YEARS: '1' } });
  });
  afterAll(() => t.close());

  it('deletes settled journal rows and their anonymity sets past the period but never an unmatched payment, however old', async () => {
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
    await settleNow(t);
    expect(await count(t, 'anonymity_group', 'booked_on = $1', [booked])).toBe(1);

    t.clock.set(`${Number(booked.slice(0, 4)) + 30}-06-01`);
    const run = await t.app.get(RetentionService).run();

    expect(run?.journalRows).toBe(1);
    expect(run?.anonymityGroups).toBe(1);
    expect(await count(t, 'anonymity_group')).toBe(0);
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

  it('keeps what was booked on the first day still kept, and deletes the day before it', async () => {
    const id = await registerMailbox(t);
    const letterOn = async (day: string) => {
      t.clock.set(day);
      const code = await issueCode(t, id);
      const res = await t.http
        .post('/v1/cash-payments')
        .set(t.auth('staff'))
        .send(aCashPayment({ code, receivedOn: day }));
      expect(res.body.status).toBe('credited');
      await settleNow(t);
      return res.body.paymentId as string;
    };
    const lastDayGone = await letterOn('2040-12-31');
    const firstDayKept = await letterOn('2041-01-01');

    // RETENTION_YEARS=1: in 2042 the first day kept is 2041-01-01.
    t.clock.set('2042-06-01');
    const run = await t.app.get(RetentionService).run();

    expect(run).toMatchObject({ keepFrom: '2041-01-01', journalRows: 1, anonymityGroups: 1 });
    expect(await count(t, 'payment', 'id = $1', [lastDayGone])).toBe(0);
    expect(await count(t, 'payment', 'id = $1', [firstDayKept])).toBe(1);
    expect(await t.sql<{ booked_on: string }>('SELECT booked_on FROM anonymity_group')).toEqual([
      { booked_on: '2041-01-01' },
    ]);
  });

  it("deletes a bank payment's booking identity with its journal row, and keeps an unmatched one's", async () => {
    const booked = '2050-03-02';
    t.clock.set(booked);
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const [creditedRef, unmatchedRef] = [aBankRef(), aBankRef()];
    const upload = await t.http
      .post('/v1/bank-statements')
      .set(t.auth('importer'))
      .set('content-type', 'application/xml')
      .send(
        aCamtDocument([
          { ref: creditedRef, bookingDate: booked, ustrd: [code] },
          { ref: unmatchedRef, bookingDate: booked, ustrd: ['no code here'] },
        ]),
      );
    expect(upload.status, upload.text).toBe(201);
    expect(upload.body.credits).toMatchObject({ credited: 1, unmatched: 1 });
    await settleNow(t);
    const journal = (ref: string) =>
      t.sql<{ id: string }>('SELECT id FROM payment WHERE external_ref LIKE $1', [`%/${ref}/%`]);
    const [[credited], [unmatched]] = await Promise.all([
      journal(creditedRef),
      journal(unmatchedRef),
    ]);
    const bookings = (paymentId: string) =>
      count(t, 'bank_booking', 'payment_id = $1', [paymentId]);
    expect(await bookings(credited.id)).toBe(1);

    t.clock.set('2060-06-01');
    const run = await t.app.get(RetentionService).run();

    // The booking's keyed digests (the payer's account, the texts, the day and
    // the amount) are a voucher's like the journal row: they go with it.
    expect(await count(t, 'payment', 'id = $1', [credited.id])).toBe(0);
    expect(await bookings(credited.id)).toBe(0);
    expect(run?.bankBookings).toBeGreaterThanOrEqual(1);
    // An unmatched payment is money still held: its booking still tells a later
    // statement that reports it again from a new one.
    expect(await bookings(unmatched.id)).toBe(1);
    expect(await count(t, 'bank_booking', 'payment_id NOT IN (SELECT id FROM payment)')).toBe(0);
  });
});
