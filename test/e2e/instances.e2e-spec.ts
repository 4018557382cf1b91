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
