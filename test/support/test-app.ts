import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import supertest from 'supertest';
import { createApp } from '../../src/app.factory';
import { Clock } from '../../src/common/clock';
import { addDays, Day, dayOf } from '../../src/common/day';
import { createLogger } from '../../src/common/logger';
import { AppConfig, buildConfig, parseEnv } from '../../src/config/app-config';
import { Role, ROLES } from '../../src/config/config.schema';
import { Transactions } from '../../src/database/transactions';
import { createTestDatabase, TestDatabase } from './test-database';

/** A clock the test moves by hand; it starts on the real today. */
export class TestClock extends Clock {
  private day: Day = dayOf(new Date());
  override today(): Day {
    return this.day;
  }
  set(day: Day): void {
    this.day = day;
  }
  advance(days: number): void {
    this.day = addDays(this.day, days);
  }
}

export interface TestApp {
  app: NestFastifyApplication;
  http: ReturnType<typeof supertest>;
  config: AppConfig;
  keys: Record<Role, string>;
  /** Every log line the app wrote, raw. */
  logs: string[];
  clock: TestClock;
  db: TestDatabase;
  /** Runs SQL against the app's database, for asserting rows. */
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  auth(role: Role): { authorization: string };
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Reuse a database (a second instance, a restart). */
  db?: TestDatabase;
  secretKey?: string;
  logLevel?: string;
  /** Run the service's own jobs on their schedule (default: off, tests drive them by hand). */
  schedule?: boolean;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  const keys = Object.fromEntries(
    ROLES.map((role) => [role, `${role}-${randomBytes(16).toString('hex')}`]),
  ) as Record<Role, string>;
  const config = buildConfig(
    parseEnv({
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      DATA_DIR: db.dir,
      SECRET_KEY: options.secretKey ?? TEST_SECRET,
      API_KEYS: ROLES.map((role) => `${role}:${keys[role]}`).join(','),
      LOG_LEVEL: options.logLevel ?? 'info',
      // The mutation run imports on this thread, where Stryker sees mutants (vitest.mutation.config.mts).
      ...(process.env.BANK_IMPORT_THREAD && { BANK_IMPORT_THREAD: process.env.BANK_IMPORT_THREAD }),
      ...options.env,
    }),
  );
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const clock = new TestClock();
  const app = await createApp({
    config,
    logger: createLogger(config.logLevel, sink),
    schedule: options.schedule ?? false,
    overrides: [{ provide: Clock, useValue: clock }],
  });
  const transactions = app.get(Transactions);
  return {
    app,
    http: supertest(app.getHttpServer()),
    config,
    keys,
    logs,
    clock,
    db,
    sql: (query, params = []) => transactions.run((tx) => tx.query(query, params)),
    auth: (role) => ({ authorization: `Bearer ${keys[role]}` }),
    close: async () => {
      await app.close();
      if (!options.db) await db.drop();
    },
  };
}

/** One secret for all tests that share a database (a restart must keep codes valid). */
export const TEST_SECRET = randomBytes(32).toString('hex');
