import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { KeyedHash } from '../../src/config/keyed-hash';
import { FeesService } from '../../src/fees/fees.service';
import { aCashPayment, aMailboxId, issueCode, registerMailbox } from '../support/builders';
import { settleNow } from '../support/settle';
import { startTestApp, TEST_SECRET, TestApp } from '../support/test-app';

const ROOT = resolve(__dirname, '../..');

/** Credits a mailbox by a cash letter, booked on the test clock's day. */
async function credit(t: TestApp, mailboxId: string, amountMinor: number): Promise<void> {
  const code = await issueCode(t, mailboxId);
  const res = await t.http
    .post('/v1/cash-payments')
    .set(t.auth('staff'))
    .send(aCashPayment({ code, amountMinor, receivedOn: t.clock.today() }));
  if (res.body.status !== 'credited') throw new Error(`not credited: ${res.text}`);
}

async function view(t: TestApp, mailboxId: string) {
  const res = await t.http.get(`/v1/mailboxes/${mailboxId}`).set(t.auth('webmail'));
  expect(res.status).toBe(200);
  return res.body as {
    balance: { amountMinor: number };
    status: string;
    paidUntil: string;
  };
}

describe('monthly fees', () => {
  let t: TestApp;
  let fees: FeesService;
  const pseudonym = (id: string) => t.app.get(KeyedHash).mailbox(id);
  const debits = async (id: string) =>
    (
      await t.sql<{ booked_on: string; amount_minor: number | string; channel: string }>(
        "SELECT booked_on, amount_minor, channel FROM ledger_entry WHERE mailbox = $1 AND kind = 'debit' ORDER BY booked_on",
        [pseudonym(id)],
      )
    ).map((r) => `${r.booked_on} ${r.channel} ${Number(r.amount_minor)}`);

  beforeAll(async () => {
    t = await startTestApp();
    fees = t.app.get(FeesService);
  });
  afterAll(() => t.close());

  it('charges each paid period once on its first day; a second run for the day debits nothing twice', async () => {
    t.clock.set('2026-01-31');
    const paid = await registerMailbox(t);
    const unpaid = await registerMailbox(t);
    await credit(t, paid, 1200);
    expect(await view(t, paid)).toMatchObject({ status: 'active', paidUntil: '2027-01-30' });
    expect(await view(t, unpaid)).toMatchObject({ status: 'grace', paidUntil: '2026-01-30' });

    const first = await fees.run('2026-01-31');
    expect(first).toMatchObject({ day: '2026-01-31', charged: expect.any(Number) });
    expect(await debits(paid)).toEqual(['2026-01-31 fee 100']);
    expect(await debits(unpaid)).toEqual([]);

    // Again, and twice at once: nothing is charged twice.
    const again = await fees.run('2026-01-31');
    expect(again?.charged).toBe(0);
    const racing = await Promise.all([fees.run('2026-01-31'), fees.run('2026-01-31')]);
    expect(racing.map((r) => r?.charged ?? 0)).toEqual([0, 0]);
    expect(await debits(paid)).toEqual(['2026-01-31 fee 100']);

    // February has 28 days: the next period starts on the 28th, then back on the 31st.
    t.clock.set('2026-02-27');
    await fees.run('2026-02-27');
    expect(await debits(paid)).toHaveLength(1);
    await fees.run('2026-02-28');
    await fees.run('2026-03-31');
    await fees.run('2026-03-31');
    expect(await debits(paid)).toEqual([
      '2026-01-31 fee 100',
      '2026-02-28 fee 100',
      '2026-03-31 fee 100',
    ]);
    t.clock.set('2026-03-31');
    expect(await view(t, paid)).toEqual(
      expect.objectContaining({
        balance: { amountMinor: 900, currency: 'EUR' },
        status: 'active',
        paidUntil: '2027-01-30',
      }),
    );
    expect(
      await t.sql('SELECT due_on FROM fee_charge WHERE mailbox = $1 ORDER BY due_on', [
        pseudonym(paid),
      ]),
    ).toEqual([{ due_on: '2026-01-31' }, { due_on: '2026-02-28' }, { due_on: '2026-03-31' }]);
  });

  it("shows the balance after the fee due today, before and after that day's run alike", async () => {
    t.clock.set('2026-06-10');
    const id = await registerMailbox(t);
    await credit(t, id, 1200);
    await settleNow(t);
    // The first period begins on the day of registration: its fee is due today.
    const before = await view(t, id);
    expect(before.balance.amountMinor).toBe(1100);
    await fees.run('2026-06-10');
    expect(await debits(id)).toEqual(['2026-06-10 fee 100']);
    expect((await view(t, id)).balance.amountMinor).toBe(1100);
  });

  it('charges once when two instances run the same day together', async () => {
    t.clock.set('2026-10-05');
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const id = await registerMailbox(t);
      await credit(t, id, 300);
      ids.push(id);
    }
    const other = await startTestApp({ db: t.db });
    try {
      const runs = await Promise.all([
        fees.run('2026-10-05'),
        other.app.get(FeesService).run('2026-10-05'),
        fees.run('2026-10-05'),
      ]);
      // On PostgreSQL one of them holds the advisory lock and the others skip or find nothing.
      expect(runs.filter(Boolean).length).toBeGreaterThanOrEqual(1);
      for (const id of ids) expect(await debits(id)).toEqual(['2026-10-05 fee 100']);
    } finally {
      await other.close();
    }
  });

  it('makes "one fee per mailbox and period" a key of the database, not a check', async () => {
    t.clock.set('2026-04-01');
    const id = await registerMailbox(t);
    await t.sql('INSERT INTO fee_charge (mailbox, due_on) VALUES ($1, $2)', [
      pseudonym(id),
      '2026-04-01',
    ]);
    await expect(
      t.sql('INSERT INTO fee_charge (mailbox, due_on) VALUES ($1, $2)', [
        pseudonym(id),
        '2026-04-01',
      ]),
    ).rejects.toThrow();
    // A run that finds the period taken does not debit it again: it skips it and goes on.
    await credit(t, id, 500);
    await fees.run('2026-04-01');
    expect(await debits(id)).toEqual([]);
  });

  it('catches up after downtime, each debit on its own period day', async () => {
    t.clock.set('2026-05-15');
    const id = await registerMailbox(t);
    await credit(t, id, 1000);
    await fees.run('2026-08-20');
    expect(await debits(id)).toEqual([
      '2026-05-15 fee 100',
      '2026-06-15 fee 100',
      '2026-07-15 fee 100',
      '2026-08-15 fee 100',
    ]);
  });

  it('gives a mailbox that cannot pay its grace days, then suspends it; paying again starts a new period', async () => {
    t.clock.set('2026-06-10');
    const id = await registerMailbox(t);
    await credit(t, id, 150);
    await fees.run('2026-06-10');
    t.clock.set('2026-07-10');
    await fees.run('2026-07-10');
    expect(await view(t, id)).toMatchObject({
      balance: { amountMinor: 50 },
      status: 'grace',
      paidUntil: '2026-07-09',
    });
    t.clock.set('2026-07-24');
    expect((await view(t, id)).status).toBe('suspended');
    const run = await fees.run('2026-07-24');
    expect(run?.suspended).toBeGreaterThanOrEqual(1);
    const [account] = await t.sql('SELECT suspended_on FROM fee_account WHERE mailbox = $1', [
      pseudonym(id),
    ]);
    expect(account.suspended_on).toBe('2026-07-24');
    await fees.run('2026-08-10');
    expect(await debits(id)).toEqual(['2026-06-10 fee 100']);

    t.clock.set('2026-09-03');
    await credit(t, id, 250);
    // The view shows what today's run will do: a new period from today.
    expect(await view(t, id)).toMatchObject({ status: 'active', paidUntil: '2026-12-02' });
    const back = await fees.run('2026-09-03');
    expect(back?.reactivated).toBeGreaterThanOrEqual(1);
    expect(await debits(id)).toEqual(['2026-06-10 fee 100', '2026-09-03 fee 100']);
    expect(await view(t, id)).toMatchObject({
      balance: { amountMinor: 200 },
      status: 'active',
      paidUntil: '2026-12-02',
    });
  });

  it('runs from the command line for a chosen day, and twice for that day charges nothing twice', () => {
    const env = {
      PATH: process.env.PATH,
      SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
      DATABASE_URL: t.db.url,
      DATA_DIR: t.db.dir,
      SECRET_KEY: TEST_SECRET,
      API_KEYS: 'admin:cli-test-key-000000000000000',
    };
    const cli = (args: string[]) =>
      spawnSync(
        process.execPath,
        ['-r', require.resolve('@swc-node/register'), join(ROOT, 'src/cli/main.ts'), ...args],
        { env, encoding: 'utf8', timeout: 60_000 },
      );
    const first = cli(['fees', 'run', '--on', '2026-12-31']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report).toMatchObject({ day: '2026-12-31' });
    expect(report.charged).toBeGreaterThan(0);
    const second = cli(['fees', 'run', '--on=2026-12-31']);
    expect(second.status).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ day: '2026-12-31', charged: 0 });
    const bad = cli(['fees', 'run', '--on', '2026-02-30']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--on needs a day/);
  });

  it('registers no fee for a mailbox id it never saw and keeps no time anywhere', async () => {
    expect(aMailboxId()).not.toBe(aMailboxId());
    const rows = await t.sql('SELECT * FROM fee_account');
    for (const row of rows)
      for (const [column, value] of Object.entries(row))
        if (column.endsWith('_on') && value !== null) expect(value).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
