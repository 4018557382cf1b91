import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import { ROLES, Role } from '../../src/config/config.schema';
import { TEST_SECRET } from './test-app';
import { TestDatabase } from './test-database';

const ROOT = resolve(__dirname, '../..');

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** The real service (src/main.ts, or the built dist/main.js) in a child process. */
export interface ServiceProcess {
  child: ChildProcess;
  origin: string;
  auth(role: Role): { authorization: string };
  /** Resolves when the process has ended: its exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, then waits for the end. */
  kill(): Promise<void>;
}

/**
 * Starts the service on `db` with the tests' secret (codes issued by a test app
 * stay valid) and waits until /health answers 200.
 */
export async function startServiceProcess(
  db: TestDatabase,
  env: Record<string, string> = {},
  options: { waitUntilReady?: boolean; built?: boolean } = {},
): Promise<ServiceProcess> {
  const port = await freePort();
  const keys = Object.fromEntries(
    ROLES.map((role) => [role, `${role}-${randomBytes(16).toString('hex')}`]),
  ) as Record<Role, string>;
  const child = spawn(
    process.execPath,
    // built: dist/main.js as `npm start` runs it, with no compiler in the process.
    options.built
      ? [join(ROOT, 'dist/main.js')]
      : ['-r', require.resolve('@swc-node/register'), join(ROOT, 'src/main.ts')],
    {
      cwd: db.dir,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env.PATH ?? '',
        SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        NODE_ENV: 'production',
        PORT: String(port),
        DATABASE_URL: db.url,
        DATA_DIR: db.dir,
        SECRET_KEY: TEST_SECRET,
        API_KEYS: ROLES.map((role) => `${role}:${keys[role]}`).join(','),
        LOG_LEVEL: 'warn',
        // Production turns four eyes on, which refuses POST /v1/cash-batches to every
        // caller; these tests drive that route's transaction, which a confirmed draft
        // also runs (test/console covers the four-eyes path).
        CASH_FOUR_EYES: 'false',
        ...env,
      },
    },
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  const origin = `http://127.0.0.1:${port}`;
  const service: ServiceProcess = {
    child,
    origin,
    auth: (role) => ({ authorization: `Bearer ${keys[role]}` }),
    exited,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
  if (options.waitUntilReady === false) return service;
  let ended = false;
  void exited.then(() => (ended = true));
  for (let i = 0; i < 300 && !ended; i++) {
    try {
      if ((await fetch(`${origin}/health`)).ok) return service;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await service.kill();
  throw new Error('the service did not start');
}

/**
 * Tells, from outside the service, whether a write transaction is open in
 * the database: on SQLite another connection cannot take the write lock; on
 * PostgreSQL a backend of the database other than ours is inside a transaction
 * (with `writing`, one that has written: it holds a transaction id).
 */
export interface TransactionProbe {
  open(): Promise<boolean>;
  close(): Promise<void>;
}

export async function transactionProbe(
  db: TestDatabase,
  options: { writing?: boolean } = {},
): Promise<TransactionProbe> {
  if (db.dialect === 'sqlite') {
    const sqlite = new BetterSqlite3(db.url.slice('sqlite:'.length), { timeout: 0 });
    return {
      open: async () => {
        try {
          sqlite.exec('BEGIN IMMEDIATE');
        } catch (error) {
          if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
          throw error;
        }
        sqlite.exec('ROLLBACK');
        return false;
      },
      close: async () => void sqlite.close(),
    };
  }
  const client = new Client({ connectionString: db.url });
  await client.connect();
  const name = new URL(db.url).pathname.slice(1);
  return {
    open: async () => {
      const { rows } = await client.query(
        `SELECT 1 FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
            AND state IN ('active', 'idle in transaction') AND query NOT LIKE 'SELECT 1%'
            ${options.writing ? 'AND backend_xid IS NOT NULL' : ''}`,
        [name],
      );
      return rows.length > 0;
    },
    close: () => client.end(),
  };
}

/** Polls until a transaction is open, or `timeoutMs` passed (false). */
export async function untilTransactionOpen(
  probe: TransactionProbe,
  timeoutMs: number,
): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await probe.open()) return true;
    await new Promise((r) => setTimeout(r, 2));
  }
  return false;
}
