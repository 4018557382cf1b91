import { aCashPayment, issueCode, registerMailbox } from '../support/builders';
import { aCamtDocument, AnEntry } from '../support/camt-builder';
import {
  ServiceProcess,
  startServiceProcess,
  transactionProbe,
  untilTransactionOpen,
} from '../support/service-process';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { KeyedHash } from '../../src/config/keyed-hash';

const GRACE_SECONDS = 20;

/** What one request came to: an HTTP status, or the code of the error that ended it unanswered. */
type Outcome = { status: number } | { error: string };

async function send(url: string, init: RequestInit): Promise<Outcome> {
  try {
    const res = await fetch(url, init);
    await res.arrayBuffer();
    return { status: res.status };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { error: cause?.code ?? String(error) };
  }
}

/** Written to the ledger (not waiting for a settlement): the sum credited to the mailbox. */
async function ledgerCredits(t: TestApp, mailboxId: string): Promise<number> {
  const [row] = await t.sql<{ total: number | string | null }>(
    "SELECT COALESCE(SUM(amount_minor), 0) AS total FROM ledger_entry WHERE mailbox = $1 AND kind = 'credit'",
    [t.app.get(KeyedHash).mailbox(mailboxId)],
  );
  return Number(row.total);
}

/**
 * SIGTERM to the service process (src/main.ts) while it works: it answers or
 * refuses every request (503, or a refused connection once it stopped
 * listening), finishes what it let in, settles, and exits 0 within
 * SHUTDOWN_GRACE_SECONDS; what it answered 201 is in the books after a
 * restart, and what it refused is taken when sent again.
 */
