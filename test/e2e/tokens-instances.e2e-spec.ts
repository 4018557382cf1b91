import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aCashPayment, count, creditedTo, registerMailbox } from '../support/builders';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { tokenClient } from '../support/token-client';

/**
 * Two instances on one database (two pools on PostgreSQL, two connections to
 * one file on SQLite): the same tokens redeemed at both at once are credited
 * once; one reserve withdrawn from at both at once is never overdrawn.
 */
describe('two instances racing for the same tokens and reserves', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { TOKEN_DENOMINATIONS_MINOR: '100,500' };
    a = await startTestApp({ db, env });
    // The second instance finds the first's keys and makes none of its own.
    b = await startTestApp({ db, env });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  async function paidReserve(amountMinor: number): Promise<string> {
    const res = await a.http.post('/v1/token-reserves').send({});
    await a.http
      .post('/v1/cash-payments')
      .set(a.auth('staff'))
      .send(aCashPayment({ code: res.body.code, amountMinor }));
    return res.body.code as string;
  }

  it('shares one key per denomination between the instances, made by whichever needs them first', async () => {
    expect(await count(a, 'token_key')).toBe(0);
    const [fromA, fromB] = await Promise.all(
      [a, b].map((instance) => instance.http.get('/.well-known/private-token-issuer-directory')),
    );
    expect(await count(a, 'token_key')).toBe(2);
    const keysOf = (res: { text: string }) =>
      (JSON.parse(res.text) as { 'token-keys': { 'token-key': string }[] })['token-keys']
        .map((k) => k['token-key'])
        .sort();
    // Both made keys at once; one instance's won, and the other reads them back.
    const again = await b.http.get('/.well-known/private-token-issuer-directory');
    expect(keysOf(again)).toEqual(
      keysOf(await a.http.get('/.well-known/private-token-issuer-directory')),
    );
    expect(keysOf(again)).toHaveLength(2);
    expect([fromA.status, fromB.status]).toEqual([200, 200]);
  }, 120_000);

  it('credits a token redeemed at both instances at once exactly once', async () => {
    const code = await paidReserve(1000);
    const tokens = await tokenClient(a).withdraw(code, 1000);
    expect(tokens).toHaveLength(2);
    const mailboxes = await Promise.all([registerMailbox(a), registerMailbox(a)]);
    const attempts = [a, b, a, b].map((instance, i) =>
      instance.http
        .post(`/v1/mailboxes/${encodeURIComponent(mailboxes[i % 2])}/token-redemptions`)
        .set(instance.auth('webmail'))
        .send({ tokens: tokens.map((x) => x.token) }),
    );
    const results = await Promise.all(attempts);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    const credited = await Promise.all(mailboxes.map((m) => creditedTo(b, m)));
    expect(credited.reduce((s, x) => s + x, 0)).toBe(1000);
    expect(await count(a, 'token_spent')).toBe(2);
  });

  it('lets withdrawals at both instances take no more than the reserve holds', async () => {
    const code = await paidReserve(1000);
    const clients = [tokenClient(a), tokenClient(b), tokenClient(a), tokenClient(b)];
    const outcomes = await Promise.allSettled(clients.map((c) => c.withdraw(code, 500)));
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(2);
    for (const lost of outcomes.filter((o) => o.status === 'rejected'))
      expect(String(lost.reason)).toMatch(/409/);
    const balance = await b.http.post('/v1/token-reserves/balance').send({ code });
    expect(balance.body.balance.amountMinor).toBe(0);
  });
});
