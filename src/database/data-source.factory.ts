import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource } from 'typeorm';
import { DatabaseConfig } from '../config/app-config';
import { MIGRATIONS } from './migrations';

/** SQLite pragmas that the privacy and durability promises rest on (DESIGN.md). */
export const SQLITE_PRAGMAS = {
  secure_delete: 'ON',
  synchronous: 'FULL',
  // Journals of savepoints and statements in memory, never in a temporary file.
  // Each unit of a group runs in a savepoint, and SQLite copies every page the
  // unit changes, as it was, into that journal; past 64 KiB it spills to an
  // unlinked file in /var/tmp. A bank import's journal then held every code hash
  // it redeemed, outside the data folder, where secure_delete and the WAL
  // checkpoint never reach and the freed blocks keep them
  // (test/privacy/unlinkability-on-disk.e2e-spec.ts). The price is memory: at
  // most one copy of each page that existed before the unit and that it changes.
  temp_store: 'MEMORY',
} as const;

export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** PostgreSQL advisory lock ids, one per job that must run on one instance at a time. */
export const MIGRATION_LOCK = 7_220_001;

export function createDataSource(database: DatabaseConfig): DataSource {
  if (database.type === 'sqlite') {
    if (database.path !== ':memory:') mkdirSync(dirname(database.path), { recursive: true });
    return new DataSource({
      type: 'better-sqlite3',
      database: database.path,
      enableWAL: true,
      timeout: SQLITE_BUSY_TIMEOUT_MS,
      prepareDatabase: (db: { pragma(source: string): unknown }) => {
        for (const [name, value] of Object.entries(SQLITE_PRAGMAS)) db.pragma(`${name} = ${value}`);
      },
      migrations: MIGRATIONS,
      migrationsRun: false,
      synchronize: false,
      logging: false,
    });
  }
  return new DataSource({
    type: 'postgres',
    url: database.url,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: { max: 10 },
  });
}

/** Connects and brings the schema up to date; committed migrations are the only way in. */
export async function openDatabase(database: DatabaseConfig): Promise<DataSource> {
  const dataSource = createDataSource(database);
  await dataSource.initialize();
  if (database.type === 'sqlite') {
    await dataSource.runMigrations({ transaction: 'all' });
    // A migration that rewrote rows (settlement's re-laying of the ledger)
    // leaves the old pages in the WAL until a checkpoint: take it now.
    await dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)');
    return dataSource;
  }
  // Instances starting together must not run the same migration twice.
  const lock = dataSource.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'all' });
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  } finally {
    await lock.release();
  }
  return dataSource;
}
