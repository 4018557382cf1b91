import BetterSqlite3 from 'better-sqlite3';
import { SqliteStatements } from './sqlite-statements';
import { runHooks, Work } from './tx';
import { unavailable } from './unavailable';

/**
 * Reads on a connection of their own. In WAL mode a reader sees the last
 * commit as of its first statement and never waits for the writer: a bank
 * import holding the write lock does not hold up /health or a balance. Reads
 * are run one after another (each is a few statements, microseconds apart) in
 * a deferred transaction, so a unit's statements see one snapshot.
 * query_only refuses a write that slipped into a read; temp_store keeps the
 * sorts of a report in memory, never in a temporary file.
 */
export class SqliteReader {
  private db?: BetterSqlite3.Database;
  private statements?: SqliteStatements;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly busyTimeoutMs: number,
  ) {}

  run<T>(work: Work<T>): Promise<T> {
    const next = this.tail.then(() => this.runNow(work));
    this.tail = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.closed = true;
    this.db?.close();
    this.db = undefined;
  }

  private async runNow<T>(work: Work<T>): Promise<T> {
    const statements = this.open();
    const hooks: (() => void)[] = [];
    statements.db.exec('BEGIN');
    let result: T;
    try {
      result = await work(statements.tx(undefined, hooks));
    } finally {
      if (statements.db.inTransaction) statements.db.exec('COMMIT');
    }
    runHooks(hooks);
    return result;
  }

  private open(): SqliteStatements {
    if (this.statements) return this.statements;
    if (this.closed) throw unavailable({ code: 'closed' });
    try {
      this.db = new BetterSqlite3(this.path, {
        fileMustExist: true,
        timeout: this.busyTimeoutMs,
      });
      this.db.pragma('query_only = ON');
      this.db.pragma('temp_store = MEMORY');
    } catch (error) {
      this.db?.close();
      this.db = undefined;
      throw unavailable(error);
    }
    this.statements = new SqliteStatements(this.db);
    return this.statements;
  }
}
