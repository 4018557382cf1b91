import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
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
    // A digest keeps a failure's message short; the rows are what it covers.
    return `${payments.length} payments, ${ledger.length} credits, ${codes.length} open codes, ${createHash(
      'sha256',
    )
      .update(JSON.stringify({ payments, ledger, codes }))
      .digest('hex')}`;
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
      // Kill when the import has read this many transactions: inside its transaction.
      for (const after of [1000, 8000, 16000, 24000, 32000, 39000]) {
        const child = spawn(
          process.execPath,
          ['-r', ...CLI, 'bank', 'import', file, '--progress'],
          {
            env: cliEnv(db),
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        child.stderr.on('data', (chunk: Buffer) => {
          const counts = [...chunk.toString().matchAll(/: (\d+) transactions/g)].map((m) =>
            Number(m[1]),
          );
          if (counts.some((n) => n >= after)) child.kill('SIGKILL');
        });
        const signal = await new Promise<NodeJS.Signals | null>((done) =>
          child.on('exit', (_code, s) => done(s)),
        );
        expect(signal).toBe('SIGKILL');
        // Whole or nothing: killed inside its transaction, the import left nothing.
        expect(await snapshot(db)).toBe(before);
        killed.push(after);
      }
      expect(killed).toHaveLength(6);
      expect(cli(['bank', 'import', file], cliEnv(db)).status).toBe(0);
      expect(await snapshot(db)).toBe(expected);
    } finally {
      await clean.drop();
      await db.drop();
    }
  }, 180_000);
});
