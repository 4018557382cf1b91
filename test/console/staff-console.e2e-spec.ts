import { AuditTrail } from '../../src/audit/audit-trail';
import { generateCode } from '../../src/codes/code-format';
import { SESSION_COOKIE } from '../../src/staff/staff-sessions';
import { aCashPayment, count, issueCode, registerMailbox } from '../support/builders';
import { startTestApp, TestApp } from '../support/test-app';
import { anEnrolledAccount, Enrolled, signIn } from './staff-support';

describe('staff accounts, sessions and CSRF', () => {
  let t: TestApp;
  let anna: Enrolled;
  let bert: Enrolled;

  beforeAll(async () => {
    t = await startTestApp({ env: { CASH_FOUR_EYES: 'true' } });
    anna = await anEnrolledAccount(t, 'anna', 'admin');
    bert = await anEnrolledAccount(t, 'bert', 'staff', 'de');
  });
  afterAll(() => t.close());

  it('signs in with password and TOTP into a Secure, HttpOnly, SameSite=Strict cookie, a new id each time', async () => {
    const wrong = await t.http
      .post('/v1/staff/session')
      .send({ name: 'anna', password: anna.password, oneTimeCode: '000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.type).toMatch(/sign-in-failed$/);
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const res = await t.http
      .post('/v1/staff/session')
      .send({ name: 'anna', password: anna.password, oneTimeCode: anna.code(1) });
    expect(res.status).toBe(201);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[\\w-]{43};`));
    for (const flag of ['Secure', 'HttpOnly', 'SameSite=Strict', 'Path=/'])
      expect(cookie).toContain(flag);
    // The same code again is refused: a TOTP code signs in once.
    const replay = await t.http
      .post('/v1/staff/session')
      .send({ name: 'anna', password: anna.password, oneTimeCode: anna.code(1) });
    expect(replay.status).toBe(401);
    const me = await t.http.get('/v1/staff/session').set('cookie', cookie.split(';')[0]);
    expect(me.body).toMatchObject({ name: 'anna', role: 'admin', locale: 'en' });
    const rows = await t.sql<{ id_hash: string }>('SELECT id_hash FROM staff_session');
    // Only a digest of the cookie is stored.
    expect(rows.map((r) => r.id_hash)).not.toContain(cookie.split(';')[0].split('=')[1]);
  });

  it('locks an account after five failed sign-ins, the right code included', async () => {
    const carl = await anEnrolledAccount(t, 'carl');
    for (let i = 0; i < 5; i++) {
      const res = await t.http
        .post('/v1/staff/session')
        .send({ name: 'carl', password: 'wrong password!', oneTimeCode: carl.code(1) });
      expect(res.status).toBe(401);
    }
    const locked = await t.http
      .post('/v1/staff/session')
      .send({ name: 'carl', password: carl.password, oneTimeCode: carl.code(1) });
    expect(locked.status).toBe(429);
    expect(locked.body.type).toMatch(/sign-in-locked$/);
  });

  it("gives a session its account's roles: a staff account records letters but may not read the books", async () => {
    const session = await signIn(t, bert);
    const code = await issueCode(t, await registerMailbox(t));
    const send = () =>
      t.http
        .post('/v1/cash-payments')
        .set(session.headers)
        .set('idempotency-key', 'letter-bert-1')
        .send(aCashPayment({ code }));
    const letter = await send();
    expect(letter.status).toBe(201);
    expect(letter.body.status).toBe('credited');
    // Sent again with its key: replayed, and recorded once.
    expect((await send()).headers['idempotent-replayed']).toBe('true');
    const books = await t.http
      .get('/v1/reports/reconciliation?from=2026-01-01&to=2026-01-02')
      .set('cookie', session.cookie);
    expect(books.status).toBe(403);
    const [record] = await t.sql<{ actor: string; action: string; payment_id: string }>(
      "SELECT actor, action, payment_id FROM audit_record WHERE action = 'cash-letter'",
    );
    expect(record).toEqual({
      actor: 'bert',
      action: 'cash-letter',
      payment_id: letter.body.paymentId,
    });
  });

  it('refuses a state-changing request without the CSRF token with 403 whatever its content type, and records nothing', async () => {
    const session = await signIn(t, await anEnrolledAccount(t, 'jana'));
    const code = await issueCode(t, await registerMailbox(t));
    const before = { payments: await count(t, 'payment'), audit: await count(t, 'audit_record') };
    const bodies: [string, string][] = [
      ['application/json', JSON.stringify(aCashPayment({ code }))],
      ['text/plain', JSON.stringify(aCashPayment({ code }))],
      ['application/x-www-form-urlencoded', `code=${code}&amountMinor=1200&currency=EUR`],
      [
        'multipart/form-data; boundary=x',
        `--x\r\nContent-Disposition: form-data; name="code"\r\n\r\n${code}\r\n--x--\r\n`,
      ],
      ['application/xml', '<a/>'],
    ];
    for (const [type, body] of bodies) {
      const res = await t.http
        .post('/v1/cash-payments')
        .set('cookie', session.cookie)
        .set('content-type', type)
        .send(body);
      expect(res.status, type).toBe(403);
      expect(res.body.type, type).toMatch(/forbidden$/);
    }
    const crossSite = await t.http
      .post('/v1/cash-payments')
      .set(session.headers)
      .set('origin', 'https://evil.example')
      .send(aCashPayment({ code }));
    expect(crossSite.status).toBe(403);
    const fetchSite = await t.http
      .post('/v1/cash-payments')
      .set(session.headers)
      .set('sec-fetch-site', 'cross-site')
      .send(aCashPayment({ code }));
    expect(fetchSite.status).toBe(403);
    expect(await count(t, 'payment')).toBe(before.payments);
    expect(await count(t, 'audit_record')).toBe(before.audit);
    // The same request with the token goes through: the refusals were the token's.
    const ok = await t.http
      .post('/v1/cash-payments')
      .set(session.headers)
      .send(aCashPayment({ code }));
    expect(ok.status).toBe(201);
  });

  it('ends a session after the idle timeout and after the absolute one', async () => {
    const dora = await anEnrolledAccount(t, 'dora');
    const session = await signIn(t, dora);
    expect((await t.http.get('/v1/staff/session').set('cookie', session.cookie)).status).toBe(200);
    await t.sql('UPDATE staff_session SET last_seen_at = last_seen_at - $1', [31 * 60_000]);
    expect((await t.http.get('/v1/staff/session').set('cookie', session.cookie)).status).toBe(401);
    const emil = await anEnrolledAccount(t, 'emil');
    const second = await signIn(t, emil);
    await t.sql('UPDATE staff_session SET created_at = created_at - $1', [11 * 3_600_000]);
    expect((await t.http.get('/v1/staff/session').set('cookie', second.cookie)).status).toBe(401);
  });

  it('ends every session of an account that is disabled', async () => {
    const fritz = await anEnrolledAccount(t, 'fritz');
    const session = await signIn(t, fritz);
    const admin = await t.http.post('/v1/staff-accounts/fritz/disable').set(t.auth('admin'));
    expect(admin.status).toBe(204);
    expect((await t.http.get('/v1/staff/session').set('cookie', session.cookie)).status).toBe(401);
    expect(
      await count(
        t,
        'staff_session',
        "account_id = (SELECT id FROM staff_account WHERE name = 'fritz')",
      ),
    ).toBe(0);
  });

  describe('four eyes on batches (CASH_FOUR_EYES=true)', () => {
    it('refuses a batch sent straight to /v1/cash-batches, by an API key too', async () => {
      const code = await issueCode(t, await registerMailbox(t));
      const res = await t.http
        .post('/v1/cash-batches')
        .set(t.auth('staff'))
        .send({
          receivedOn: aCashPayment().receivedOn,
          currency: 'EUR',
          countedTotalMinor: 500,
          entries: [{ code, amountMinor: 500 }],
        });
      expect(res.status).toBe(409);
      expect(res.body.type).toMatch(/four-eyes-required$/);
      const draft = await t.http
        .post('/v1/cash-batch-drafts')
        .set(t.auth('staff'))
        .send({
          receivedOn: aCashPayment().receivedOn,
          currency: 'EUR',
          entries: [{ code, amountMinor: 500 }],
        });
      expect(draft.status).toBe(403);
    });

    it('records a batch only when a second person confirms the counted total', async () => {
      const gina = await anEnrolledAccount(t, 'gina');
      const hugo = await anEnrolledAccount(t, 'hugo');
      const enterer = await signIn(t, gina);
      const confirmer = await signIn(t, hugo);
      const codes = [
        await issueCode(t, await registerMailbox(t)),
        await issueCode(t, await registerMailbox(t)),
      ];
      const paymentsBefore = await count(t, 'payment');
      const entered = await t.http
        .post('/v1/cash-batch-drafts')
        .set(enterer.headers)
        .send({
          receivedOn: aCashPayment().receivedOn,
          currency: 'EUR',
          entries: [
            { code: codes[0], amountMinor: 1200 },
            { code: codes[1], amountMinor: 800 },
          ],
        });
      expect(entered.status).toBe(201);
      expect(entered.body).toMatchObject({ enteredBy: 'gina', letters: 2 });
      expect(entered.body).not.toHaveProperty('countedTotalMinor');
      const [draftRow] = await t.sql<{ sealed_entries: string }>(
        'SELECT sealed_entries FROM cash_batch_draft',
      );
      for (const code of codes) expect(draftRow.sealed_entries).not.toContain(code);
      const id = entered.body.batchId as string;

      const own = await t.http
        .post(`/v1/cash-batch-drafts/${id}/confirmation`)
        .set(enterer.headers)
        .send({ countedTotalMinor: 2000 });
      expect(own.status).toBe(409);
      expect(own.body.type).toMatch(/same-person$/);
      const miscounted = await t.http
        .post(`/v1/cash-batch-drafts/${id}/confirmation`)
        .set(confirmer.headers)
        .send({ countedTotalMinor: 1900 });
      expect(miscounted.status).toBe(422);
      expect(miscounted.body.detail).not.toContain('2000');
      expect(await count(t, 'payment')).toBe(paymentsBefore);

      const confirmed = await t.http
        .post(`/v1/cash-batch-drafts/${id}/confirmation`)
        .set(confirmer.headers)
        .send({ countedTotalMinor: 2000 });
      expect(confirmed.status).toBe(201);
      expect(confirmed.body).toMatchObject({ credited: 2, unmatched: 0 });
      expect(await count(t, 'payment')).toBe(paymentsBefore + 2);
      expect(await count(t, 'cash_batch_draft')).toBe(0);
      const actions = await t.sql<{ actor: string; action: string }>(
        "SELECT actor, action FROM audit_record WHERE action LIKE 'batch-%' ORDER BY seq",
      );
      expect(actions).toEqual([
        { actor: 'gina', action: 'batch-entered' },
        { actor: 'gina', action: 'batch-confirmation-refused' },
        { actor: 'hugo', action: 'batch-confirmation-refused' },
        { actor: 'hugo', action: 'batch-confirmed' },
      ]);
    });
  });

  it('wants a note on a resolution from the console, and keeps it in the audit trail without the code', async () => {
    const ida = await anEnrolledAccount(t, 'ida');
    const session = await signIn(t, ida);
    const unknown = await t.http
      .post('/v1/cash-payments')
      .set(t.auth('staff'))
      .send(aCashPayment({ code: 'K7QM-2XPF-9D' + 'XX' }));
    // A code that fails its check is refused; take an unmatched letter instead.
    expect(unknown.status).toBe(422);
    const stranger = generateCode();
    const letter = await t.http
      .post('/v1/cash-payments')
      .set(t.auth('staff'))
      .send(aCashPayment({ code: stranger }));
    expect(letter.body.status).toBe('unmatched');
    const path = `/v1/unmatched-payments/${letter.body.paymentId}/resolution`;
    const bare = await t.http.post(path).set(session.headers).send({ action: 'kept' });
    expect(bare.status).toBe(422);
    expect(bare.body.type).toMatch(/note-required$/);
    const noted = await t.http
      .post(path)
      .set(session.headers)
      .send({ action: 'kept', note: `No mailbox for ${stranger}; kept as the letter asked` });
    expect(noted.status).toBe(200);
    const [record] = await t.sql<{ detail: string; payment_id: string }>(
      "SELECT detail, payment_id FROM audit_record WHERE action = 'resolution'",
    );
    expect(record.payment_id).toBe(letter.body.paymentId);
    expect(record.detail).toContain('kept as the letter asked');
    expect(record.detail).not.toContain(stranger);
  });

  it('shares no value of the audit trail with the mailbox side', async () => {
    const records = await t.sql<{ payment_id: string | null; detail: string; actor: string }>(
      'SELECT payment_id, detail, actor FROM audit_record',
    );
    const paymentIds = records.map((r) => r.payment_id).filter((id): id is string => id !== null);
    expect(paymentIds.length).toBeGreaterThan(2);
    const tokens = new Set([
      ...paymentIds,
      ...records
        .flatMap((r) => Object.values(JSON.parse(r.detail) as Record<string, unknown>))
        .map(String)
        // Days are on both sides by design (DESIGN.md): a credit hides among its day's.
        .filter((v) => v.length > 8 && !/^\d{4}-\d{2}-\d{2}$/.test(v)),
    ]);
    const mailboxSide = [];
    for (const table of ['mailbox', 'ledger_entry', 'pending_credit', 'event_outbox', 'topup_code'])
      mailboxSide.push(JSON.stringify(await t.sql(`SELECT * FROM ${table}`)));
    const text = mailboxSide.join('\n');
    // The probe sees what is there: pseudonyms are in it.
    expect(text.length).toBeGreaterThan(100);
    expect([...tokens].filter((token) => text.includes(token))).toEqual([]);
  });

  it('verifies the audit chain and names the first record that was changed or removed', async () => {
    const audit = t.app.get(AuditTrail);
    const intact = await audit.verify();
    expect(intact.ok).toBe(true);
    const records = (intact as { records: number }).records;
    expect(records).toBeGreaterThan(10);
    const [original] = await t.sql<{ actor: string }>(
      'SELECT actor FROM audit_record WHERE seq = 4',
    );
    await t.sql("UPDATE audit_record SET actor = 'mallory' WHERE seq = 4");
    expect(await audit.verify()).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: 'its content was changed',
    });
    await t.sql('UPDATE audit_record SET actor = $1 WHERE seq = 4', [original.actor]);
    expect((await audit.verify()).ok).toBe(true);
    await t.sql('DELETE FROM audit_record WHERE seq = 6');
    expect(await audit.verify()).toMatchObject({
      ok: false,
      brokenAt: 7,
      reason: 'record 6 is missing',
    });
    const csv = await t.http.get('/v1/audit-records/export').set(t.auth('admin'));
    expect(csv.status).toBe(200);
    expect(csv.text.split('\r\n')[0]).toBe('seq,at,actor,action,paymentId,detail,hash');
  });
});

describe('failed sign-ins in all', () => {
  it('are limited in all, whatever names they try (AUTH_FAILURE_GLOBAL_LIMIT_PER_MINUTE)', async () => {
    const t = await startTestApp({ env: { AUTH_FAILURE_GLOBAL_LIMIT_PER_MINUTE: '3' } });
    try {
      const kim = await anEnrolledAccount(t, 'kim');
      for (const name of ['nobody', 'noone', 'nemo']) {
        const res = await t.http
          .post('/v1/staff/session')
          .send({ name, password: 'guess guess guess', oneTimeCode: '123456' });
        expect(res.status).toBe(401);
      }
      const fuse = await t.http
        .post('/v1/staff/session')
        .send({ name: 'kim', password: kim.password, oneTimeCode: kim.code(1) });
      expect(fuse.status).toBe(429);
      expect(fuse.body.type).toMatch(/sign-in-locked$/);
    } finally {
      await t.close();
    }
  });
});
