import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { aMailboxId, creditedTo, issueCode, registerMailbox } from '../support/builders';
import { aCamtDocument } from '../support/camt-builder';
import { startTestApp, TEST_SECRET, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { startServiceProcess } from '../support/service-process';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'dist/cli/main.js');

/**
 * The installed `billing` binary (package.json "bin": dist/cli/main.js), built
 * as `npm run build` builds it and run by plain node: no compiler, no
 * @swc-node/register, no tsconfig in its environment.
 */
describe('the billing binary built into dist/', () => {
  let db: TestDatabase;
  let t: TestApp;
  let dir: string;
  const billing = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: db.url,
        DATA_DIR: db.dir,
        SECRET_KEY: TEST_SECRET,
        API_KEYS: 'admin:cli-test-key-000000000000000',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });

  beforeAll(async () => {
    const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/.bin/nest'), 'build'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(build.status, build.stdout + build.stderr).toBe(0);
    db = await createTestDatabase();
    t = await startTestApp({ db });
    dir = mkdtempSync(join(tmpdir(), 'billing-dist-'));
  }, 360_000);
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('lists every command with its arguments and options, and the exit codes, under --help', () => {
    const help = billing('--help');
    expect(help.status).toBe(0);
    for (const line of [
      'camt inspect <file> [--json]',
      'bank import <paths...> [--progress]',
      'fees run [--on <day>]',
      'balances import <csv>',
      'staff add <name> --role <role> [--locale <locale>]',
      'staff disable <name>',
      'staff list',
      'audit verify',
      'tokens rotate',
    ])
      expect(help.stdout).toContain(`  ${line}\n`);
    expect(help.stdout).toMatch(/exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 /);

    const add = billing('staff', 'add', '--help');
    expect(add.status).toBe(0);
    expect(add.stdout).toMatch(/^Usage: billing staff add \[options\] <name>/);
    expect(add.stdout).toMatch(/--role <role> .*\(choices: "staff", "admin"\)/);
    expect(add.stdout).toMatch(/--locale <locale> .*default: "de"/);
    expect(add.stdout).toContain('exit codes:');
    const group = billing('staff', '--help');
    expect(group.stdout).toMatch(/add \[options\] <name>[\s\S]*disable <name>[\s\S]*list/);
  }, 120_000);

  it('refuses an unknown option by name with exit code 2, and does nothing', async () => {
    const id = await registerMailbox(t);
    const file = join(dir, 'refused.xml');
    writeFileSync(file, aCamtDocument([{ ustrd: [await issueCode(t, id)] }]));
    const unknown = billing('bank', 'import', file, '--dry-run');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--dry-run'");
    expect(unknown.stdout).toBe('');
    expect(await creditedTo(t, id)).toBe(0);

    const command = billing('bank', 'imprt', file);
    expect(command.status).toBe(2);
    expect(command.stderr).toMatch(/unknown command 'imprt'/);
    const missing = billing('staff', 'add', 'otto');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--role <role>' not specified/);
    expect(billing('camt', 'inspect', file, 'second.xml').status).toBe(2);
  }, 120_000);

  it('runs every command', async () => {
    const id = await registerMailbox(t);
    const file = join(dir, 'statement.xml');
    writeFileSync(file, aCamtDocument([{ ustrd: [await issueCode(t, id)], amount: '12.00' }]));

    const inspect = billing('camt', 'inspect', file, '--json');
    expect(inspect.stderr).toBe('');
    expect(inspect.status).toBe(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ messageType: 'camt.053' });

    const imported = billing('bank', 'import', file, '--progress');
    expect(imported.status).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ files: 1, credits: { credited: 1 } });
    expect(await creditedTo(t, id)).toBe(1200);

    const fees = billing('fees', 'run', '--on', '2026-12-31');
    expect(fees.status).toBe(0);
    expect(JSON.parse(fees.stdout)).toMatchObject({ day: '2026-12-31' });
    const badDay = billing('fees', 'run', '--on=2026-02-30');
    expect(badDay.status).toBe(1);
    expect(badDay.stderr).toMatch(/--on needs a day/);

    const opening = aMailboxId();
    const csv = join(dir, 'balances.csv');
    writeFileSync(csv, `mailbox_id,amount,currency\n${opening},7.50,EUR\n`);
    const balances = billing('balances', 'import', csv);
    expect(balances.stderr).toBe('');
    expect(balances.status).toBe(0);
    expect(JSON.parse(balances.stdout)).toMatchObject({ mailboxes: 1, totalMinor: 750 });

    const add = billing('staff', 'add', 'anna', '--role', 'admin', '--locale', 'en');
    expect(add.status).toBe(0);
    expect(add.stdout).toMatch(
      /^anna \(admin\): enrol once, within 72 hours, at\n.*\/staff\/enrol#/,
    );
    expect(billing('staff', 'list').stdout).toMatch(
      /^anna\tadmin\ten\tenrolling\tnever signed in$/m,
    );
    const disable = billing('staff', 'disable', 'anna');
    expect(disable.status).toBe(0);
    expect(billing('staff', 'disable', 'nobody').status).toBe(1);
    const audit = billing('audit', 'verify');
    expect(audit.status).toBe(0);
    expect(audit.stdout).toMatch(/^audit verify: 2 records, the chain holds$/m);

    const rotate = billing('tokens', 'rotate');
    expect(rotate.stderr).toBe('');
    expect(rotate.status).toBe(0);
    expect(JSON.parse(rotate.stdout)).toBeTruthy();
  }, 300_000);

  it('serves an upload as the built service: imported on its import thread, credited once', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const service = await startServiceProcess(db, {}, { built: true });
    try {
      const upload = () =>
        fetch(`${service.origin}/v1/bank-statements`, {
          method: 'POST',
          headers: { ...service.auth('importer'), 'content-type': 'application/xml' },
          body: aCamtDocument([
            { ustrd: [`Aufladung ${code}`], amount: '12.00', ref: `DIST-${id}` },
          ]),
        });
      const first = await upload();
      expect(first.status, await first.clone().text()).toBe(201);
      expect((await first.json()).credits).toEqual({ credited: 1, unmatched: 0, duplicate: 0 });
      expect((await (await upload()).json()).credits).toEqual({
        credited: 0,
        unmatched: 0,
        duplicate: 1,
      });
    } finally {
      await service.kill();
    }
    expect(await creditedTo(t, id)).toBe(1200);
  });
});
