import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
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
    if (database.path !== ':memory:') ownerOnly(database.path);
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

/**
 * The database file and its -wal and -shm are readable by the service's user
 * alone: they hold payer names, IBANs and keyed hashes. SQLite creates the
 * -wal and -shm with the database file's mode, so the file is made first;
 * files left by an earlier start with a wider mode are narrowed.
 */
function ownerOnly(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
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
