import type BetterSqlite3 from 'better-sqlite3';
import { Tx } from './tx';

interface Prepared {
  statement: BetterSqlite3.Statement;
  /** Where each bound value comes from, when the SQL does not use $1, $2 … in order. */
  order: number[] | null;
  /** An UPDATE or DELETE: the old bytes of what it changes must leave the disk (a checkpoint). */
  erases: boolean;
}

/**
 * Statements that overwrite or remove what a row held: on SQLite, one that
 * changed a row has the WAL checkpointed and truncated after the commit, so
 * the old bytes leave the disk (secure_delete zeroes them in the page). On
 * PostgreSQL dead tuples stay until VACUUM (docs/postgres-retention.md).
 */
const ERASING = /^\s*(UPDATE|DELETE)\b/i;

/**
 * One connection's prepared statements, each prepared once per SQL text;
 * batched statements differ by their number of values, so the cache is bounded.
 */
export class SqliteStatements {
  private readonly cache = new Map<string, Prepared>();

  constructor(readonly db: BetterSqlite3.Database) {}

  /**
   * The Tx over this connection; `onErase` hears of every statement that
   * changed or removed a row, `hooks` collects what runs after the commit.
   */
  tx(onErase: () => void = () => undefined, hooks: (() => void)[] = []): Tx {
    return {
      dialect: 'sqlite',
      forUpdate: '',
      afterCommit: (hook) => hooks.push(hook),
      query: async <T>(sql: string, params: readonly unknown[] = []) => {
        const { statement, order, erases } = this.prepared(sql);
        const values = order ? order.map((i) => params[i]) : params;
        if (!statement.reader) {
          if (statement.run(...values).changes > 0 && erases) onErase();
          return [];
        }
        // An UPDATE or DELETE … RETURNING returns the rows it changed.
        const rows = statement.all(...values) as T[];
        if (rows.length > 0 && erases) onErase();
        return rows;
      },
      execute: async (sql: string, params: readonly unknown[] = []) => {
        const { statement, order, erases } = this.prepared(sql);
        const changes = statement.run(...(order ? order.map((i) => params[i]) : params)).changes;
        if (changes > 0 && erases) onErase();
        return changes;
      },
    };
  }

  private prepared(sql: string): Prepared {
    let prepared = this.cache.get(sql);
    if (!prepared) {
      if (this.cache.size >= 1000) this.cache.clear();
      const { sql: rewritten, order } = rewriteForSqlite(sql);
      prepared = {
        statement: this.db.prepare(rewritten),
        order: order.every((n, i) => n === i) ? null : order,
        erases: ERASING.test(sql),
      };
      this.cache.set(sql, prepared);
    }
    return prepared;
  }
}

/** Rewrites $n placeholders to SQLite's positional ?; returns which value goes where. */
function rewriteForSqlite(sql: string): { sql: string; order: number[] } {
  const order: number[] = [];
  const rewritten = sql.replace(/\$(\d+)/g, (_, n: string) => {
    order.push(Number(n) - 1);
    return '?';
  });
  return { sql: rewritten, order };
}
