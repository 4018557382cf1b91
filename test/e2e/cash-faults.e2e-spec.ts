import { createHash } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import { displayCode, generateCode } from '../../src/codes/code-format';
import { issueCode, registerMailbox } from '../support/builders';
import { copyDatabase } from '../support/database-copy';
import { faultSeed, placePoint, seededRandom, spreadPoints } from '../support/fault-points';
import {
  ServiceProcess,
  startServiceProcess,
  transactionProbe,
  untilTransactionOpen,
} from '../support/service-process';
import { startTestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { dayOf } from '../../src/common/day';

const KILLS = 20;
const SEED = faultSeed();
const KEY = 'batch-2026-11-24-fault';
const SERVICE_ENV = { BODY_LIMIT_BYTES: '1000000' };

interface Batch {
  receivedOn: string;
  currency: string;
  countedTotalMinor: number;
  entries: { code: string; amountMinor: number }[];
}

/**
 * What a database holds after a batch, without what is random per run (ids,
 * a letter's generated reference, the stored answer that repeats them).
 */
async function snapshot(db: TestDatabase): Promise<string> {
  // Straight from the database, not through an app: it runs after every kill.
  const read = await reader(db);
  try {
    const sorted = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
    const payments = await read(
      'SELECT channel, amount_minor, currency, booked_on, settled_on, status, reason, country, payer_name, payer_iban, remittance FROM payment',
    );
    const ledger = await read(
      'SELECT mailbox, kind, channel, amount_minor, currency, booked_on FROM ledger_entry',
    );
    const codes = await read('SELECT code_hash, mailbox FROM topup_code');
    const answers = await read('SELECT key_hash, fingerprint, status_code FROM idempotent_request');
    const rows = [payments, ledger, codes, answers].map(sorted);
    // A digest keeps a failure's message short; the rows are what it covers.
    return `${payments.length} payments, ${ledger.length} ledger rows, ${codes.length} open codes, ${
      answers.length
    } answers, ${createHash('sha256').update(JSON.stringify(rows)).digest('hex')}`;
  } finally {
    await read.close();
  }
}

type Reader = ((sql: string) => Promise<Record<string, unknown>[]>) & { close(): Promise<void> };

async function reader(db: TestDatabase): Promise<Reader> {
  if (db.dialect === 'sqlite') {
    const sqlite = new BetterSqlite3(db.url.slice('sqlite:'.length));
    return Object.assign(
      async (sql: string) => sqlite.prepare(sql).all() as Record<string, unknown>[],
      { close: async () => void sqlite.close() },
    );
  }
  const client = new Client({ connectionString: db.url });
  await client.connect();
  return Object.assign(async (sql: string) => (await client.query(sql)).rows, {
    close: () => client.end(),
  });
}

function send(service: ServiceProcess, batch: Batch): Promise<Response> {
  return fetch(`${service.origin}/v1/cash-batches`, {
    method: 'POST',
    headers: {
      ...service.auth('staff'),
      'content-type': 'application/json',
      'idempotency-key': KEY,
    },
    body: JSON.stringify(batch),
  });
}

interface Answer {
  credited: number;
  unmatched: number;
  payments: { status: string; reason?: string }[];
}

/** The answer without its random payment ids. */
function outcome(body: Answer) {
  return {
    credited: body.credited,
    unmatched: body.unmatched,
    payments: body.payments.map((p) => `${p.status}:${p.reason ?? ''}`),
  };
}

describe('a cash batch killed', () => {
  it(`leaves exactly the state of one clean run after kill -9 of the service at ${KILLS} seeded points (FAULT_SEED=${SEED}), restarts and re-sends with the same Idempotency-Key`, async () => {
    const db = await createTestDatabase();
    const setup = await startTestApp({ db });
    const entries: Batch['entries'] = [];
    try {
      for (let i = 0; i < 40; i++) {
        const code = await issueCode(setup, await registerMailbox(setup));
        entries.push({ code, amountMinor: 500 + i * 10 });
        // Every tenth letter comes twice: the second finds its code taken.
        if (i % 10 === 0) entries.push({ code, amountMinor: 700 });
      }
    } finally {
      await setup.close();
    }
    // Codes no one issued: recorded unmatched; they make the batch long.
    for (let i = 0; i < 2000; i++)
      entries.push({ code: displayCode(generateCode()), amountMinor: 100 + (i % 70) * 5 });
    const batch: Batch = {
      receivedOn: dayOf(new Date()),
      currency: 'EUR',
      countedTotalMinor: entries.reduce((sum, e) => sum + e.amountMinor, 0),
      entries,
    };

    const clean = await copyDatabase(db);
    try {
      // One clean run, timed: sent to transaction open (seen from outside), open to answer.
      const first = await startServiceProcess(clean, SERVICE_ENV);
      const probe = await transactionProbe(clean);
      const sentAt = Date.now();
      const answer = send(first, batch);
      expect(await untilTransactionOpen(probe, 30_000)).toBe(true);
      const openAt = Date.now();
      while (await probe.open()) await new Promise((r) => setTimeout(r, 2));
      const closedAt = Date.now();
      const res = await answer;
      await probe.close();
      expect(res.status).toBe(201);
      const expectedAnswer = outcome((await res.json()) as Answer);
      expect(expectedAnswer).toMatchObject({ credited: 40, unmatched: 2004 });
      await first.kill();
      const expected = await snapshot(clean);
      // A quarter of the points before the transaction opens, the rest inside it,
      // the last ones near its commit.
      const segments = [
        { weight: 1, cleanMs: openAt - sentAt },
        { weight: 3, cleanMs: closedAt - openAt },
      ];

      const before = await snapshot(db);
      expect(before).not.toBe(expected);
      const outcomes: string[] = [];
      for (const point of spreadPoints(KILLS, seededRandom(SEED))) {
        const at = placePoint(point, segments);
        const where = `FAULT_SEED=${SEED}, segment ${at.index} + ${at.delayMs} ms`;
        const service = await startServiceProcess(db, SERVICE_ENV);
        const watch = await transactionProbe(db);
        try {
          const sent = send(service, batch).then(
            (r) => r.status,
            () => 'no answer',
          );
          if (at.index === 1) await untilTransactionOpen(watch, 30_000);
          await new Promise((r) => setTimeout(r, at.delayMs));
          await service.kill();
          // Killed before it answered, or it answered first: then with the whole batch.
          const status = await sent;
          const state = await snapshot(db);
          expect([before, expected], where).toContain(state);
          if (status !== 'no answer') expect(state, where).toBe(expected);
          outcomes.push(`${at.index}:${state === before ? 'nothing' : 'whole'}`);
        } finally {
          await watch.close();
          await service.kill();
        }
      }
      // Before the transaction, nothing can have been written.
      for (const [i, o] of outcomes.entries())
        if (o.startsWith('0:')) expect(o, `point ${i}, FAULT_SEED=${SEED}`).toBe('0:nothing');
      // Early in the transaction, far from its commit, nothing either.
      expect(
        outcomes.find((o) => o.startsWith('1:')),
        outcomes.join(' '),
      ).toBe('1:nothing');

      const last = await startServiceProcess(db, SERVICE_ENV);
      try {
        const again = await send(last, batch);
        expect(again.status).toBe(201);
        expect(again.headers.get('idempotent-replayed')).toBe(
          outcomes.some((o) => o.endsWith('whole')) ? 'true' : null,
        );
        expect(outcome((await again.json()) as Answer)).toEqual(expectedAnswer);
      } finally {
        await last.kill();
      }
      expect(await snapshot(db), outcomes.join(' ')).toBe(expected);
    } finally {
      await clean.drop();
      await db.drop();
    }
  }, 600_000);
});
