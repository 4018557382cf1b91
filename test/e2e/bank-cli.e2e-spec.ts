import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { issueCode, registerMailbox } from '../support/builders';
import { aCamtDocument, AnEntry } from '../support/camt-builder';
import { startTestApp, TEST_SECRET } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const ROOT = resolve(__dirname, '../..');
const CLI = [require.resolve('@swc-node/register'), join(ROOT, 'src/cli/main.ts')];

function cliEnv(db: TestDatabase): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
    DATABASE_URL: db.url,
    DATA_DIR: db.dir,
    SECRET_KEY: TEST_SECRET,
    API_KEYS: 'admin:cli-test-key-000000000000000',
  };
}

function cli(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, ['-r', ...CLI, ...args], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** What a database holds after an import, without the random ids. */
async function snapshot(db: TestDatabase) {
  const app = await startTestApp({ db });
  try {
    const payments = await app.sql(
      'SELECT channel, external_ref, amount_minor, currency, booked_on, settled_on, status, reason, country, payer_name, payer_iban, remittance FROM payment ORDER BY external_ref',
    );
    const ledger = await app.sql(
      'SELECT mailbox, kind, channel, amount_minor, currency, booked_on FROM ledger_entry ORDER BY mailbox, amount_minor',
    );
    const codes = await app.sql('SELECT code_hash, mailbox FROM topup_code ORDER BY code_hash');
    return JSON.stringify({ payments, ledger, codes });
  } finally {
    await app.close();
  }
}

async function copyDatabase(from: TestDatabase): Promise<TestDatabase> {
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

describe('bank import on the command line', () => {
  it('prints the import report and fails with one line per unreadable file', async () => {
    const db = await createTestDatabase();
    const app = await startTestApp({ db });
    try {
      const id = await registerMailbox(app);
      const dir = mkdtempSync(join(tmpdir(), 'billing-cli-'));
      writeFileSync(join(dir, 'a.xml'), aCamtDocument([{ ustrd: [await issueCode(app, id)] }]));
      writeFileSync(join(dir, 'b.xml'), '<nope/>');
      const result = cli(['bank', 'import', dir], cliEnv(db));
      expect(result.status).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({ files: 1, credits: { credited: 1 } });
      expect(result.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^bank import: .*b\.xml: b\.xml:1: /),
      ]);
    } finally {
      await app.close();
      await db.drop();
    }
  });

  it('leaves exactly the state of one clean import after kill -9 at several points and a re-run', async () => {
    const db = await createTestDatabase();
    const app = await startTestApp({ db });
    const entries: AnEntry[] = [];
    for (let i = 0; i < 40; i++)
      entries.push({ ustrd: [`Aufladung ${await issueCode(app, await registerMailbox(app))}`] });
    for (let i = 0; i < 40_000; i++)
      entries.push({ ustrd: [`Rechnung ${i}`], amount: `${(i % 90) + 1}.00` });
    await app.close();
    const file = join(db.dir, 'statement.xml');
    writeFileSync(file, aCamtDocument(entries));

    const clean = await copyDatabase(db);
    try {
      expect(cli(['bank', 'import', file], cliEnv(clean)).status).toBe(0);
      const expected = await snapshot(clean);

      const before = await snapshot(db);
      const killed: number[] = [];
      for (const delay of [900, 1400, 1900, 2400, 2900, 3400]) {
        const child = spawn(process.execPath, ['-r', ...CLI, 'bank', 'import', file], {
          env: cliEnv(db),
          stdio: 'ignore',
        });
        const timer = setTimeout(() => child.kill('SIGKILL'), delay);
        const signal = await new Promise<NodeJS.Signals | null>((done) =>
          child.on('exit', (_code, s) => done(s)),
        );
        clearTimeout(timer);
        const state = await snapshot(db);
        // Whole or nothing: a killed import leaves the database as it was.
        if (signal === 'SIGKILL') {
          expect(state).toBe(before);
          killed.push(delay);
        } else {
          expect(state).toBe(expected);
          break;
        }
      }
      // The import runs for seconds after a start of about one: several kills land inside it.
      expect(killed.length).toBeGreaterThanOrEqual(3);
      expect(cli(['bank', 'import', file], cliEnv(db)).status).toBe(0);
      expect(await snapshot(db)).toBe(expected);
    } finally {
      await clean.drop();
      await db.drop();
    }
  }, 180_000);
});
