import { Settlement } from '../../src/payments/settlement/settlement.service';
import { aCashPayment, creditedTo, issueCode, registerMailbox } from '../support/builders';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * Two service instances on one database (two pools on PostgreSQL, two
 * connections to one file on SQLite) pay the same codes at the same time.
 */
describe('two instances racing for the same codes', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestApp({ db });
    b = await startTestApp({ db });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  it('credits each code exactly once', async () => {
    const mailboxes = await Promise.all(Array.from({ length: 10 }, () => registerMailbox(a)));
    const codes = await Promise.all(mailboxes.map((id) => issueCode(a, id)));
    const letters = codes.flatMap((code) =>
      [a, b, a, b].map((instance) =>
        instance.http
          .post('/v1/cash-payments')
          .set(instance.auth('staff'))
          .send(aCashPayment({ code, amountMinor: 250 })),
      ),
    );
    const results = await Promise.all(letters);
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(results.filter((r) => r.body.status === 'credited')).toHaveLength(codes.length);
    for (const id of mailboxes) {
      expect(await creditedTo(b, id)).toBe(250);
    }
    const [row] = await a.sql<{ n: number | string }>(
      "SELECT COUNT(*) AS n FROM payment WHERE status = 'unmatched' AND reason = 'unknown-code' AND amount_minor = 250",
    );
    expect(Number(row.n)).toBe(codes.length * 3);
  });
});

/**
 * Two instances settle what waits at the same moment, while letters and
 * captures keep arriving at both: every credit and every journal row is
 * written exactly once (on PostgreSQL the settlement holds the pending tables
 * and one instance at a time settles; on SQLite the file's lock orders them).
 */
describe('two instances settling at the same time', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestApp({ db });
    b = await startTestApp({ db });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  it('writes each waiting credit once', async () => {
    const mailboxes = await Promise.all(Array.from({ length: 60 }, () => registerMailbox(a)));
    const codes = await Promise.all(mailboxes.map((id) => issueCode(b, id)));
    const letter = (instance: TestApp, code: string) =>
      instance.http
        .post('/v1/cash-payments')
        .set(instance.auth('staff'))
        .send(aCashPayment({ code, amountMinor: 300 }));
    const settle = (instance: TestApp) => instance.app.get(Settlement).run();
    const work: Promise<unknown>[] = [];
    for (const [i, code] of codes.entries()) {
      work.push(letter(i % 2 === 0 ? a : b, code));
      if (i % 10 === 9) work.push(settle(a), settle(b));
    }
    await Promise.all(work);
    await Promise.all([settle(a), settle(b)]);
    await settle(a);
    for (const id of mailboxes) expect(await creditedTo(a, id)).toBe(300);
    const [waiting] = await a.sql<{ n: number | string }>(
      'SELECT COUNT(*) AS n FROM pending_credit',
    );
    expect(Number(waiting.n)).toBe(0);
    const [ledger] = await a.sql<{ n: number | string }>(
      "SELECT COUNT(*) AS n FROM ledger_entry WHERE channel = 'cash' AND amount_minor = 300",
    );
    expect(Number(ledger.n)).toBe(mailboxes.length);
    const [groups] = await a.sql<{ n: number | string }>(
      "SELECT COALESCE(SUM(credits), 0) AS n FROM anonymity_group WHERE channel = 'cash' AND amount_minor = 300",
    );
    expect(Number(groups.n)).toBe(mailboxes.length);
  });
});
