import { settleNow } from '../support/settle';
import { FeesService } from '../../src/fees/fees.service';
import { aCashPayment, issueCode, registerMailbox } from '../support/builders';
import { aCamtDocument } from '../support/camt-builder';
import {
  approve,
  capture,
  createOrder,
  PayPalTestApp,
  startPayPalTestApp,
} from '../support/fake-paypal/paypal-test-app';

const DAY = '2026-11-24';

describe('reconciliation and VAT reports', () => {
  let t: PayPalTestApp;
  const report = (from = DAY, to = DAY) =>
    t.http.get(`/v1/reports/reconciliation?from=${from}&to=${to}`).set(t.auth('admin'));

  beforeAll(async () => {
    t = await startPayPalTestApp();
    t.clock.set(DAY);
  });
  afterAll(() => t.close());

  let closeLater: string;

  it('is consistent after bank, cash and PayPal payments, and counts each kind of money apart', async () => {
    const [alice, bob, carol] = [
      await registerMailbox(t),
      await registerMailbox(t),
      await registerMailbox(t),
    ];
    closeLater = alice;
    const cash = await t.http
      .post('/v1/cash-payments')
      .set(t.auth('staff'))
      .send(
        aCashPayment({
          code: await issueCode(t, alice, { country: 'DE' }),
          amountMinor: 1200,
          receivedOn: DAY,
        }),
      );
    expect(cash.body.status).toBe('credited');
    const bank = await t.http
      .post('/v1/bank-statements')
      .set(t.auth('importer'))
      .set('content-type', 'application/xml')
      .send(
        aCamtDocument([
          { ustrd: [await issueCode(t, bob, { country: 'FR' })], bookingDate: DAY },
          { ustrd: [await issueCode(t, carol)], bookingDate: DAY },
          { ustrd: ['Spende'], amount: '5.00', bookingDate: DAY },
        ]),
      );
    expect(bank.body.credits).toEqual({ credited: 2, unmatched: 1, duplicate: 0 });
    const order = await createOrder(t, carol, { amountMinor: 1500 });
    await approve(order.approveUrl);
    expect((await capture(t, order.orderId)).body).toEqual({ status: 'credited' });
    const captureId = t.paypal.captureOf(order.orderId)!.id;
    expect((await t.paypal.dispute(captureId))?.status).toBe(200);
    expect((await t.paypal.refund(captureId))?.status).toBe(200);
    await t.app.get(FeesService).run(DAY);

    // Before the settlement, the letter's credit and the capture's journal row
    // wait: counted where they belong already, and shown as waiting.
    const early = await report();
    expect(early.body.consistent).toBe(true);
    expect(early.body.days[0].pending).toEqual({
      credits: { count: 1, amountMinor: 1200 },
      payments: { count: 1, amountMinor: 1500 },
    });
    await settleNow(t);

    const res = await report();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: DAY, to: DAY, currency: 'EUR', consistent: true });
    const [day] = res.body.days;
    expect(day.date).toBe(DAY);
    expect(day.consistent).toBe(true);
    const tally = (count: number, amountMinor: number) => ({ count, amountMinor });
    const line = (channel: string, country: string | null) =>
      day.payments.find(
        (p: { channel: string; country: string | null }) =>
          p.channel === channel && p.country === country,
      );
    expect(line('cash', 'DE')).toMatchObject({
      received: tally(1, 1200),
      credited: tally(1, 1200),
    });
    expect(line('bank', 'FR')).toMatchObject({ credited: tally(1, 1200) });
    expect(line('bank', null)).toMatchObject({
      received: tally(2, 1700),
      credited: tally(1, 1200),
      unmatched: tally(1, 500),
    });
    expect(line('paypal', null)).toMatchObject({
      received: tally(1, 1500),
      credited: tally(1, 1500),
      refunded: tally(1, 1500),
      disputed: tally(1, 1500),
      unmatched: tally(0, 0),
      reversed: tally(0, 0),
    });
    expect(day.ledger).toEqual([
      { channel: 'bank', credits: tally(2, 2400) },
      { channel: 'cash', credits: tally(1, 1200) },
      { channel: 'paypal', credits: tally(1, 1500) },
    ]);
    expect(day.feeDebits).toEqual(tally(3, 300));
    expect(day.checks).toEqual([
      {
        channel: 'bank',
        creditedPayments: tally(2, 2400),
        ledgerCredits: tally(2, 2400),
        consistent: true,
      },
      {
        channel: 'cash',
        creditedPayments: tally(1, 1200),
        ledgerCredits: tally(1, 1200),
        consistent: true,
      },
      {
        channel: 'paypal',
        creditedPayments: tally(1, 1500),
        ledgerCredits: tally(1, 1500),
        consistent: true,
      },
    ]);
    expect(day.pending).toEqual({ credits: tally(0, 0), payments: tally(0, 0) });
    // Groups by batch, channel and amount: the import's bank 1200 ×2; the
    // settlement's cash 1200 ×1 and paypal 1500 ×1.
    expect(day.anonymitySet).toEqual({ credits: 4, groups: 3, minimum: 1, median: 1, alone: 2 });
  });

  it('stays consistent after a mailbox is closed and its ledger erased', async () => {
    expect((await t.http.delete(`/v1/mailboxes/${closeLater}`).set(t.auth('webmail'))).status).toBe(
      204,
    );
    const res = await report();
    expect(res.body.consistent).toBe(true);
    expect(res.body.days[0].ledger).toContainEqual({
      channel: 'cash',
      credits: { count: 1, amountMinor: 1200 },
    });
  });

  it('writes the VAT figures per month and country as CSV', async () => {
    const res = await t.http.get('/v1/reports/vat?from=2026-11&to=2026-11').set(t.auth('admin'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.text.split('\r\n')).toEqual([
      'month,country,currency,payments,gross_minor,gross,payer_country_agrees,payer_country_differs,payer_country_unknown',
      '2026-11,DE,EUR,1,1200,12.00,0,0,1',
      // Code country FR, paid from a German account: the two pieces of evidence differ.
      '2026-11,FR,EUR,1,1200,12.00,0,1,0',
      // No country evidence came with these codes: last, for someone to look at.
      '2026-11,,EUR,2,2700,27.00,0,0,2',
      '',
    ]);
    const empty = await t.http.get('/v1/reports/vat?from=2025-01&to=2025-12').set(t.auth('admin'));
    expect(empty.text.split('\r\n')).toHaveLength(2);
    expect(
      (await t.http.get('/v1/reports/vat?from=2026-13&to=2026-11').set(t.auth('admin'))).status,
    ).toBe(400);
  });

  it('refuses a range backwards, longer than a year, or not made of days', async () => {
    expect((await report('2026-11-25', '2026-11-24')).status).toBe(400);
    expect((await report('2025-01-01', '2026-01-02')).status).toBe(400);
    expect((await report('2025-01-01', '2025-12-31')).status).toBe(200);
    const missing = await t.http
      .get('/v1/reports/reconciliation?from=2026-11-01')
      .set(t.auth('admin'));
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toContainEqual(expect.objectContaining({ path: 'to' }));
  });

  it('counts a bank reversal as reversed, also after staff resolved it as kept', async () => {
    // A day of its own, so the figures above stay as they are.
    const day = '2026-11-20';
    const reversals = (body: { days: { payments: { channel: string }[] }[] }) =>
      body.days[0].payments.find((p) => p.channel === 'bank');
    const imported = await t.http
      .post('/v1/bank-statements')
      .set(t.auth('importer'))
      .set('content-type', 'application/xml')
      // No AcctSvcrRef: the booking's reference is a digest, not the bank's.
      .send(aCamtDocument([{ reversal: true, ref: null, amount: '7.00', bookingDate: day }]));
    expect(imported.status).toBe(201);
    const before = await report(day, day);
    expect(reversals(before.body)).toMatchObject({
      received: { count: 0, amountMinor: 0 },
      reversed: { count: 1, amountMinor: 700 },
    });

    const list = await t.http.get('/v1/unmatched-payments?limit=500').set(t.auth('staff'));
    const row = list.body.items.find(
      (p: { bookedOn: string; reason: string }) => p.bookedOn === day && p.reason === 'reversal',
    );
    const kept = await t.http
      .post(`/v1/unmatched-payments/${row.paymentId}/resolution`)
      .set(t.auth('staff'))
      .send({ action: 'kept' });
    expect(kept.body).toEqual({ paymentId: row.paymentId, status: 'kept' });

    const after = await report(day, day);
    expect(after.body.consistent).toBe(true);
    expect(reversals(after.body)).toMatchObject({
      received: { count: 0, amountMinor: 0 },
      kept: { count: 0, amountMinor: 0 },
      reversed: { count: 1, amountMinor: 700 },
    });
  });

  it('says false when a ledger row has been tampered with, naming the day and channel', async () => {
    const [row] = await t.sql<{ id: string }>(
      "SELECT id FROM ledger_entry WHERE channel = 'bank' AND booked_on = $1",
      [DAY],
    );
    await t.sql('UPDATE ledger_entry SET amount_minor = amount_minor + 1 WHERE id = $1', [row.id]);
    const res = await report('2026-11-01', '2026-11-30');
    expect(res.body.consistent).toBe(false);
    const day = res.body.days.find((d: { date: string }) => d.date === DAY);
    expect(day.consistent).toBe(false);
    expect(day.checks.find((c: { channel: string }) => c.channel === 'bank')).toEqual({
      channel: 'bank',
      creditedPayments: { count: 2, amountMinor: 2400 },
      ledgerCredits: { count: 2, amountMinor: 2401 },
      consistent: false,
    });
    expect(day.checks.find((c: { channel: string }) => c.channel === 'cash').consistent).toBe(true);
  });
});
