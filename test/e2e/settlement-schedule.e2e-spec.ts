import { afterEach, describe, expect, it } from 'vitest';
import { KeyedHash } from '../../src/config/keyed-hash';
import { MetricsServer } from '../../src/metrics/metrics.server';
import { aCashPayment, count, issueCode, registerMailbox } from '../support/builders';
import { settleNow } from '../support/settle';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The settlement as the service runs it, on its schedule and in this process:
 * at start (what a stop left waiting), every SETTLE_INTERVAL_SECONDS, and once
 * more when the service stops. A run that fails is logged by its error code
 * and counted, loses nothing, and the next run settles what waited.
 */
describe('the settlement on its schedule', () => {
  let db: TestDatabase | undefined;
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await db?.drop();
    db = undefined;
  });

  async function start(options: {
    schedule: boolean;
    intervalSeconds?: number;
    metrics?: boolean;
  }) {
    db ??= await createTestDatabase();
    const t = await startTestApp({
      db,
      schedule: options.schedule,
      env: {
        SETTLE_INTERVAL_SECONDS: String(options.intervalSeconds ?? 3600),
        ...(options.metrics && { METRICS_PORT: '0' }),
      },
    });
    apps.push(t);
    return t;
  }
  async function stop(t: TestApp) {
    apps.splice(apps.indexOf(t), 1);
    await t.close();
  }

  /** A cash letter for the mailbox, taken in: its credit waits for the settlement. */
  async function letter(t: TestApp, mailbox: string, amountMinor: number): Promise<string> {
    const code = await issueCode(t, mailbox);
    const res = await t.http
      .post('/v1/cash-payments')
      .set(t.auth('staff'))
      .send(aCashPayment({ code, amountMinor, receivedOn: t.clock.today() }));
    expect(res.body.status, res.text).toBe('credited');
    return code;
  }
  const credits = (t: TestApp, mailbox: string) =>
    count(t, 'ledger_entry', "kind = 'credit' AND mailbox = $1", [
      t.app.get(KeyedHash).mailbox(mailbox),
    ]);
  const waiting = (t: TestApp) => count(t, 'pending_credit');
  async function until(check: () => Promise<boolean>, what: string): Promise<void> {
    for (let waited = 0; !(await check()); waited += 50) {
      if (waited > 20_000) throw new Error(`still not ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  /** The settlement's log lines, parsed. */
  const settlementLogs = (t: TestApp) =>
    t.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.job === 'settlement');

  it('settles at start what waited, and logs counts and the smallest set, never a mailbox or a code', async () => {
    const before = await start({ schedule: false });
    const a = await registerMailbox(before);
    const b = await registerMailbox(before);
    // Two letters of 1.00 and one of 2.00: sets of two and one.
    const codes = [await letter(before, a, 100), await letter(before, b, 100)];
    codes.push(await letter(before, a, 200));
    await stop(before);

    const t = await start({ schedule: true });
    await until(
      async () => settlementLogs(t).length > 0 && (await waiting(t)) === 0,
      'settled at start',
    );
    expect(await credits(t, a)).toBe(2);
    expect(await credits(t, b)).toBe(1);
    expect(settlementLogs(t)).toEqual([
      expect.objectContaining({ msg: 'settled', credits: 3, payments: 0, smallestSet: 1 }),
    ]);
    const logs = t.logs.join('\n');
    for (const secret of [a, b, ...codes]) expect(logs).not.toContain(secret);
  });

  it('settles every SETTLE_INTERVAL_SECONDS', async () => {
    const t = await start({ schedule: true, intervalSeconds: 1 });
    const id = await registerMailbox(t);
    await letter(t, id, 100);
    await until(async () => (await credits(t, id)) === 1, 'settled on the interval');
    await letter(t, id, 300);
    await until(async () => (await credits(t, id)) === 2, 'settled on the next interval');
    expect(await waiting(t)).toBe(0);
    // Runs with nothing to settle say nothing: one line per run that wrote.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(settlementLogs(t).map((l) => [l.msg, l.credits])).toEqual([
      ['settled', 1],
      ['settled', 1],
    ]);
  });

  it('settles what waits when the service stops', async () => {
    const t = await start({ schedule: true });
    const id = await registerMailbox(t);
    await letter(t, id, 100);
    expect(await waiting(t)).toBe(1);
    await stop(t);

    const after = await start({ schedule: false });
    expect(await waiting(after)).toBe(0);
    expect(await credits(after, id)).toBe(1);
  });

  it('answers a run with nothing waiting as empty, and writes nothing', async () => {
    const t = await start({ schedule: false });
    expect(await settleNow(t)).toEqual({ credits: 0, payments: 0, groups: [] });
    expect(await count(t, 'anonymity_group')).toBe(0);
  });

  it('does not settle on a schedule when the schedule is off (tests, the command line)', async () => {
    const t = await start({ schedule: false, intervalSeconds: 1 });
    const id = await registerMailbox(t);
    await letter(t, id, 100);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await waiting(t)).toBe(1);
    await stop(t);
    const after = await start({ schedule: false });
    expect(await waiting(after)).toBe(1);
    expect(await credits(after, id)).toBe(0);
  });

  it('logs a failed run by its error code and counts it, keeps what waited, and settles it at the next run', async () => {
    const t = await start({ schedule: true, intervalSeconds: 1, metrics: true });
    const id = await registerMailbox(t);
    await t.sql('ALTER TABLE pending_payment RENAME TO pending_payment_away');
    try {
      await letter(t, id, 100);
      await until(
        async () => settlementLogs(t).some((l) => l.msg === 'settlement failed'),
        'failed',
      );
      expect(await waiting(t)).toBe(1);
      expect(await credits(t, id)).toBe(0);
      const failure = settlementLogs(t).find((l) => l.msg === 'settlement failed');
      expect(failure).toMatchObject({
        level: 'error',
        error: expect.stringMatching(/^(SQLITE_ERROR|42P01)$/),
      });
    } finally {
      await t.sql('ALTER TABLE pending_payment_away RENAME TO pending_payment');
    }
    await until(async () => (await credits(t, id)) === 1, 'settled after the failure');
    expect(await waiting(t)).toBe(0);
    // Read after: the scrape reads the pending tables too, and answers 503 while one is away.
    const metrics = await (
      await fetch(`http://127.0.0.1:${t.app.get(MetricsServer).port}/metrics`)
    ).text();
    expect(metrics).toMatch(/^billing_settlement_failures_total [1-9]\d*$/m);
  });
});
