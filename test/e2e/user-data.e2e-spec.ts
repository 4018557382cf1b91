import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KeyedHash } from '../../src/config/keyed-hash';
import { settleNow } from '../support/settle';
import { FeesService } from '../../src/fees/fees.service';
import { OpeningBalancesService } from '../../src/mailboxes/opening-balances.service';
import {
  aCashPayment,
  aMailboxId,
  count,
  creditedTo,
  issueCode,
  registerMailbox,
} from '../support/builders';
import { startTestApp, TEST_SECRET, TestApp } from '../support/test-app';
import { createOrder, startPayPalTestApp } from '../support/fake-paypal/paypal-test-app';

const ROOT = resolve(__dirname, '../..');

describe("the user's own data", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const pay = async (mailboxId: string, amountMinor: number, day: string) => {
    t.clock.set(day);
    const code = await issueCode(t, mailboxId);
    const res = await t.http
      .post('/v1/cash-payments')
      .set(t.auth('staff'))
      .send(aCashPayment({ code, amountMinor, receivedOn: day }));
    expect(res.body.status).toBe('credited');
    await settleNow(t);
  };

  it('answers the ledger as CSV, whole and newest first, when asked for text/csv', async () => {
    t.clock.set('2026-02-03');
    const id = await registerMailbox(t);
    await pay(id, 1200, '2026-02-03');
    await pay(id, 550, '2026-03-04');
    await t.app.get(FeesService).run('2026-03-04');
    const res = await t.http
      .get(`/v1/mailboxes/${id}/ledger?limit=1`)
      .set(t.auth('webmail'))
      .set('accept', 'text/csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="ledger.csv"');
    const [header, ...rows] = res.text.split('\r\n');
    expect(header).toBe('date,kind,channel,amount_minor,amount,currency');
    expect(rows.pop()).toBe('');
    expect([...rows].sort()).toEqual([
      '2026-02-03,credit,cash,1200,12.00,EUR',
      '2026-02-03,debit,fee,100,1.00,EUR',
      '2026-03-03,debit,fee,100,1.00,EUR',
      '2026-03-04,credit,cash,550,5.50,EUR',
    ]);
    const days = rows.map((r) => r.slice(0, 10));
    expect(days).toEqual([...days].sort().reverse());
    // JSON stays the default, and wins when the client prefers it.
    const json = await t.http
      .get(`/v1/mailboxes/${id}/ledger`)
      .set(t.auth('webmail'))
      .set('accept', 'application/json, text/csv');
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.body.entries).toHaveLength(4);
    const unknown = await t.http
      .get(`/v1/mailboxes/${aMailboxId()}/ledger`)
      .set(t.auth('webmail'))
      .set('accept', 'text/csv');
    expect(unknown.status).toBe(404);
  });

  it('erases everything about a closed mailbox: ledger, codes, PayPal orders, fees, events, sealed id', async () => {
    const p = await startPayPalTestApp({
      app: {
        db: t.db,
        env: {
          WEBMAIL_WEBHOOK_URL: 'http://127.0.0.1:9/unused',
          WEBMAIL_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
        },
      },
    });
    try {
      p.clock.set('2026-04-01');
      const id = await registerMailbox(p);
      const code = await issueCode(p, id);
      await p.http
        .post('/v1/cash-payments')
        .set(p.auth('staff'))
        .send(aCashPayment({ code, amountMinor: 1200, receivedOn: '2026-04-01' }));
      await settleNow(p);
      await p.app.get(FeesService).run('2026-04-01');
      await issueCode(p, id);
      await createOrder(p, id, { amountMinor: 1500 });
      const pseudonym = p.app.get(KeyedHash).mailbox(id);
      const mine = {
        mailbox: ['mailbox', 'pseudonym = $1'],
        ledger: ['ledger_entry', 'mailbox = $1'],
        codes: ['topup_code', 'mailbox = $1'],
        orders: [
          'paypal_order',
          'code_hash IN (SELECT code_hash FROM topup_code WHERE mailbox = $1)',
        ],
        account: ['fee_account', 'mailbox = $1'],
        charges: ['fee_charge', 'mailbox = $1'],
        events: ['event_outbox', 'mailbox = $1'],
      } as const;
      for (const [what, [table, where]] of Object.entries(mine))
        expect(await count(p, table, where, [pseudonym]), what).toBeGreaterThan(0);
      const ordersBefore = await count(p, 'paypal_order');

      expect((await p.http.delete(`/v1/mailboxes/${id}`).set(p.auth('webmail'))).status).toBe(204);
      for (const [what, [table, where]] of Object.entries(mine))
        expect(await count(p, table, where, [pseudonym]), what).toBe(0);
      expect(await count(p, 'paypal_order')).toBe(ordersBefore - 1);
      // What stays: the journal's payment and the day's ledger sums, naming no one.
      expect(
        await p.sql(
          "SELECT kind, channel, entries, amount_minor FROM ledger_closed_total WHERE booked_on = '2026-04-01' ORDER BY kind",
        ),
      ).toEqual([
        { kind: 'credit', channel: 'cash', entries: 1, amount_minor: expect.anything() },
        { kind: 'debit', channel: 'fee', entries: 1, amount_minor: expect.anything() },
      ]);
    } finally {
      await p.close();
    }
  });

  describe('balances import', () => {
    const dir = mkdtempSync(join(tmpdir(), 'billing-balances-'));
    const file = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const cli = (args: string[]) =>
      spawnSync(
        process.execPath,
        ['-r', require.resolve('@swc-node/register'), join(ROOT, 'src/cli/main.ts'), ...args],
        {
          env: {
            PATH: process.env.PATH,
            SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
            DATABASE_URL: t.db.url,
            DATA_DIR: t.db.dir,
            SECRET_KEY: TEST_SECRET,
            API_KEYS: 'admin:cli-test-key-000000000000000',
          },
          encoding: 'utf8',
          timeout: 60_000,
        },
      );

    it('imports opening balances from the command line, and refuses the same file a second time', async () => {
      const existing = await registerMailbox(t);
      const fresh = aMailboxId();
      const zero = aMailboxId();
      const path = file(
        'good.csv',
        `mailbox_id,amount,currency\n${existing},12.50,EUR\n"${fresh}",60,EUR\r\n\n${zero};0.00;EUR\n`,
      );
      const first = cli(['balances', 'import', path]);
      expect(first.stderr).toBe('');
      expect(first.status).toBe(0);
      expect(JSON.parse(first.stdout)).toEqual({
        mailboxes: 3,
        registered: 2,
        credited: 2,
        totalMinor: 7250,
        currency: 'EUR',
      });
      expect(await creditedTo(t, existing)).toBe(1250);
      expect(await creditedTo(t, fresh)).toBe(6000);
      expect(await creditedTo(t, zero)).toBe(0);
      const ledger = await t.http.get(`/v1/mailboxes/${fresh}/ledger`).set(t.auth('webmail'));
      expect(ledger.body.entries).toEqual([
        expect.objectContaining({ kind: 'credit', channel: 'opening', amountMinor: 6000 }),
      ]);

      const again = cli(['balances', 'import', path]);
      expect(again.status).toBe(1);
      expect(again.stderr).toContain('line 2: the mailbox has an opening balance already');
      expect(again.stderr).toContain('line 3: the mailbox has an opening balance already');
      expect(await creditedTo(t, fresh)).toBe(6000);
    });

    it('checks every line, names each problem by line without echoing the id, and imports nothing', async () => {
      const good = aMailboxId();
      const lines = [
        `${good},5.00,EUR`,
        'not a mailbox!,5.00,EUR',
        `${aMailboxId()},5.001,EUR`,
        `${aMailboxId()},-5,EUR`,
        `${aMailboxId()},5.00,CHF`,
        `${aMailboxId()},5.00,XYZ`,
        `${aMailboxId()},5.00`,
        `${good},1.00,EUR`,
        `"${aMailboxId()},5.00,EUR`,
      ];
      const before = await count(t, 'ledger_entry');
      const mailboxesBefore = await count(t, 'mailbox');
      const bad = cli(['balances', 'import', file('bad.csv', lines.join('\n'))]);
      expect(bad.status).toBe(1);
      const problems = bad.stderr.trim().split('\n');
      expect(problems).toEqual([
        'balances import: line 2: the mailbox id is not 1 to 128 of A-Z a-z 0-9 . _ @ + -',
        'balances import: line 3: the amount is not a non-negative decimal in the currency (e.g. 12.50)',
        'balances import: line 4: the amount is not a non-negative decimal in the currency (e.g. 12.50)',
        'balances import: line 5: balances are kept in EUR, not CHF',
        'balances import: line 6: the currency is not an ISO 4217 code',
        'balances import: line 7: expected 3 fields (mailbox id, amount, currency), found 2',
        'balances import: line 8: the same mailbox as line 1',
        'balances import: line 9: a quoted field is not closed',
        'balances import: 8 line(s) cannot be imported; nothing was imported.',
      ]);
      expect(bad.stderr).not.toContain(good);
      expect(await count(t, 'ledger_entry')).toBe(before);
      expect(await count(t, 'mailbox')).toBe(mailboxesBefore);

      const missing = cli(['balances', 'import', join(dir, 'nope.csv')]);
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/nope\.csv/);
    });

    it('imports all lines or none when a line fails only against the database', async () => {
      const a = aMailboxId();
      const service = t.app.get(OpeningBalancesService);
      await service.import(`${a},1.00,EUR\n`);
      const b = aMailboxId();
      await expect(service.import(`${b},2.00,EUR\n${a},3.00,EUR\n`)).rejects.toMatchObject({
        errors: [{ path: 'line 2', message: 'the mailbox has an opening balance already' }],
      });
      expect(await count(t, 'mailbox', 'pseudonym = $1', [t.app.get(KeyedHash).mailbox(b)])).toBe(
        0,
      );
    });
  });
});
