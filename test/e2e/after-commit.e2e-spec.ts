import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Transactions } from '../../src/database/transactions';
import { startTestApp, TestApp } from '../support/test-app';

/** Tx.afterCommit: what a unit registers runs once its work is committed, never when it is undone. */
describe('after commit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('runs the hooks of a committed unit after the commit, and drops those of a unit rolled back beside it', async () => {
    const transactions = t.app.get(Transactions);
    const ran: string[] = [];
    // Queued together: on SQLite one group commit, each unit in a savepoint.
    const kept = transactions.run(async (tx) => {
      await tx.execute("UPDATE mailbox SET pseudonym = pseudonym WHERE pseudonym = 'none'");
      tx.afterCommit(() => ran.push('kept'));
      expect(ran).toEqual([]);
      return 'kept';
    });
    const undone = transactions.run(async (tx) => {
      tx.afterCommit(() => ran.push('undone'));
      throw new Error('rolled back');
    });
    const failing = transactions.run(async (tx) => {
      tx.afterCommit(() => {
        throw new Error('a hook that throws');
      });
      tx.afterCommit(() => ran.push('after a throwing hook'));
      return 'committed anyway';
    });
    const [a, b, c] = await Promise.allSettled([kept, undone, failing]);
    expect(a).toEqual({ status: 'fulfilled', value: 'kept' });
    expect(b).toMatchObject({ status: 'rejected', reason: { message: 'rolled back' } });
    expect(c).toEqual({ status: 'fulfilled', value: 'committed anyway' });
    expect(ran.sort()).toEqual(['after a throwing hook', 'kept']);
  });
});