describe('stopping on SIGTERM', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db.drop());

  it('during a stream of cash letters: each is answered 201 and in the books, or refused and taken when sent again', async () => {
    const t = await startTestApp({ db });
    const letters: { mailbox: string; code: string; key: string }[] = [];
    for (let i = 0; i < 120; i++) {
      const mailbox = await registerMailbox(t);
      letters.push({ mailbox, code: await issueCode(t, mailbox), key: `letter-${i}` });
    }
    await t.close();

    const service = await startServiceProcess(db, {
      SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
      // Only the shutdown settles: the credits of the letters wait until then.
      SETTLE_INTERVAL_SECONDS: '3600',
    });
    const post = (letter: (typeof letters)[number], to: ServiceProcess = service) =>
      send(`${to.origin}/v1/cash-payments`, {
        method: 'POST',
        headers: {
          ...to.auth('staff'),
          'content-type': 'application/json',
          'idempotency-key': letter.key,
        },
        body: JSON.stringify(aCashPayment({ code: letter.code, amountMinor: 500 })),
      });
    const outcomes = new Map<string, Outcome>();
    let next = 0;
    let signalledAt = 0;
    const worker = async () => {
      while (next < letters.length) {
        const letter = letters[next++];
        const outcome = await post(letter);
        outcomes.set(letter.key, outcome);
        // As a client would: refused, it waits a little before the next.
        if (!('status' in outcome) || outcome.status !== 201)
          await new Promise((r) => setTimeout(r, 50));
        if (signalledAt === 0 && outcomes.size >= 30) {
          signalledAt = Date.now();
          service.child.kill('SIGTERM');
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const exit = await service.exited;
    const stoppedAfterMs = Date.now() - signalledAt;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(stoppedAfterMs).toBeLessThan(GRACE_SECONDS * 1000);
    const kinds = [...outcomes.values()].map((o) => ('status' in o ? o.status : o.error));
    // Answered, refused with 503, or refused before the connection was taken; rarely, under
    // load, a connection reset before any answer: nothing else. Whatever was not answered
    // 201 must have had no effect (checked below) and is taken when sent again.
    expect(
      kinds.filter((k) => k !== 201 && k !== 503 && k !== 'ECONNREFUSED' && k !== 'ECONNRESET'),
    ).toEqual([]);
    expect(kinds.filter((k) => k === 201).length).toBeGreaterThanOrEqual(30);
    expect(kinds.filter((k) => k !== 201).length).toBeGreaterThan(0);

    const after = await startTestApp({ db });
    try {
      // The shutdown settled: every letter answered 201 is written to the ledger, none waits.
      for (const letter of letters) {
        const answered = (outcomes.get(letter.key) as { status?: number }).status === 201;
        expect(await ledgerCredits(after, letter.mailbox), letter.key).toBe(answered ? 500 : 0);
      }
      expect(await after.sql('SELECT id FROM pending_credit')).toEqual([]);
      // The refused ones are sent again, to the service started anew.
      const again = await startServiceProcess(db);
      try {
        for (const letter of letters)
          if ((outcomes.get(letter.key) as { status?: number }).status !== 201)
            expect(await post(letter, again)).toEqual({ status: 201 });
      } finally {
        again.child.kill('SIGTERM');
        expect(await again.exited).toEqual({ code: 0, signal: null });
      }
      for (const letter of letters)
        expect(await ledgerCredits(after, letter.mailbox), letter.key).toBe(500);
    } finally {
      await after.close();
    }
  }, 240_000);

  it('during a bank-statement upload: the import finishes, is answered and is in the books; new requests get 503', async () => {
    const t = await startTestApp({ db });
    const entries: AnEntry[] = [];
    const paid: string[] = [];
    for (let i = 0; i < 20; i++) {
      const mailbox = await registerMailbox(t);
      paid.push(mailbox);
      entries.push({ ustrd: [`Aufladung ${await issueCode(t, mailbox)}`], amount: '6.00' });
    }
    // Enough entries for the import to take a while.
    for (let i = 0; i < 3000; i++) entries.push({ ustrd: [`Rechnung ${i}`], amount: '1.00' });
    await t.close();

    const service = await startServiceProcess(db, {
      SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
    });
    const probe = await transactionProbe(db, { writing: true });
    try {
      const upload = send(`${service.origin}/v1/bank-statements`, {
        method: 'POST',
        headers: { ...service.auth('importer'), 'content-type': 'application/xml' },
        body: aCamtDocument(entries),
      });
      expect(await untilTransactionOpen(probe, 60_000)).toBe(true);
      const signalledAt = Date.now();
      service.child.kill('SIGTERM');
      // Let the signal arrive; the listener stays open and refuses with 503.
      await new Promise((r) => setTimeout(r, 200));
      const during = await send(`${service.origin}/v1/mailboxes/${paid[0]}`, {
        headers: service.auth('webmail'),
      });
      expect([{ status: 503 }, { error: 'ECONNREFUSED' }]).toContainEqual(during);
      expect(await upload).toEqual({ status: 201 });
      const exit = await service.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(GRACE_SECONDS * 1000);
    } finally {
      await probe.close();
      if (service.child.exitCode === null) await service.kill();
    }
    const after = await startTestApp({ db });
    try {
      for (const mailbox of paid) expect(await ledgerCredits(after, mailbox)).toBe(600);
    } finally {
      await after.close();
    }
  }, 240_000);
  it('past the grace period: the upload still importing is answered 503, exit 1, and sent again it credits what was not written, once', async () => {
    const t = await startTestApp({ db });
    const paid = await registerMailbox(t);
    const entries: AnEntry[] = [
      { ustrd: [`Aufladung ${await issueCode(t, paid)}`], amount: '6.00' },
    ];
    // Long enough to outlast the 1 s grace on a machine several times faster than
    // the one this was written on, where 12,000 entries took 1.4 s on SQLite (a faster
    // runner finished them in time) and about 12 s on PostgreSQL.
    const unmatched = db.dialect === 'sqlite' ? 60_000 : 12_000;
    for (let i = 0; i < unmatched; i++) entries.push({ ustrd: [`Rechnung ${i}`], amount: '1.00' });
    const statement = aCamtDocument(entries);
    await t.close();

    const service = await startServiceProcess(db, { SHUTDOWN_GRACE_SECONDS: '1' });
    const upload = (to: ServiceProcess) =>
      send(`${to.origin}/v1/bank-statements`, {
        method: 'POST',
        headers: { ...to.auth('importer'), 'content-type': 'application/xml' },
        body: statement,
      });
    const probe = await transactionProbe(db, { writing: true });
    try {
      const answer = upload(service);
      expect(await untilTransactionOpen(probe, 60_000)).toBe(true);
      const signalledAt = Date.now();
      service.child.kill('SIGTERM');
      expect(await answer).toEqual({ status: 503 });
      expect(await service.exited).toEqual({ code: 1, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(5_000);
    } finally {
      await probe.close();
      if (service.child.exitCode === null) await service.kill();
    }
    const after = await startTestApp({ db });
    try {
      // Whole parts of the import may be written (docs/decisions/0012-import-in-parts.md).
      expect([0, 600]).toContain(await ledgerCredits(after, paid));
      const journal = async () =>
        Number(
          (
            await after.sql<{ n: number | string }>(
              "SELECT COUNT(*) AS n FROM payment WHERE channel = 'bank'",
            )
          )[0].n,
        );
      expect(await journal()).toBeLessThan(entries.length);
      const again = await startServiceProcess(db);
      try {
        expect(await upload(again)).toEqual({ status: 201 });
      } finally {
        again.child.kill('SIGTERM');
        expect(await again.exited).toEqual({ code: 0, signal: null });
      }
      expect(await ledgerCredits(after, paid)).toBe(600);
      expect(await journal()).toBe(entries.length);
    } finally {
      await after.close();
    }
  }, 240_000);
});
