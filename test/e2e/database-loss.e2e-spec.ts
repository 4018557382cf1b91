import { copyFileSync, linkSync, renameSync, unlinkSync } from 'node:fs';
import { Client } from 'pg';
import { generateCode, displayCode } from '../../src/codes/code-format';
import { aCashPayment, creditedTo, count, issueCode, registerMailbox } from '../support/builders';
import {
  startServiceProcess,
  transactionProbe,
  untilTransactionOpen,
} from '../support/service-process';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, onPostgres, TestDatabase } from '../support/test-database';
import { dayOf } from '../../src/common/day';

/** The database going away, and coming back as it was. */
interface Fault {
  lose(db: TestDatabase): Promise<void>;
  restore(db: TestDatabase): Promise<void>;
}

const fileOf = (db: TestDatabase) => db.url.slice('sqlite:'.length);
// A second name keeps the file's inode for the restore; for the service the
// path no longer names its file, exactly as after `rm`.
const keptOf = (db: TestDatabase) => `${fileOf(db)}.kept`;

const removed: Fault = {
  lose: async (db) => {
    linkSync(fileOf(db), keptOf(db));
    unlinkSync(fileOf(db));
  },
  restore: async (db) => renameSync(keptOf(db), fileOf(db)),
};

const replaced: Fault = {
  lose: async (db) => {
    renameSync(fileOf(db), keptOf(db));
    copyFileSync(keptOf(db), fileOf(db));
  },
  restore: async (db) => renameSync(keptOf(db), fileOf(db)),
};

async function onServer(db: TestDatabase, sql: string): Promise<void> {
  const server = new Client({ connectionString: db.url.replace(/\/[^/]+$/, '/postgres') });
  await server.connect();
  try {
    await server.query(sql);
  } finally {
    await server.end();
  }
}

const nameOf = (db: TestDatabase) => new URL(db.url).pathname.slice(1);

/** Every session of the service's database ended by the server (pg_terminate_backend). */
async function terminateSessions(db: TestDatabase): Promise<void> {
  await onServer(
    db,
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = '${nameOf(db)}' AND pid <> pg_backend_pid()`,
  );
}

/** PostgreSQL's counterpart: the database refuses connections, its sessions are ended. */
const refusing: Fault = {
  lose: async (db) => {
    await onServer(db, `ALTER DATABASE ${nameOf(db)} ALLOW_CONNECTIONS false`);
    await terminateSessions(db);
  },
  restore: (db) => onServer(db, `ALTER DATABASE ${nameOf(db)} ALLOW_CONNECTIONS true`),
};

const BETWEEN: [string, Fault][] = onPostgres
  ? [['the database refusing connections, its sessions terminated', refusing]]
  : [
      ['the database file removed', removed],
      ['the database file replaced by another file', replaced],
    ];

function expectUnavailable(
  res: { status: number; headers: Record<string, string>; text: string },
  db: TestDatabase,
) {
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(JSON.parse(res.text).type).toMatch(/\/unavailable$/);
  // No path, no file name, no driver message.
  expect(res.text).not.toContain(db.dir);
  expect(res.text).not.toMatch(/sqlite|billing_test|\.kept/i);
}

describe('the database going away', () => {
  it.each(BETWEEN)(
    'between requests (%s): a cash letter gets 503, nothing is credited, the code stays redeemable',
    async (_case, fault) => {
      const t: TestApp = await startTestApp();
      try {
        const id = await registerMailbox(t);
        const code = await issueCode(t, id);
        const letter = aCashPayment({ code });
        await fault.lose(t.db);
        const res = await t.http
          .post('/v1/cash-payments')
          .set(t.auth('staff'))
          .set('idempotency-key', 'letter-1')
          .send(letter);
        expectUnavailable(res, t.db);
        expectUnavailable(await t.http.get('/health'), t.db);
        // Operators see why, in a line that names no path.
        const outage = t.logs.filter((line) => line.includes('"type":"unavailable"'));
        expect(outage.length).toBeGreaterThan(0);
        for (const line of outage) expect(line).not.toContain(t.db.dir);

        await fault.restore(t.db);
        expect((await t.http.get('/health')).status).toBe(200);
        expect(await creditedTo(t, id)).toBe(0);
        expect(await count(t, 'payment')).toBe(0);
        const again = await t.http
          .post('/v1/cash-payments')
          .set(t.auth('staff'))
          .set('idempotency-key', 'letter-1')
          .send(letter);
        expect(again.status).toBe(201);
        expect(again.headers['idempotent-replayed']).toBeUndefined();
        expect(again.body.status).toBe('credited');
        expect(await creditedTo(t, id)).toBe(1200);
      } finally {
        await t.close();
      }
    },
  );

  it(`in flight (${onPostgres ? 'its sessions terminated' : 'the file removed'} inside a cash batch's transaction): 503, no partial credit, the batch goes through when sent again`, async () => {
    const db = await createTestDatabase();
    const setup = await startTestApp({ db });
    const ids: string[] = [];
    const entries: { code: string; amountMinor: number }[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        ids.push(await registerMailbox(setup));
        entries.push({ code: await issueCode(setup, ids[i]), amountMinor: 1200 });
      }
    } finally {
      await setup.close();
    }
    // Codes no one issued: recorded unmatched, and they make the batch long enough to catch.
    for (let i = 0; i < 2980; i++)
      entries.push({ code: displayCode(generateCode()), amountMinor: 100 + (i % 50) });
    const batch = {
      receivedOn: dayOf(new Date()),
      currency: 'EUR',
      countedTotalMinor: entries.reduce((sum, e) => sum + e.amountMinor, 0),
      entries,
    };
    const service = await startServiceProcess(db, { BODY_LIMIT_BYTES: '1000000' });
    const send = () =>
      fetch(`${service.origin}/v1/cash-batches`, {
        method: 'POST',
        headers: {
          ...service.auth('staff'),
          'content-type': 'application/json',
          'idempotency-key': 'batch-2026-11-24',
        },
        body: JSON.stringify(batch),
      });
    const balance = async (id: string) => {
      const res = await fetch(`${service.origin}/v1/mailboxes/${encodeURIComponent(id)}`, {
        headers: service.auth('webmail'),
      });
      return ((await res.json()) as { balance: { amountMinor: number } }).balance.amountMinor;
    };
    try {
      const probe = await transactionProbe(db);
      const sent = send();
      const open = await untilTransactionOpen(probe, 20_000);
      await probe.close();
      expect(open).toBe(true);
      if (db.dialect === 'sqlite') await removed.lose(db);
      else await terminateSessions(db);
      const res = await sent;
      expectUnavailable(
        { status: res.status, headers: Object.fromEntries(res.headers), text: await res.text() },
        db,
      );
      if (db.dialect === 'sqlite') await removed.restore(db);

      expect((await fetch(`${service.origin}/health`)).status).toBe(200);
      for (const id of ids) expect(await balance(id)).toBe(0);
      const again = await send();
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBeNull();
      expect(await again.json()).toMatchObject({ credited: 20, unmatched: 2980 });
      // The view's balance is after today's fee (100, due on the day of registration).
      for (const id of ids) expect(await balance(id)).toBe(1100);
    } finally {
      await service.kill();
    }
    // Nothing of the first attempt is left beside the second.
    const after = await startTestApp({ db });
    try {
      expect(await count(after, 'payment')).toBe(3000);
      expect(await count(after, 'ledger_entry')).toBe(20);
    } finally {
      await after.close();
      await db.drop();
    }
  }, 120_000);
});
