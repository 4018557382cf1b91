import { addDays } from '../../src/common/day';
import { settleNow } from '../support/settle';
import { KeyedHash } from '../../src/config/keyed-hash';
import { MaintenanceJob } from '../../src/retention/maintenance.job';
import { parseCode } from '../../src/codes/code-format';
import { aMailboxId, count, creditedTo, issueCode, registerMailbox } from '../support/builders';
import { startTestApp, TestApp } from '../support/test-app';

describe('mailboxes and top-up codes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('registers a mailbox once: 201, then 200, stored only as a pseudonym', async () => {
    const id = aMailboxId();
    const first = await t.http.put(`/v1/mailboxes/${id}`).set(t.auth('webmail'));
    expect(first.status).toBe(201);
    // Prepaid: the first period begins today and nothing pays for it yet.
    expect(first.body).toEqual({
      mailboxId: id,
      balance: { amountMinor: 0, currency: 'EUR' },
      pending: { amountMinor: 0, currency: 'EUR' },
      openCodes: 0,
      status: 'grace',
      paidUntil: addDays(t.clock.today(), -1),
    });
    const again = await t.http.put(`/v1/mailboxes/${id}`).set(t.auth('webmail'));
    expect(again.status).toBe(200);
    const rows = await t.sql<{ pseudonym: string }>('SELECT pseudonym FROM mailbox');
    expect(rows.map((r) => r.pseudonym)).toContain(t.app.get(KeyedHash).mailbox(id));
    expect(JSON.stringify(rows)).not.toContain(id);
  });

  it('answers 404 for a mailbox it does not know, and 400 for an id outside the contract', async () => {
    const missing = await t.http.get(`/v1/mailboxes/${aMailboxId()}`).set(t.auth('webmail'));
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    const bad = await t.http.get(`/v1/mailboxes/${'x'.repeat(129)}`).set(t.auth('webmail'));
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('mailboxId');
  });

  it('issues a code with transfer details, stores only its keyed hash and the VAT country', async () => {
    const id = await registerMailbox(t);
    const res = await t.http
      .post(`/v1/mailboxes/${id}/topup-codes`)
      .set(t.auth('webmail'))
      .send({ country: 'AT' });
    expect(res.status).toBe(201);
    expect(res.body.code).toMatch(
      /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/,
    );
    expect(parseCode(res.body.code).ok).toBe(true);
    expect(res.body.transfer).toEqual({
      creditorName: t.config.creditor.name,
      iban: t.config.creditor.iban,
      bic: t.config.creditor.bic,
      remittance: res.body.code,
    });
    const canonical = (res.body.code as string).replaceAll('-', '');
    const rows = await t.sql<{
      code_hash: string;
      country: string;
      expires_on: string;
      mailbox: string;
    }>('SELECT code_hash, country, expires_on, mailbox FROM topup_code WHERE code_hash = $1', [
      t.app.get(KeyedHash).code(canonical),
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0].country).toBe('AT');
    expect(rows[0].expires_on).toBe(res.body.expiresOn);
    const all = JSON.stringify(await t.sql('SELECT * FROM topup_code'));
    expect(all).not.toContain(canonical);
    expect(all).not.toContain(id);
  });

  it('refuses a sixth open code with 409 and accepts one again once a code has expired', async () => {
    const id = await registerMailbox(t);
    for (let i = 0; i < t.config.maxOpenCodes; i++) await issueCode(t, id);
    const refused = await t.http
      .post(`/v1/mailboxes/${id}/topup-codes`)
      .set(t.auth('webmail'))
      .send({});
    expect(refused.status).toBe(409);
    expect(refused.body.type).toMatch(/too-many-open-codes$/);
    expect(refused.body.title).toBe('The mailbox holds as many open codes as allowed');
    expect(refused.body.detail).toBe(
      `A mailbox may hold ${t.config.maxOpenCodes} open codes, PayPal orders included; use one or wait until one expires.`,
    );
    const view = await t.http.get(`/v1/mailboxes/${id}`).set(t.auth('webmail'));
    expect(view.body.openCodes).toBe(t.config.maxOpenCodes);

    t.clock.advance(t.config.codeTtlDays + 1);
    try {
      const after = await t.http.get(`/v1/mailboxes/${id}`).set(t.auth('webmail'));
      expect(after.body.openCodes).toBe(0);
      expect(await issueCode(t, id)).toBeTruthy();
    } finally {
      t.clock.advance(-(t.config.codeTtlDays + 1));
    }
  });

  it('rejects unknown fields and a malformed country', async () => {
    const id = await registerMailbox(t);
    const unknown = await t.http
      .post(`/v1/mailboxes/${id}/topup-codes`)
      .set(t.auth('webmail'))
      .send({ foo: 1 });
    expect(unknown.status).toBe(400);
    const country = await t.http
      .post(`/v1/mailboxes/${id}/topup-codes`)
      .set(t.auth('webmail'))
      .send({ country: 'Germany' });
    expect(country.status).toBe(400);
    expect(country.body.errors).toEqual([expect.objectContaining({ path: 'country' })]);
    expect(await count(t, 'topup_code', 'mailbox = $1', [t.app.get(KeyedHash).mailbox(id)])).toBe(
      0,
    );
  });

  it('issues no code for an unregistered mailbox', async () => {
    const res = await t.http
      .post(`/v1/mailboxes/${aMailboxId()}/topup-codes`)
      .set(t.auth('webmail'))
      .send({});
    expect(res.status).toBe(404);
  });

  it('closes a mailbox: balance, ledger, credits waiting for settlement and open codes are erased', async () => {
    const id = await registerMailbox(t);
    const letter = (code: string, amountMinor: number) =>
      t.http
        .post('/v1/cash-payments')
        .set(t.auth('staff'))
        .send({ code, amountMinor, currency: 'EUR', receivedOn: t.clock.today() });
    const paid = await letter(await issueCode(t, id), 500);
    expect(paid.body.status).toBe('credited');
    await settleNow(t);
    const waiting = await letter(await issueCode(t, id), 300);
    expect(waiting.body.status).toBe('credited');
    await issueCode(t, id);
    const pseudonym = t.app.get(KeyedHash).mailbox(id);
    expect(await count(t, 'ledger_entry', 'mailbox = $1', [pseudonym])).toBe(1);
    expect(await count(t, 'pending_credit', 'mailbox = $1', [pseudonym])).toBe(1);
    const closedTotal = async () => {
      const [row] = await t.sql<{ n: number | string; amount: number | string }>(
        "SELECT COALESCE(SUM(entries), 0) AS n, COALESCE(SUM(amount_minor), 0) AS amount FROM ledger_closed_total WHERE kind = 'credit' AND channel = 'cash'",
      );
      return { entries: Number(row.n), amountMinor: Number(row.amount) };
    };
    const before = await closedTotal();

    const closed = await t.http.delete(`/v1/mailboxes/${id}`).set(t.auth('webmail'));
    expect(closed.status).toBe(204);
    expect(await count(t, 'ledger_entry', 'mailbox = $1', [pseudonym])).toBe(0);
    expect(await count(t, 'pending_credit', 'mailbox = $1', [pseudonym])).toBe(0);
    expect(await count(t, 'topup_code', 'mailbox = $1', [pseudonym])).toBe(0);
    expect(await count(t, 'mailbox', 'pseudonym = $1', [pseudonym])).toBe(0);
    // Both credits were money received: the books keep them as sums that name no one.
    expect(await closedTotal()).toEqual({
      entries: before.entries + 2,
      amountMinor: before.amountMinor + 800,
    });
    // The journal keeps the payments for bookkeeping: they never pointed at the mailbox.
    expect(await count(t, 'payment', 'id = $1', [paid.body.paymentId])).toBe(1);
    expect(await count(t, 'payment', 'id = $1', [waiting.body.paymentId])).toBe(1);
    expect((await t.http.get(`/v1/mailboxes/${id}`).set(t.auth('webmail'))).status).toBe(404);
    expect((await t.http.delete(`/v1/mailboxes/${id}`).set(t.auth('webmail'))).status).toBe(404);
  });

  it('lists the ledger newest first, by day, in pages', async () => {
    const id = await registerMailbox(t);
    const days = ['2026-01-10', '2026-02-10', '2026-03-10'];
    for (const [i, day] of days.entries()) {
      t.clock.set(day);
      const code = await issueCode(t, id);
      const res = await t.http
        .post('/v1/cash-payments')
        .set(t.auth('staff'))
        .send({ code, amountMinor: 100 * (i + 1), currency: 'EUR', receivedOn: day });
      expect(res.body.status).toBe('credited');
      await settleNow(t);
    }
    t.clock.set(new Date().toISOString().slice(0, 10));
    const first = await t.http.get(`/v1/mailboxes/${id}/ledger?limit=2`).set(t.auth('webmail'));
    expect(first.status).toBe(200);
    expect(first.body.entries).toEqual([
      { kind: 'credit', channel: 'cash', amountMinor: 300, currency: 'EUR', date: '2026-03-10' },
      { kind: 'credit', channel: 'cash', amountMinor: 200, currency: 'EUR', date: '2026-02-10' },
    ]);
    const second = await t.http
      .get(`/v1/mailboxes/${id}/ledger?limit=2&cursor=${first.body.nextCursor}`)
      .set(t.auth('webmail'));
    expect(second.body.entries.map((e: { date: string }) => e.date)).toEqual(['2026-01-10']);
    expect(second.body.nextCursor).toBeNull();
    const view = await t.http.get(`/v1/mailboxes/${id}`).set(t.auth('webmail'));
    // 600 credited, less the first period's fee, due today (the day of registration).
    expect(view.body.balance.amountMinor).toBe(500);
  });

  it('purges expired codes and old idempotency records on the daily run, and nothing younger', async () => {
    const id = await registerMailbox(t);
    const expiring = await issueCode(t, id);
    const paidCode = await issueCode(t, id);
    await t.http
      .post('/v1/cash-payments')
      .set(t.auth('staff'))
      .set('idempotency-key', 'purge-check-1')
      .send({
        code: paidCode,
        amountMinor: 100,
        currency: 'EUR',
        receivedOn: t.clock.today(),
      });
    const paid = t.app.get(KeyedHash).code(paidCode.replaceAll('-', ''));
    const hash = t.app.get(KeyedHash).code(expiring.replaceAll('-', ''));
    expect(await count(t, 'topup_code', 'code_hash = $1', [hash])).toBe(1);

    const first = await t.app.get(MaintenanceJob).purge();
    expect(await count(t, 'topup_code', 'code_hash = $1', [hash])).toBe(1);
    expect(first.idempotentRequests).toBe(0);

    t.clock.advance(t.config.codeTtlDays + 1);
    try {
      const later = await t.app.get(MaintenanceJob).purge();
      expect(later.codes).toBeGreaterThanOrEqual(1);
      expect(later.idempotentRequests).toBeGreaterThanOrEqual(1);
      expect(await count(t, 'topup_code', 'code_hash = $1', [hash])).toBe(0);
      expect(await count(t, 'idempotent_request')).toBe(0);
      // A paid code whose credit waits for the settlement is not purged with the expired.
      expect(await count(t, 'topup_code', 'code_hash = $1', [paid])).toBe(1);
      await settleNow(t);
      expect(await count(t, 'topup_code', 'code_hash = $1', [paid])).toBe(0);
      expect(await creditedTo(t, id)).toBe(100);
    } finally {
      t.clock.advance(-(t.config.codeTtlDays + 1));
    }
  });
});
