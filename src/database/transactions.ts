import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type BetterSqlite3 from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { ServiceUnavailable } from '../common/domain-error';
import { SQLITE_BUSY_TIMEOUT_MS } from './data-source.factory';
import { PostgresRunner } from './postgres-runner';
import { SqliteGroupCommit } from './sqlite-group-commit';
import { SqliteReader } from './sqlite-reader';
import { FileIdentity } from './file-identity';
import { RetryTransaction, RunOptions, Work } from './tx';
import { WriterTurn, writerTurnOfThisThread } from './writer-turn';

const MAX_ATTEMPTS = 3;

/** PostgreSQL's serialization failure and deadlock, or a lost race: safe to run again. */
function isRetryable(error: unknown): boolean {
  if (error instanceof RetryTransaction) return true;
  const code = (error as { driverError?: { code?: string } }).driverError?.code;
  return code === '40001' || code === '40P01';
}

/**
 * Runs each use case in one database transaction (STYLE.md, rule 8): writes
 * through `run` (on SQLite the group commit of the one writer, on PostgreSQL a
 * pooled session each), reads through `read` (on SQLite a connection of their
 * own that never waits for the writer; a read-only transaction on PostgreSQL).
 */
@Injectable()
export class Transactions implements OnApplicationShutdown {
  private closed = false;
  private readonly postgres: PostgresRunner;
  private readonly writer: SqliteGroupCommit;
  private reader?: SqliteReader;
  /** The SQLite file as the writer opened it: reads and writes both refuse another. */
  private readonly file = new FileIdentity();
  /** SQLite's write lock as shared with this process's bank import thread. */
  readonly turn: WriterTurn = writerTurnOfThisThread();

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.postgres = new PostgresRunner(dataSource);
    this.writer = new SqliteGroupCommit(() => this.sqlite, this.file, this.turn);
    if (this.dialect === 'sqlite' && dataSource.isInitialized) this.writer.open();
  }

  get dialect(): 'sqlite' | 'postgres' {
    return this.dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  /**
   * Units waiting for the SQLite writer, a waiting import thread (or its
   * parent) counted as one; always 0 on PostgreSQL, where each has its own session.
   */
  get queueDepth(): number {
    return this.writer.depth;
  }

  /** Whether the database answers a statement (health); a read, so an import does not hold it up. */
  async ping(): Promise<void> {
    await this.read((tx) => tx.query('SELECT 1 AS ok'));
  }

  async run<T>(work: Work<T>, options: RunOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.closed) throw new ServiceUnavailable('the database is closed');
        return await (this.dialect === 'postgres'
          ? this.postgres.run(work)
          : this.writer.run(work, options.alone ?? false));
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
      }
    }
  }

  /**
   * A unit that only reads, on a snapshot of the last commit: it takes no
   * lock and waits for no writer. It must not write (SQLite refuses:
   * query_only; PostgreSQL: READ ONLY) and sees nothing of a write still in flight.
   */
  read<T>(work: Work<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ServiceUnavailable('the database is closed'));
    if (this.dialect === 'postgres') return this.postgres.run(work, 'read');
    // The writer's connection gone, or the file it wrote removed or replaced:
    // a read of what is left would answer for data no write can reach.
    if (!this.dataSource.isInitialized)
      return Promise.reject(new ServiceUnavailable('the database is closed'));
    const db = this.sqlite;
    if (!this.file.same(db))
      return Promise.reject(new ServiceUnavailable('the database file was removed or replaced'));
    // An in-memory database has one connection: its reads join the writer's queue.
    if (db.memory) return this.writer.run(work, false);
    this.reader ??= new SqliteReader(db.name, SQLITE_BUSY_TIMEOUT_MS);
    return this.reader.run(work);
  }

  onApplicationShutdown(): void {
    this.closed = true;
    this.reader?.close();
  }

  private get sqlite(): BetterSqlite3.Database {
    return (this.dataSource.driver as unknown as { databaseConnection: BetterSqlite3.Database })
      .databaseConnection;
  }
}
