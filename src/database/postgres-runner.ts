import { DataSource, QueryRunner } from 'typeorm';
import { runHooks, Tx, Work } from './tx';
import { unavailable } from './unavailable';

/** PostgreSQL: every unit on a pooled session of its own, in a transaction of its own. */
export class PostgresRunner {
  constructor(private readonly dataSource: DataSource) {}

  /** A read runs on one snapshot (REPEATABLE READ, READ ONLY) and takes no row locks: it never waits for a writer. */
  async run<T>(work: Work<T>, mode: 'write' | 'read' = 'write'): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      // No session to be had (server down, database refusing connections): a 503.
      await runner.connect().catch((error: unknown) => Promise.reject(unavailable(error)));
      await runner.startTransaction();
      try {
        if (mode === 'read')
          await runner.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        const hooks: (() => void)[] = [];
        const result = await work(tx(runner, mode, hooks));
        await runner.commitTransaction();
        runHooks(hooks);
        return result;
      } catch (error) {
        // A session the server ended cannot roll back, nor say what failed
        // first; its transaction died with it: a 503, not a 500.
        if (runner.isTransactionActive)
          await runner
            .rollbackTransaction()
            .catch((lost: unknown) => Promise.reject(unavailable(lost)));
        throw error;
      }
    } finally {
      await runner.release();
    }
  }
}

function tx(runner: QueryRunner, mode: 'write' | 'read', hooks: (() => void)[]): Tx {
  return {
    dialect: 'postgres',
    forUpdate: mode === 'write' ? ' FOR UPDATE' : '',
    afterCommit: (hook) => hooks.push(hook),
    query: async <T>(sql: string, params: readonly unknown[] = []) =>
      (await runner.query(sql, [...params], true)).records as T[],
    execute: async (sql: string, params: readonly unknown[] = []) =>
      (await runner.query(sql, [...params], true)).affected ?? 0,
  };
}
