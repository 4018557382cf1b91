import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type BetterSqlite3 from 'better-sqlite3';
import { DataSource, QueryRunner } from 'typeorm';
import { ServiceUnavailable } from '../common/domain-error';

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
  /** ' FOR UPDATE' on PostgreSQL; nothing on SQLite, where writers are serialised anyway. */
  readonly forUpdate: string;
}

type Work<T> = (tx: Tx) => Promise<T>;

interface PreparedSqlite {
  statement: BetterSqlite3.Statement;
  /** Where each bound value comes from, when the SQL does not use $1, $2 … in order. */
  order: number[] | null;
  /** An UPDATE or DELETE: the old bytes of what it changes must leave the disk (see checkpoint). */
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
 * Thrown by a unit that lost a race it can only see from inside (another
 * transaction recorded the same thing first): the unit is rolled back and run
 * again, and then sees the winner's committed rows.
 */
export class RetryTransaction extends Error {}

const MAX_ATTEMPTS = 3;

/** PostgreSQL's serialization failure and deadlock: safe to run again. */
function isRetryable(error: unknown): boolean {
  if (error instanceof RetryTransaction) return true;
  const code = (error as { driverError?: { code?: string } }).driverError?.code;
  return code === '40001' || code === '40P01';
}

interface Queued {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  alone: boolean;
}

export interface RunOptions {
  /**
   * A long unit of work (a bank import) that gets a transaction of its own on
   * SQLite instead of sharing a group commit: it then needs no savepoint, whose
   * in-memory journal every RETURNING statement would walk (see runGroup).
   */
  alone?: boolean;
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

/** True when every $n stands once, in order: the values can be bound as given. */
function inOrder(order: readonly number[]): boolean {
  return order.every((n, i) => n === i);
}

/**
 * Runs each use case in one database transaction (STYLE.md, rule 8).
 *
 * On PostgreSQL every unit gets its own pooled connection and transaction.
 * On SQLite there is one connection, so units are queued and run one after
 * another; the units that queued up while a commit was in flight share the next
 * transaction, each inside its own savepoint (a unit alone needs none). A
 * failing unit rolls back to its savepoint and fails alone; the others commit
 * together with one fsync. That is group commit: durability (synchronous=FULL)
 * without one fsync per request.
 * Callers learn of success only after the shared COMMIT returned.
 */
@Injectable()
export class Transactions implements OnApplicationShutdown {
  private readonly queue: Queued[] = [];
  private draining = false;
  private readonly statements = new Map<string, PreparedSqlite>();
  private closed = false;
  /** The SQLite file as it was when opened (see sameFile). */
  private opened?: { db: BetterSqlite3.Database; path: string; dev: number; ino: number };
  static readonly MAX_GROUP = 256;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    if (this.dialect === 'sqlite' && dataSource.isInitialized) this.sameFile(this.sqlite);
  }

  /** Units waiting for the SQLite writer (always 0 on PostgreSQL, where each has its own session). */
  get queueDepth(): number {
    return this.queue.length;
  }

  get dialect(): 'sqlite' | 'postgres' {
    return this.dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  /** Whether the database answers a statement (health). */
  async ping(): Promise<void> {
    await this.run((tx) => tx.query('SELECT 1 AS ok'));
  }

  async run<T>(work: Work<T>, options: RunOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runOnce(work, options.alone ?? false);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
      }
    }
  }

