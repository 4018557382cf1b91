import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyedHash } from '../../src/config/keyed-hash';
import { dayOf } from '../../src/common/day';
import { Transactions } from '../../src/database/transactions';
import { LedgerRepository } from '../../src/ledger/ledger.repository';
import { MailboxRepository } from '../../src/ledger/mailbox.repository';
import { creditedTo, registerMailbox } from '../support/builders';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Reads (the health check, a balance, the reports) run on a snapshot of their
 * own: a write that holds the writer (a bank import's slice, on SQLite; a
 * locked mailbox row, on PostgreSQL) does not hold them up, and they see only
 * what was committed.
 */
describe('reads beside a write in flight', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** A write unit that holds the writer (and the mailbox row) until released. */
  function holdWriter(pseudonym: string): { release: () => void; done: Promise<void> } {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const holding = new Promise<void>((resolve) => (started = resolve));
    const done = t.app.get(Transactions).run(async (tx) => {
      await MailboxRepository.lock(tx, pseudonym);
      await LedgerRepository.appendMany(tx, [
        {
          mailbox: pseudonym,
          kind: 'credit',
          channel: 'cash',
          amountMinor: 700,
          currency: 'EUR',
          bookedOn: dayOf(new Date()),
        },
      ]);
      started();
      await gate;
    });
    return { release, done: holding.then(() => done) as Promise<void> };
  }

  /** The answer, or 'waited' if none came while the writer was held. */
  async function whileHeld<T>(request: PromiseLike<T>): Promise<T | 'waited'> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<'waited'>((resolve) => {
      timer = setTimeout(() => resolve('waited'), 10_000);
    });
    try {
      return await Promise.race([Promise.resolve(request), waited]);
    } finally {
      clearTimeout(timer);
    }
  }

  it('answers /health, a balance and a report while a write holds the writer, from what was committed', async () => {
    const id = await registerMailbox(t);
    const pseudonym = t.app.get(KeyedHash).mailbox(id);
    const path = `/v1/mailboxes/${encodeURIComponent(id)}`;
    const before = await t.http.get(path).set(t.auth('webmail'));
    const held = holdWriter(pseudonym);
    const today = dayOf(new Date());
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const health = await whileHeld(t.http.get('/health'));
      expect(health === 'waited' ? health : health.status).toBe(200);
      const view = await whileHeld(t.http.get(path).set(t.auth('webmail')));
      if (view === 'waited') throw new Error('the balance waited for the writer');
      expect(view.status).toBe(200);
      // The held unit's credit is not committed: the snapshot does not show it.
      expect(view.body).toEqual(before.body);
      const report = await whileHeld(
        t.http.get(`/v1/reports/reconciliation?from=${today}&to=${today}`).set(t.auth('admin')),
      );
      expect(report === 'waited' ? report : report.status).toBe(200);
    } finally {
      held.release();
      await held.done;
    }
    expect(await creditedTo(t, id)).toBe(700);
  });

  it('answers /health between the chunks of a long write (20,000 ledger credits in one unit)', async () => {
    const pseudonym = t.app.get(KeyedHash).mailbox(await registerMailbox(t));
    const credits = Array.from({ length: 20_000 }, () => ({
      mailbox: pseudonym,
      kind: 'credit' as const,
      channel: 'bank' as const,
      amountMinor: 1,
      currency: 'EUR',
      bookedOn: dayOf(new Date()),
    }));
    // Asked first: on one thread, it is answered only when the write lets the loop run.
    const health = t.http
      .get('/health')
      .then((res) => ({ status: res.status, at: performance.now() }));
    const written = t.app
      .get(Transactions)
      .run((tx) => LedgerRepository.appendMany(tx, credits))
      .then(() => performance.now());
    const [answered, done] = await Promise.all([health, written]);
    expect(answered.status).toBe(200);
    expect(answered.at).toBeLessThan(done);
    const [row] = await t.sql<{ n: number | string }>(
      'SELECT COUNT(*) AS n FROM ledger_entry WHERE mailbox = $1',
      [pseudonym],
    );
    expect(Number(row.n)).toBe(20_000);
  });

  it('refuses a write that slipped into a read, and nothing changes', async () => {
    const id = await registerMailbox(t);
    const pseudonym = t.app.get(KeyedHash).mailbox(id);
    await expect(
      t.app
        .get(Transactions)
        .read((tx) => tx.execute('DELETE FROM mailbox WHERE pseudonym = $1', [pseudonym])),
    ).rejects.toThrow(/read.?only|readonly/i);
    const [row] = await t.sql<{ n: number | string }>(
      'SELECT COUNT(*) AS n FROM mailbox WHERE pseudonym = $1',
      [pseudonym],
    );
    expect(Number(row.n)).toBe(1);
  });
});
