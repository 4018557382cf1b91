import type BetterSqlite3 from 'better-sqlite3';
import { ServiceUnavailable } from '../common/domain-error';
import { FileIdentity } from './file-identity';
import { SqliteStatements } from './sqlite-statements';
import { runHooks, Work } from './tx';
import { unavailable } from './unavailable';
import { WriterTurn } from './writer-turn';

interface Queued {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  alone: boolean;
}

type Outcome = { ok: true; value: unknown; hooks: (() => void)[] } | { ok: false; error: unknown };

/**
 * SQLite's one writer, shared by group commit. Units are queued and run one
 * after another on the one connection; the units that queued up while a commit
 * was in flight share the next transaction, each inside its own savepoint (a
 * unit alone needs none). A failing unit rolls back to its savepoint and fails
 * alone; the others commit together with one fsync: durability
 * (synchronous=FULL) without one fsync per request. Callers learn of success
 * only after the shared COMMIT returned. The queue is first come, first served:
 * a long job that enqueues its slices one by one lets every unit that arrived
 * in between go first.
 */
export class SqliteGroupCommit {
  static readonly MAX_GROUP = 256;
  private readonly queue: Queued[] = [];
  private draining = false;
  private statements?: SqliteStatements;
  constructor(
    private readonly connection: () => BetterSqlite3.Database,
    private readonly file: FileIdentity,
    /** The write lock shared with an import thread of this process (writer-turn.ts). */
    private readonly turn: WriterTurn,
  ) {}

  /** Units waiting for the writer, the other thread's counted as one. */
  get depth(): number {
    return this.queue.length + (this.turn.otherWaits ? 1 : 0);
  }

  /** Remembers the file as opened now (see FileIdentity). */
  open(): void {
    this.file.same(this.connection());
  }

  run<T>(work: Work<T>, alone: boolean): Promise<T> {
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

  private get db(): BetterSqlite3.Database {
    const db = this.connection();
    if (this.statements?.db !== db) this.statements = new SqliteStatements(db);
    return db;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        await this.turn.acquire();
        try {
          // Taken after the turn came: the units that queued meanwhile share it.
          await this.runGroup(this.queue.splice(0, this.groupSize()));
        } finally {
          this.turn.release();
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** The next group: a unit that wants to be alone, or the units up to the next such one. */
  private groupSize(): number {
    if (this.queue[0].alone) return 1;
    const next = this.queue.findIndex((unit) => unit.alone);
    return Math.min(next < 0 ? this.queue.length : next, SqliteGroupCommit.MAX_GROUP);
  }

  private async runGroup(group: Queued[]): Promise<void> {
    const db = this.db;
    let erased = false;
    const onErase = () => (erased = true);
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
    // walks the savepoint's journal from its start. Savepoint journals stay in
    // memory (temp_store).
    const savepoints = group.length > 1;
    const outcomes: Outcome[] = [];
    for (const unit of group) {
      if (savepoints) db.exec('SAVEPOINT unit');
      const hooks: (() => void)[] = [];
      try {
        const value = await unit.work(this.statements!.tx(onErase, hooks));
        if (savepoints) db.exec('RELEASE unit');
        outcomes.push({ ok: true, value, hooks });
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
    if (!savepoints && !lone.ok) return this.abort(db, group, lone.error);
    if (!this.file.same(db)) {
      return this.abort(
        db,
        group,
        new ServiceUnavailable('the database file was removed or replaced'),
      );
    }
    try {
      db.exec('COMMIT');
    } catch (error) {
      return this.abort(db, group, unavailable(error));
    }
    if (erased) this.checkpoint(db);
    group.forEach((unit, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) {
        runHooks(outcome.hooks);
        unit.resolve(outcome.value);
      } else unit.reject(outcome.error);
    });
  }

  private abort(db: BetterSqlite3.Database, group: Queued[], error: unknown): void {
    try {
      if (db.inTransaction) db.exec('ROLLBACK');
    } catch {
      // nothing left to undo
    }
    for (const unit of group) unit.reject(error);
  }

  /**
   * Moves committed pages into the database file and truncates the WAL, so that
   * a redeemed code's hash does not linger in old WAL frames (invariant 3).
   * With secure_delete the freed cells in the main file are zeroed.
   *
   * It runs after every commit that changed rows by an UPDATE or DELETE: until
   * the checkpoint, the main file still holds each page as it was before the
   * change (a refunded payment's payer name and IBAN, invariant 5). Deciding by
   * statement keeps a new erasing path from having to remember; writes that
   * only add rows (code issuance) skip it (test/privacy/unlinkability-on-disk).
   */
  private checkpoint(db: BetterSqlite3.Database): void {
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // A reader in another process holds the WAL; the next checkpoint catches up.
    }
  }
}