  private runOnce<T>(work: Work<T>, alone: boolean): Promise<T> {
    if (this.closed) return Promise.reject(new ServiceUnavailable('the database is closed'));
    if (this.dialect === 'postgres') return this.runPostgres(work);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject, alone });
      if (!this.draining) {
        // Start after the event loop has run every I/O callback that is ready, so
        // that all requests that arrived together (and those that arrived while the
        // last commit held the loop) queue up and share one transaction.
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  onApplicationShutdown(): void {
    this.closed = true;
  }

  // --- PostgreSQL -----------------------------------------------------------

  private async runPostgres<T>(work: Work<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      // No session to be had (server down, database refusing connections): a 503.
      await runner.connect().catch((error: unknown) => Promise.reject(unavailable(error)));
      await runner.startTransaction();
      try {
        const result = await work(this.postgresTx(runner));
        await runner.commitTransaction();
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

  private postgresTx(runner: QueryRunner): Tx {
    return {
      dialect: 'postgres',
      forUpdate: ' FOR UPDATE',
      query: async <T>(sql: string, params: readonly unknown[] = []) =>
        (await runner.query(sql, [...params], true)).records as T[],
      execute: async (sql: string, params: readonly unknown[] = []) =>
        (await runner.query(sql, [...params], true)).affected ?? 0,
    };
  }

  // --- SQLite ---------------------------------------------------------------

  private get sqlite(): BetterSqlite3.Database {
    return (this.dataSource.driver as unknown as { databaseConnection: BetterSqlite3.Database })
      .databaseConnection;
  }

  /** Prepared once per SQL text; batched statements differ by their number of values, so the cache is bounded. */
  private statement(sql: string): PreparedSqlite {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      if (this.statements.size >= 1000) this.statements.clear();
      const { sql: rewritten, order } = rewriteForSqlite(sql);
      prepared = {
        statement: this.sqlite.prepare(rewritten),
        order: inOrder(order) ? null : order,
        erases: ERASING.test(sql),
      };
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  private sqliteTx(onScrub: () => void): Tx {
    return {
      dialect: 'sqlite',
      forUpdate: '',
      query: async <T>(sql: string, params: readonly unknown[] = []) => {
        const { statement, order, erases } = this.statement(sql);
        const values = order ? order.map((i) => params[i]) : params;
        if (!statement.reader) {
          if (statement.run(...values).changes > 0 && erases) onScrub();
          return [];
        }
        // An UPDATE or DELETE … RETURNING returns the rows it changed.
        const rows = statement.all(...values) as T[];
        if (rows.length > 0 && erases) onScrub();
        return rows;
      },
      execute: async (sql: string, params: readonly unknown[] = []) => {
        const { statement, order, erases } = this.statement(sql);
        const changes = statement.run(...(order ? order.map((i) => params[i]) : params)).changes;
        if (changes > 0 && erases) onScrub();
        return changes;
      },
    };
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.groupSize());
        await this.runGroup(group);
      }
    } finally {
      this.draining = false;
    }
  }

  /** The next group: a unit that wants to be alone, or the units up to the next such one. */
  private groupSize(): number {
    if (this.queue[0].alone) return 1;
    const next = this.queue.findIndex((unit) => unit.alone);
    return Math.min(next < 0 ? this.queue.length : next, Transactions.MAX_GROUP);
  }

  private async runGroup(group: Queued[]): Promise<void> {
    const db = this.sqlite;
    let scrub = false;
    const tx = this.sqliteTx(() => (scrub = true));
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      // IMMEDIATE takes the write lock up front, so a second process (the CLI)
      // waits on the busy timeout instead of failing on a lock upgrade.
      db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      for (const unit of group) unit.reject(unavailable(error));
      return;
    }
    // A unit alone in its group runs without a savepoint (a failure rolls back
    // the whole transaction): under a savepoint every statement with RETURNING
    // walks the savepoint's journal from its start, quadratic for a long import
    // (bench:import). Savepoint journals stay in memory (temp_store).
    const savepoints = group.length > 1;
    for (const unit of group) {
      if (savepoints) db.exec('SAVEPOINT unit');
      try {
        const value = await unit.work(tx);
        if (savepoints) db.exec('RELEASE unit');
        outcomes.push({ ok: true, value });
      } catch (error) {
        try {
          if (savepoints) {
            db.exec('ROLLBACK TO unit');
            db.exec('RELEASE unit');
          }
        } catch {
          // The transaction itself is gone (disk full, I/O error): the COMMIT below fails too.
        }
        outcomes.push({ ok: false, error });
      }
    }
    const [lone] = outcomes;
    if (!savepoints && !lone.ok) {
      try {
        if (db.inTransaction) db.exec('ROLLBACK');
      } catch {
        // nothing left to undo
      }
      group[0].reject(lone.error);
      return;
    }
    if (!this.sameFile(db)) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // nothing left to undo
      }
      const error = new ServiceUnavailable('the database file was removed or replaced');
      for (const unit of group) unit.reject(error);
      return;
    }
    try {
      db.exec('COMMIT');
    } catch (error) {
      try {
        if (db.inTransaction) db.exec('ROLLBACK');
      } catch {
        // nothing left to undo
      }
      for (const unit of group) unit.reject(unavailable(error));
      return;
    }
    if (scrub) this.checkpoint();
    group.forEach((unit, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) unit.resolve(outcome.value);
      else unit.reject(outcome.error);
    });
  }

  /**
   * True while the database's path still names the file that was opened. On
   * Linux a removed or replaced file stays writable through the open
   * descriptor: a COMMIT would succeed into a file that no restart finds
   * again, and a cash letter answered 201 would be lost. One stat per group
   * (a few µs), not per statement; a new connection is remembered as opened.
   */
  private sameFile(db: BetterSqlite3.Database): boolean {
    if (db.memory) return true;
    try {
      if (this.opened?.db !== db) {
        const path = resolve(db.name);
        const stat = statSync(path, { throwIfNoEntry: false });
        if (!stat) return false;
        this.opened = { db, path, dev: stat.dev, ino: stat.ino };
      }
      const now = statSync(this.opened.path, { throwIfNoEntry: false });
      return now !== undefined && now.dev === this.opened.dev && now.ino === this.opened.ino;
    } catch {
      // The folder gone or unreadable: the path names no file we can trust.
      return false;
    }
  }

  /**
   * Moves committed pages into the database file and truncates the WAL, so that
   * a redeemed code's hash does not linger in old WAL frames (invariant 3).
   * With secure_delete the freed cells in the main file are zeroed.
   *
   * It runs after every commit in which a unit asked for it or changed rows
   * by an UPDATE or DELETE. Until the checkpoint, the main file still holds
   * each page as it was before the change: a refunded payment's payer name
   * and IBAN stayed there, readable, after the resolution had erased them
   * (invariant 5), because only credits asked. Deciding by statement keeps a
   * new erasing path from having to remember; writes that only add rows
   * (code issuance) still skip it (test/privacy/unlinkability-on-disk.e2e-spec.ts).
   */
  private checkpoint(): void {
    try {
      this.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // A reader in another process holds the WAL; the next checkpoint catches up.
    }
  }
}

function unavailable(error: unknown): Error {
  const code = (error as { code?: string }).code ?? 'unknown';
  return new ServiceUnavailable(`the database did not accept the transaction (${code})`);
}
