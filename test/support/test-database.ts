import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * The database a test runs on: a fresh SQLite file by default, or a scratch
 * PostgreSQL database when DATABASE_URL points at a server (as .ci/run does).
 */
export interface TestDatabase {
  url: string;
  dialect: 'sqlite' | 'postgres';
  /** The folder of the SQLite file (also the data folder of the test). */
  dir: string;
  drop(): Promise<void>;
}

export const onPostgres = (process.env.DATABASE_URL ?? '').startsWith('postgres');

export async function createTestDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'billing-test-'));
  if (!onPostgres) {
    return {
      url: `sqlite:${join(dir, 'billing.sqlite')}`,
      dialect: 'sqlite',
      dir,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const base = new URL(process.env.DATABASE_URL!);
  const name = `billing_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dialect: 'postgres',
    dir,
    drop: async () => {
      const client = new Client({ connectionString: base.toString() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
