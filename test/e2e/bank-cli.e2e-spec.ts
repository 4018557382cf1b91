import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { issueCode, registerMailbox } from '../support/builders';
import { aCamtDocument, AnEntry } from '../support/camt-builder';
import { faultSeed, placePoint, seededRandom, spreadPoints } from '../support/fault-points';
import { startTestApp, TEST_SECRET } from '../support/test-app';
import { copyDatabase } from '../support/database-copy';
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
    // Parts of 500 entries: the 3,040 of the fault test are written in seven.
    BANK_IMPORT_PART_ENTRIES: '500',
  };
}

const KILLS = 20;
const SEED = faultSeed();

/**
 * Runs `bank import --progress` and notes when each progress line came (ms
 * from the start); with `kill`, sends SIGKILL `delayMs` after the start of
 * segment `index` (0: the start, i: the i-th line).
 */
async function watchedImport(
  file: string,
  env: NodeJS.ProcessEnv,
  kill?: { index: number; delayMs: number },
): Promise<{
  lines: number[];
  exitMs: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}> {
  const started = Date.now();
  const child = spawn(process.execPath, ['-r', ...CLI, 'bank', 'import', file, '--progress'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (kill && lines.length === kill.index)
      timer = setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
  };
  arm();
  let rest = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const text = rest + chunk.toString();
    const complete = text.split('\n');
    rest = complete.pop() ?? '';
    for (const line of complete) {
      if (!/: \d+ transactions$/.test(line)) continue;
      lines.push(Date.now() - started);
      arm();
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) =>
    child.on('exit', (c, s) => done([c, s])),
  );
  clearTimeout(timer);
  return { lines, exitMs: Date.now() - started, code, signal };
}

function cli(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, ['-r', ...CLI, ...args], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

interface State {
  payments: string[];
  ledger: string[];
  codes: string[];
  /** A digest keeps a failure's message short; the rows are what it covers. */
  digest: string;
}

/** What a database holds after an import, without the random ids. */
async function snapshot(db: TestDatabase): Promise<State> {
  const app = await startTestApp({ db });
  try {
    const rows = async (sql: string) => (await app.sql(sql)).map((row) => JSON.stringify(row));
    const payments = await rows(
      'SELECT channel, external_ref, amount_minor, currency, booked_on, settled_on, status, reason, country, payer_name, payer_iban, remittance FROM payment ORDER BY external_ref',
    );
    const ledger = await rows(
      'SELECT mailbox, kind, channel, amount_minor, currency, booked_on FROM ledger_entry ORDER BY mailbox, amount_minor',
    );
    const codes = await rows('SELECT code_hash, mailbox FROM topup_code ORDER BY code_hash');
    const digest = `${payments.length} payments, ${ledger.length} credits, ${codes.length} open codes, ${createHash(
      'sha256',
    )
      .update(JSON.stringify({ payments, ledger, codes }))
      .digest('hex')}`;
    return { payments, ledger, codes, digest };
  } finally {
    await app.close();
  }
}

/** True when every row of `part` is one of `whole`'s (as multisets). */
function within(part: readonly string[], whole: readonly string[]): boolean {
  const left = new Map<string, number>();
  for (const row of whole) left.set(row, (left.get(row) ?? 0) + 1);
  return part.every((row) => {
    const n = left.get(row) ?? 0;
    left.set(row, n - 1);
    return n > 0;
  });
}

/**
 * A state that some parts of the clean import, each whole, lead to: only rows
 * the clean import writes, one credit and one spent code per credited payment.
 */
function partOf(state: State, before: State, expected: State): boolean {
  const credited = state.payments.filter((row) => row.includes('"status":"credited"')).length;
  return (
    within(state.payments, expected.payments) &&
    within(state.ledger, expected.ledger) &&
    within(expected.codes, state.codes) &&
    within(state.codes, before.codes) &&
    state.ledger.length === credited &&
    before.codes.length - state.codes.length === credited
  );
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

  it(`leaves exactly the state of one clean import after kill -9 at ${KILLS} seeded points (FAULT_SEED=${SEED}) and a re-run`, async () => {
    const db = await createTestDatabase();
    const app = await startTestApp({ db });
    const entries: AnEntry[] = [];
    for (let i = 0; i < 40; i++)
      entries.push({ ustrd: [`Aufladung ${await issueCode(app, await registerMailbox(app))}`] });
    // Big enough for a few progress lines (one per 1,000), small enough for 20 runs.
    for (let i = 0; i < 3000; i++)
      entries.push({ ustrd: [`Rechnung ${i}`], amount: `${(i % 90) + 1}.00` });
    await app.close();
    const file = join(db.dir, 'statement.xml');
    writeFileSync(file, aCamtDocument(entries));

    const clean = await copyDatabase(db);
    try {
      const run = await watchedImport(file, cliEnv(clean));
      expect(run.code).toBe(0);
      const expected = await snapshot(clean);
      // Segments between what the import prints: start to the first progress line
      // (start-up, then the first 1,000; twice the weight), one per 1,000 more,
      // the last line to the end of the process (commit, shutdown).
      const moments = [0, ...run.lines, run.exitMs];
      const segments = run.lines.map((_, i) => ({
        weight: i === 0 ? 2 : 1,
        cleanMs: moments[i + 1] - moments[i],
      }));
      segments.push({ weight: 1, cleanMs: run.exitMs - run.lines[run.lines.length - 1] });

      const before = await snapshot(db);
      expect(before.digest).not.toBe(expected.digest);
      const random = seededRandom(SEED);
      const outcomes: string[] = [];
      for (const point of spreadPoints(KILLS, random)) {
        const at = placePoint(point, segments);
        const where = `FAULT_SEED=${SEED}, segment ${at.index} + ${at.delayMs} ms`;
        const killed = await watchedImport(file, cliEnv(db), at);
        const state = await snapshot(db);
        // Written in parts, each whole: what a kill leaves is some of the
        // clean import's parts, never half of one; a process that ended
        // before the signal ended well.
        expect(partOf(state, before, expected), where).toBe(true);
        if (killed.signal !== 'SIGKILL') {
          expect(killed.code, where).toBe(0);
          expect(state.digest, where).toBe(expected.digest);
        }
        const kept =
          state.digest === before.digest
            ? 'nothing'
            : state.digest === expected.digest
              ? 'whole'
              : 'parts';
        outcomes.push(`${at.index}:${kept}`);
      }
      // Each run took up where the last was killed (its parts were found
      // duplicates); some kills must have left parts: the import is written in
      // parts and the kills hit it, not only its start or its end.
      expect(
        outcomes.filter((o) => o.endsWith('parts')).length,
        outcomes.join(' '),
      ).toBeGreaterThan(0);
      // Spread over the whole run: from the start-up to the last line and past it.
      expect(new Set(outcomes.map((o) => o.split(':')[0])).size, outcomes.join(' ')).toBe(
        segments.length,
      );
      expect(cli(['bank', 'import', file], cliEnv(db)).status).toBe(0);
      expect((await snapshot(db)).digest).toBe(expected.digest);
    } finally {
      await clean.drop();
      await db.drop();
    }
  }, 600_000);
});
