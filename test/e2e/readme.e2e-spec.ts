import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { envSchema } from '../../src/config/config.schema';
import { createTestDatabase, onPostgres, TestDatabase } from '../support/test-database';

const ROOT = resolve(__dirname, '../..');
const SKIP = /^<!-- readme-test: skip: (.+?) -->$/;

interface Block {
  /** Line of the opening fence, 1-based. */
  line: number;
  text: string;
  /** Why the block is not run here, when it is marked so. */
  skip?: string;
}

/** The shell blocks of the README as it is now, each with the marker above it, if any. */
function shellBlocks(readme: string): Block[] {
  const lines = readme.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i])) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    let above = i - 1;
    while (above >= 0 && lines[above].trim() === '') above--;
    blocks.push({
      line: i + 1,
      text: lines.slice(i + 1, end).join('\n'),
      skip: SKIP.exec(lines[above]?.trim() ?? '')?.[1],
    });
    i = end;
  }
  return blocks;
}

/** `"key":"value"` pairs of the answers shown in `# {…}` comments, less what differs per run. */
function shownAnswers(block: string): string[] {
  return block
    .split('\n')
    .filter((line) => /^#\s*\{/.test(line.trim()))
    .flatMap((line) => [...line.matchAll(/"(\w+)":"([^"]*)"/g)])
    .filter(([, , value]) => !/…|\d{4}-\d{2}-\d{2}|^[0-9A-Z]{4}-/.test(value))
    .map(([pair]) => pair);
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

const BLOCK_TIMEOUT_MS = 150_000;

/**
 * One block in its own bash, in a process group of its own: at the timeout the
 * whole group is killed, so no command it started outlives the test.
 */
function runBlock(
  text: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const script = [
    'set -euo pipefail',
    'curl() { command curl --silent --show-error --fail-with-body "$@"; }',
    text,
  ].join('\n');
  const child = spawn('bash', ['-c', script], { cwd, env, detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), BLOCK_TIMEOUT_MS);
  return new Promise((done) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr: status === null ? `${stderr}\n(timed out)` : stderr });
    }),
  );
}

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = shellBlocks(readme);

/**
 * The README is the front door: every shell block in it runs, verbatim and in
 * order, against the service started as `npm start` starts it, in a copy of the
 * clone with no data folder (its files linked, node_modules as installed).
 * Each block runs in its own bash with -euo pipefail and a curl that fails on
 * an error answer, so a refused request fails the block; answers the README
 * shows in `# {…}` comments must come back.
 */
describe('the README, as written', () => {
  let clone: string;
  let db: TestDatabase | undefined;
  let service: ChildProcess;
  let port: number;
  let env: Record<string, string>;
  let serviceOutput = '';

  beforeAll(async () => {
    clone = mkdtempSync(join(tmpdir(), 'billing-readme-'));
    // Copies of the clone's files, so that no block can change the work tree; node_modules
    // holds a link per package: `rm -rf node_modules` (npm ci) removes links, not packages.
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    for (const file of files.split('\n').filter(Boolean)) {
      if (!existsSync(join(ROOT, file))) continue;
      mkdirSync(dirname(join(clone, file)), { recursive: true });
      copyFileSync(join(ROOT, file), join(clone, file));
    }
    mkdirSync(join(clone, 'node_modules'));
    for (const name of readdirSync(join(ROOT, 'node_modules')))
      symlinkSync(join(ROOT, 'node_modules', name), join(clone, 'node_modules', name));

    port = await freePort();
    db = onPostgres ? await createTestDatabase() : undefined;
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? clone,
      PORT: String(port),
      ...(db ? { DATABASE_URL: db.url } : {}),
    };
    service = spawn(
      process.execPath,
      ['-r', require.resolve('@swc-node/register'), 'src/main.ts'],
      {
        cwd: clone,
        env: { ...env, SWC_NODE_PROJECT: join(clone, 'tsconfig.json') },
      },
    );
    service.stdout?.on('data', (d: Buffer) => (serviceOutput += d.toString()));
    service.stderr?.on('data', (d: Buffer) => (serviceOutput += d.toString()));
    for (let i = 0; i < 600; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (service.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the service did not start:\n${serviceOutput}`);
  }, 120_000);

  afterAll(async () => {
    if (service && service.exitCode === null) {
      const exited = new Promise((done) => service.once('exit', done));
      service.kill('SIGTERM');
      await exited;
    }
    await db?.drop();
    if (clone) rmSync(clone, { recursive: true, force: true });
  });

  it('has shell blocks to run, and a reason beside each one it does not run', () => {
    expect(blocks.filter((b) => !b.skip).length).toBeGreaterThanOrEqual(3);
    for (const block of blocks.filter((b) => b.skip)) {
      expect(block.skip!.length, `README.md:${block.line}`).toBeGreaterThan(10);
      console.info(`README.md:${block.line} not run: ${block.skip}`);
    }
  });

  for (const block of blocks.filter((b) => !b.skip)) {
    it(`runs the block at README.md:${block.line}`, async () => {
      const run = await runBlock(block.text, clone, env);
      const output = `${run.stdout}\n${run.stderr}`;
      expect(run.status, `README.md:${block.line} failed:\n${output}`).toBe(0);
      for (const pair of shownAnswers(block.text)) {
        expect(run.stdout, `README.md:${block.line} shows ${pair}`).toContain(pair);
      }
    }, 180_000);
  }

  it('lists every variable the service reads, as .env.example does', () => {
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Routes'));
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const names = Object.keys(envSchema.shape);
    expect(names.filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
    expect(names.filter((name) => !new RegExp(`^# ${name}=`, 'm').test(example))).toEqual([]);
  });

  it('lists every route the service serves', async () => {
    const doc = (await (await fetch(`http://127.0.0.1:${port}/docs-json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const shape = (path: string) => path.replace(/\{\w+\}/g, '{}').replace(/\?.*$/, '');
    const listed = new Set(
      [...readme.matchAll(/^\| `(GET|PUT|POST|DELETE) ([^`]+)`/gm)].map(
        ([, method, path]) => `${method} ${shape(path)}`,
      ),
    );
    const served = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${shape(path)}`),
    );
    expect(served.filter((route) => !listed.has(route))).toEqual([]);
  });

  it('ignores no file the repository tracks (docs/ included)', () => {
    const ignored = execFileSync(
      'git',
      ['ls-files', '--cached', '--ignored', '--exclude-standard'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(ignored.trim()).toBe('');
    expect(execFileSync('git', ['ls-files', 'docs'], { cwd: ROOT, encoding: 'utf8' })).toContain(
      'docs/decisions/',
    );
  });
});
