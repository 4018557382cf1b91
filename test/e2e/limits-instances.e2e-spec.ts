import { generateCode } from '../../src/codes/code-format';
import { aCashPayment, aMailboxId } from '../support/builders';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, onPostgres, TestDatabase } from '../support/test-database';

const KEYS = {
  webmail: 'webmail-shared-key-00000000000000000000',
  staff: 'staff-shared-key-000000000000000000000000',
  admin: 'admin-shared-key-000000000000000000000000',
};
const bearer = (role: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[role]}` });

/** Waits until at least `marginMs` are left in the current window, so a test's hits share one. */
async function roomInWindow(windowMs: number, marginMs: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await new Promise((r) => setTimeout(r, left + 50));
}

/**
 * Two instances on one database, with the same API keys, spend each budget in
 * turns. On PostgreSQL (several instances by design) they share one budget,
 * counted in rate_limit_window; on SQLite (one instance by design) each
 * process counts its own in memory, and the table stays empty.
 */
describe('rate limits of two instances on one database', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    const env = {
      API_KEYS: Object.entries(KEYS)
        .map(([role, key]) => `${role}:${key}`)
        .join(','),
      CODE_ISSUE_LIMIT_PER_MINUTE: '4',
      MAX_OPEN_CODES: '20',
      AUTH_FAILURE_LIMIT_PER_MINUTE: '4',
      AUTH_FAILURE_GLOBAL_LIMIT_PER_MINUTE: '8',
      MATCH_FAILURE_LIMIT_PER_HOUR: '2',
    };
    a = await startTestApp({ db, env });
    b = await startTestApp({ db, env });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });
  beforeEach(() => roomInWindow(60_000, 15_000));

  const rows = () =>
    a.sql<{ bucket: string; window_start: number | string; limited_key: string; hits: number }>(
      'SELECT bucket, window_start, limited_key, hits FROM rate_limit_window ORDER BY bucket',
    );

  it('issues codes for one mailbox up to one shared limit, then 429 from either instance', async () => {
    // A count of a window long past, left by an instance that stopped.
    await a.sql(
      "INSERT INTO rate_limit_window (bucket, window_start, limited_key, hits) VALUES ('code-issue', 60000, 'stale', 3)",
    );
    const id = aMailboxId();
    await a.http.put(`/v1/mailboxes/${encodeURIComponent(id)}`).set(bearer('webmail'));
    const issue = (t: TestApp) =>
      t.http
        .post(`/v1/mailboxes/${encodeURIComponent(id)}/topup-codes`)
        .set(bearer('webmail'))
        .send({});
    const statuses: number[] = [];
    for (const t of [a, b, a, b, a, b]) statuses.push((await issue(t)).status);
    if (onPostgres) {
      expect(statuses).toEqual([201, 201, 201, 201, 429, 429]);
      const refused = await issue(b);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
      const counted = await rows();
      // The past window's row is gone; the current one holds a keyed hash, not the
      // mailbox id nor its pseudonym.
      expect(counted.map((r) => r.limited_key)).not.toContain('stale');
      const [{ pseudonym }] = await a.sql<{ pseudonym: string }>('SELECT pseudonym FROM mailbox');
      expect(counted).toEqual([
        {
          bucket: 'code-issue',
          window_start: expect.anything(),
          limited_key: expect.stringMatching(/^[0-9a-f]{64}$/),
          hits: 4,
        },
      ]);
      expect(JSON.stringify(counted)).not.toContain(id);
      expect(JSON.stringify(counted)).not.toContain(pseudonym);
      expect(Number(counted[0].window_start) % 60_000).toBe(0);
    } else {
      expect(statuses).toEqual([201, 201, 201, 201, 201, 201]);
      expect(await rows()).toEqual([
        { bucket: 'code-issue', window_start: 60000, limited_key: 'stale', hits: 3 },
      ]);
    }
  });

  it('limits a failing credential and failed authentications in all across both instances', async () => {
    const bad = 'Bearer not-a-key-333333333333333333';
    const statuses: number[] = [];
    for (const t of [a, b, a, b, a, b])
      statuses.push((await t.http.get('/v1/mailboxes/m1').set('authorization', bad)).status);
    expect(statuses).toEqual(
      onPostgres ? [401, 401, 401, 401, 429, 429] : [401, 401, 401, 401, 401, 401],
    );
    // The global fuse: 8 in all, 6 spent above on PostgreSQL.
    const guesses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = i % 2 === 0 ? a : b;
      const res = await t.http
        .get('/v1/mailboxes/m1')
        .set('authorization', `Bearer guess-${i}-4444444444444444444`);
      guesses.push(res.status);
    }
    expect(guesses).toEqual(
      onPostgres ? [401, 401, 429, 429, 429, 429] : [401, 401, 401, 401, 401, 401],
    );
    // A valid key is never limited.
    expect((await b.http.get('/v1/mailboxes/m1').set(bearer('webmail'))).status).toBe(404);
    if (onPostgres) {
      const text = JSON.stringify(await rows());
      expect(text).not.toContain('not-a-key');
      expect(text).not.toContain('guess-');
    }
  });

  it('counts codes that are not live per staff credential across both instances', async () => {
    await roomInWindow(3_600_000, 15_000);
    const letter = (t: TestApp) =>
      t.http
        .post('/v1/cash-payments')
        .set(bearer('staff'))
        .send(aCashPayment({ code: generateCode() }));
    const first = await letter(a);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'unmatched', reason: 'unknown-code' });
    expect((await letter(b)).status).toBe(201);
    const third = await letter(a);
    if (onPostgres) {
      expect(third.status).toBe(429);
      expect((await letter(b)).status).toBe(429);
    } else {
      // Each process has counted one of its own.
      expect(third.status).toBe(201);
      expect((await letter(b)).status).toBe(201);
      expect((await letter(a)).status).toBe(429);
      expect((await letter(b)).status).toBe(429);
    }
  });

  it('counts failed staff sign-ins in all across both instances', async () => {
    const signIn = (t: TestApp, name: string) =>
      t.http
        .post('/v1/staff/session')
        .send({ name, password: 'guess guess guess', oneTimeCode: '123456' });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await signIn(i % 2 ? b : a, `nobody${i}`)).status);
    expect(statuses).toEqual(
      onPostgres
        ? [401, 401, 401, 401, 401, 401, 401, 401, 429, 429]
        : [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    );
    if (onPostgres)
      expect((await rows()).find((r) => r.bucket === 'staff-sign-in-failure')).toMatchObject({
        hits: 8,
      });
  });
});
