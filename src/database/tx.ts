/**
 * What a use case sees of the database inside its transaction: parameterised SQL
 * written once for both dialects ($1, $2 … placeholders; ON CONFLICT, RETURNING
 * and the rest of the SQL that SQLite 3.35+ and PostgreSQL share).
 */
export interface Tx {
  readonly dialect: 'sqlite' | 'postgres';
  /** Rows of a SELECT or of a statement with RETURNING. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement and tells how many rows it changed. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * ' FOR UPDATE' in a PostgreSQL write transaction; nothing on SQLite, where
   * writers are serialised anyway, nor in a read, which takes no locks.
   */
  readonly forUpdate: string;
  /**
   * Runs `hook` once this unit's work is committed, never if it is rolled back
   * (a unit run again registers again). For figures that must count only what
   * stayed (metrics); a hook that throws is ignored.
   */
  afterCommit(hook: () => void): void;
}

export type Work<T> = (tx: Tx) => Promise<T>;

/** Runs the hooks of a committed unit; one that throws does not stop the others. */
export function runHooks(hooks: readonly (() => void)[]): void {
  for (const hook of hooks) {
    try {
      hook();
    } catch {
      // A figure not counted is no reason to fail what was committed.
    }
  }
}

/**
 * Thrown by a unit that lost a race it can only see from inside (another
 * transaction recorded the same thing first): the unit is rolled back and run
 * again, and then sees the winner's committed rows.
 */
export class RetryTransaction extends Error {}

export interface RunOptions {
  /**
   * A long unit of work (a slice of a bank import) that gets a transaction of
   * its own on SQLite instead of sharing a group commit: it then needs no
   * savepoint, whose in-memory journal every RETURNING statement would walk.
   */
  alone?: boolean;
}
