import { copyFileSync } from 'node:fs';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from './test-database';

/** A new test database holding what `from` holds; `from` must be idle (no process on it). */
export async function copyDatabase(from: TestDatabase): Promise<TestDatabase> {
  const to = await createTestDatabase();
  if (from.dialect === 'sqlite') {
    copyFileSync(
      new URL(`file://${from.url.slice('sqlite:'.length)}`).pathname,
      to.url.slice('sqlite:'.length),
    );
    return to;
  }
  const admin = new Client({ connectionString: to.url });
  await admin.connect();
  const name = (url: string) => new URL(url).pathname.slice(1);
  await admin.query(`DROP SCHEMA public CASCADE`);
  await admin.end();
  // A template copy needs the source to be idle, which it is between runs.
  const server = new Client({ connectionString: from.url.replace(/\/[^/]+$/, '/postgres') });
  await server.connect();
  await server.query(`DROP DATABASE ${name(to.url)}`);
  await server.query(`CREATE DATABASE ${name(to.url)} TEMPLATE ${name(from.url)}`);
  await server.end();
  return to;
}
