import { takeAsBatch } from '../support/settle';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { settleNow } from '../support/settle';
import { KeyedHash } from '../../src/config/keyed-hash';
import { Transactions } from '../../src/database/transactions';
import { EventDelivery } from '../../src/events/event-delivery';
import { FeesService } from '../../src/fees/fees.service';
import { aCashPayment, count, creditedTo, issueCode, registerMailbox } from '../support/builders';
import { aCamtDocument } from '../support/camt-builder';
import { startTestApp, TestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

describe('events to the webmail backend', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let delivery: EventDelivery;
  /** The delivery's own clock, in ms, moved by hand to test the backoff. */
  let now = Date.now();

  const pay = async (mailboxId: string, amountMinor: number) => {
    const code = await issueCode(t, mailboxId);
    const res = await t.http
      .post('/v1/cash-payments')
      .set(t.auth('staff'))
      .send(aCashPayment({ code, amountMinor, receivedOn: t.clock.today() }));
    expect(res.body.status).toBe('credited');
    // A letter's credit, and its event, are written by the next settlement.
    await settleNow(t);
    return res.body.paymentId as string;
  };
  const outbox = (mailboxId: string) =>
    t.sql<{ id: string; type: string; event_on: string }>(
      'SELECT id, type, event_on FROM event_outbox WHERE mailbox = $1 ORDER BY type',
      [t.app.get(KeyedHash).mailbox(mailboxId)],
    );
  const drain = async () => {
    for (let i = 0; i < 10 && (await count(t, 'event_outbox')) > 0; i++) {
      now += 3_600_000;
      await delivery.tick(now);
    }
    receiver.received.length = 0;
    receiver.accepted.length = 0;
  };

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    t = await startTestApp({
      env: {
        WEBMAIL_WEBHOOK_URL: receiver.url,
        WEBMAIL_WEBHOOK_SECRET: SECRET,
        WEBHOOK_INTERVAL_SECONDS: '5',
      },
    });
    delivery = t.app.get(EventDelivery);
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });
  beforeEach(() => drain());

  it('writes balance.credited with the credit and sends it signed per Standard Webhooks, then deletes it', async () => {
    t.clock.set('2026-11-24');
    const id = await registerMailbox(t);
    const paymentId = await pay(id, 1200);
    const [row] = await outbox(id);
    expect(row).toMatchObject({ type: 'balance.credited', event_on: '2026-11-24' });
    // The row holds a pseudonym, a type and a day: no amount, no payment, no mailbox id.
    const stored = JSON.stringify(await t.sql('SELECT * FROM event_outbox'));
    expect(stored).not.toContain(paymentId);
    expect(stored).not.toContain(id);
    expect(stored).not.toContain('1200');
    expect(JSON.stringify(await t.sql('SELECT * FROM mailbox'))).not.toContain(id);

    const run = await delivery.tick(now);
    expect(run).toMatchObject({ delivered: 1, failed: 0 });
    expect(receiver.accepted).toHaveLength(1);
    const [event] = receiver.accepted;
    const verified = new Webhook(SECRET).verify(event.body, {
      'webhook-id': String(event.headers['webhook-id']),
      'webhook-timestamp': String(event.headers['webhook-timestamp']),
      'webhook-signature': String(event.headers['webhook-signature']),
    });
    expect(verified).toEqual({
      type: 'balance.credited',
      mailboxId: id,
      // As it stands after the day's fee (due on the day of registration).
      balance: { amountMinor: 1100, currency: 'EUR' },
      paidUntil: '2027-11-23',
      date: '2026-11-24',
    });
    expect(event.headers['webhook-id']).toBe(row.id);
    expect(event.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(event.headers['content-type']).toBe('application/json');
    expect(await outbox(id)).toEqual([]);
    // A signature made with another secret does not verify.
    expect(() =>
      new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(event.body, {
        'webhook-id': String(event.headers['webhook-id']),
        'webhook-timestamp': String(event.headers['webhook-timestamp']),
        'webhook-signature': String(event.headers['webhook-signature']),
      }),
    ).toThrow();
  });

  it('keeps an event while the receiver is down, backs off, and delivers it once it recovers', async () => {
    t.clock.set('2026-11-25');
    const id = await registerMailbox(t);
    await pay(id, 500);
    receiver.failures = 2;

    const first = await delivery.tick(now);
    expect(first).toMatchObject({ delivered: 0, failed: 1 });
    expect(await outbox(id)).toHaveLength(1);
    // Backing off: right away, nothing is tried.
    expect(await delivery.tick(now + 1_000)).toMatchObject({ failed: 0, waiting: 1 });
    expect(receiver.received).toHaveLength(1);
    // After the first backoff (the interval), a second try, refused again.
    expect(await delivery.tick(now + 5_000)).toMatchObject({ failed: 1 });
    // The backoff doubled: 5 s later is too early, 10 s later it goes.
    expect(await delivery.tick(now + 10_000)).toMatchObject({ failed: 0, waiting: 1 });
    const recovered = await delivery.tick(now + 15_000);
    expect(recovered).toMatchObject({ delivered: 1, failed: 0 });
    expect(receiver.received).toHaveLength(3);
    expect(receiver.accepted).toHaveLength(1);
    // The same message id on every attempt: the receiver can drop repeats.
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(JSON.parse(receiver.accepted[0].body)).toMatchObject({
      type: 'balance.credited',
      mailboxId: id,
      balance: { amountMinor: 400, currency: 'EUR' },
    });
    expect(await outbox(id)).toEqual([]);
  });

  it('loses nothing when the connection drops or the service restarts between attempts', async () => {
    t.clock.set('2026-11-26');
    const ids = [await registerMailbox(t), await registerMailbox(t), await registerMailbox(t)];
    for (const id of ids) await pay(id, 300);
    receiver.failures = 1;
    receiver.hangUp = true;
    try {
      const down = await delivery.tick(now);
      // One failure stops the run: a receiver that is down is not hammered.
      expect(down).toMatchObject({ delivered: 0, failed: 1 });
      expect(await count(t, 'event_outbox')).toBe(3);
    } finally {
      receiver.hangUp = false;
    }
    // A new instance (a restart) on the same database delivers what waits.
    const second = await startTestApp({
      db: t.db,
      env: { WEBMAIL_WEBHOOK_URL: receiver.url, WEBMAIL_WEBHOOK_SECRET: SECRET },
    });
    try {
      second.clock.set('2026-11-26');
      expect(await second.app.get(EventDelivery).tick(now)).toMatchObject({ delivered: 3 });
    } finally {
      await second.close();
    }
    expect(receiver.accepted.map((r) => JSON.parse(r.body).mailboxId).sort()).toEqual(
      [...ids].sort(),
    );
    expect(await count(t, 'event_outbox')).toBe(0);
  });

  it('writes no event for a credit that is rolled back', async () => {
    t.clock.set('2026-11-27');
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    await expect(
      t.app.get(Transactions).run(async (tx) => {
        const [outcome] = await takeAsBatch(
          t.app,
          tx,
          [
            {
              channel: 'cash',
              externalRef: `rollback-${randomBytes(4).toString('hex')}`,
              amountMinor: 700,
              currency: 'EUR',
              bookedOn: '2026-11-27',
              texts: [code],
              correctTypos: false,
            },
          ],
          '2026-11-27',
        );
        expect(outcome.status).toBe('credited');
        throw new Error('the import failed after this credit');
      }),
    ).rejects.toThrow('the import failed');
    expect(await outbox(id)).toEqual([]);
    expect(await count(t, 'ledger_entry', 'mailbox = $1', [t.app.get(KeyedHash).mailbox(id)])).toBe(
      0,
    );
    expect(await delivery.tick(now)).toMatchObject({ delivered: 0 });
  });

  it('coalesces credits not yet sent into one event per mailbox, with the balance when sent', async () => {
    t.clock.set('2026-11-28');
    const id = await registerMailbox(t);
    await pay(id, 100);
    await pay(id, 200);
    await pay(id, 300);
    expect(await outbox(id)).toHaveLength(1);
    await delivery.tick(now);
    // 600 received, less the fee of the first period (due today).
    expect(receiver.accepted.map((r) => JSON.parse(r.body).balance.amountMinor)).toEqual([500]);
  });

  it("dates the one event of credits settled together by the latest credit's day, whatever their order", async () => {
    // Three mailboxes, each with letters taken on five days, the latest first, all
    // waiting for one settlement: a credit is booked on the day it was taken. The
    // settlement reads them in no set order, so three mailboxes make a right answer
    // by the order alone a chance of 1 in 125.
    const ids = [await registerMailbox(t), await registerMailbox(t), await registerMailbox(t)];
    for (const day of ['2026-11-27', '2026-11-20', '2026-11-26', '2026-11-21', '2026-11-25']) {
      t.clock.set(day);
      for (const id of ids) {
        const code = await issueCode(t, id);
        const res = await t.http
          .post('/v1/cash-payments')
          .set(t.auth('staff'))
          .send(aCashPayment({ code, amountMinor: 100, receivedOn: day }));
        expect(res.body.status).toBe('credited');
      }
    }
    expect(await count(t, 'event_outbox')).toBe(0);
    t.clock.set('2026-11-28');
    await settleNow(t);
    for (const id of ids) {
      expect((await outbox(id)).map((e) => [e.type, e.event_on])).toEqual([
        ['balance.credited', '2026-11-27'],
      ]);
    }
  });

  it('sends balance.low when a fee takes the balance below the threshold, and mailbox.suspended when grace runs out', async () => {
    t.clock.set('2026-01-10');
    const id = await registerMailbox(t);
    await pay(id, 250);
    await drain();
    const fees = t.app.get(FeesService);
    await fees.run('2026-01-10'); // 250 -> 150: below the threshold of two fees (200)
    expect((await outbox(id)).map((r) => r.type)).toEqual(['balance.low']);
    await fees.run('2026-02-10'); // 150 -> 50: already low, no second event
    expect((await outbox(id)).map((r) => `${r.type} ${r.event_on}`)).toEqual([
      'balance.low 2026-01-10',
    ]);
    await fees.run('2026-03-10'); // cannot pay: grace
    await fees.run('2026-03-24'); // grace over: suspended
    expect((await outbox(id)).map((r) => `${r.type} ${r.event_on}`)).toEqual([
      'balance.low 2026-01-10',
      'mailbox.suspended 2026-03-24',
    ]);
    t.clock.set('2026-03-24');
    await delivery.tick(now);
    const bodies = receiver.accepted.map((r) => JSON.parse(r.body));
    expect(bodies).toHaveLength(2);
    expect(bodies.find((b) => b.type === 'mailbox.suspended')).toEqual({
      type: 'mailbox.suspended',
      mailboxId: id,
      balance: { amountMinor: 50, currency: 'EUR' },
      paidUntil: '2026-03-09',
      date: '2026-03-24',
    });
  });

  it('erases undelivered events when the mailbox is closed', async () => {
    t.clock.set('2026-11-29');
    const id = await registerMailbox(t);
    await pay(id, 100);
    expect(await outbox(id)).toHaveLength(1);
    expect((await t.http.delete(`/v1/mailboxes/${id}`).set(t.auth('webmail'))).status).toBe(204);
    expect(await outbox(id)).toEqual([]);
    expect(await delivery.tick(now)).toMatchObject({ delivered: 0 });
    expect(receiver.received).toEqual([]);
  });

  it('seals the mailbox id only while events are on, and a mailbox registered before gets it on its next PUT', async () => {
    const off = await startTestApp({ db: t.db });
    let id: string;
    try {
      off.clock.set('2026-11-30');
      id = await registerMailbox(off);
      const [row] = await off.sql('SELECT sealed_id FROM mailbox WHERE pseudonym = $1', [
        off.app.get(KeyedHash).mailbox(id),
      ]);
      expect(row.sealed_id).toBeNull();
      const code = await issueCode(off, id);
      await off.http
        .post('/v1/cash-payments')
        .set(off.auth('staff'))
        .send(aCashPayment({ code, amountMinor: 100 }));
      expect(await count(off, 'event_outbox')).toBe(0);
    } finally {
      await off.close();
    }
    // Events on, but no sealed id yet: the event cannot be addressed and is dropped.
    await pay(id, 100);
    expect(await delivery.tick(now)).toMatchObject({ dropped: 1, delivered: 0 });
    expect(await count(t, 'event_outbox')).toBe(0);
    // PUT again (idempotent, 200) and the next event reaches the receiver.
    expect((await t.http.put(`/v1/mailboxes/${id}`).set(t.auth('webmail'))).status).toBe(200);
    await pay(id, 100);
    expect(await delivery.tick(now)).toMatchObject({ delivered: 1 });
    expect(JSON.parse(receiver.accepted[0].body).mailboxId).toBe(id);
  });
});

describe('events while they are off (no WEBMAIL_WEBHOOK_URL)', () => {
  it('writes no event for the credits of a cash batch, a bank import or a settled letter', async () => {
    const t = await startTestApp();
    try {
      const id = await registerMailbox(t);
      const batch = await t.http
        .post('/v1/cash-batches')
        .set(t.auth('staff'))
        .send({
          receivedOn: t.clock.today(),
          currency: 'EUR',
          countedTotalMinor: 100,
          entries: [{ code: await issueCode(t, id), amountMinor: 100 }],
        });
      expect(batch.body).toMatchObject({ credited: 1, unmatched: 0 });
      const upload = await t.http
        .post('/v1/bank-statements')
        .set(t.auth('importer'))
        .set('content-type', 'application/xml')
        .send(aCamtDocument([{ ustrd: [`Aufladung ${await issueCode(t, id)}`], amount: '2.00' }]));
      expect(upload.body.credits).toEqual({ credited: 1, unmatched: 0, duplicate: 0 });
      const letter = await t.http
        .post('/v1/cash-payments')
        .set(t.auth('staff'))
        .send(aCashPayment({ code: await issueCode(t, id), amountMinor: 400 }));
      expect(letter.body.status).toBe('credited');
      await settleNow(t);
      expect(await creditedTo(t, id)).toBe(700);
      expect(await count(t, 'event_outbox')).toBe(0);
    } finally {
      await t.close();
    }
  });
});
