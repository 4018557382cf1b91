import { spawn } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/**
 * Runs src/main.ts as `npm start` would, with exactly this environment; once
 * `untilOutput` shows, `whileRunning` looks at the running service, then it is stopped.
 */
function runMain(
  env: Record<string, string>,
  cwd: string,
  untilOutput?: RegExp,
  whileRunning: () => unknown = () => undefined,
) {
  const child = spawn(
    process.execPath,
    ['-r', require.resolve('@swc-node/register'), join(ROOT, 'src/main.ts')],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        NODE_PATH: join(ROOT, 'node_modules'),
        ...env,
      },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let seen: unknown;
  return new Promise<{ code: number | null; stdout: string; stderr: string; seen: unknown }>(
    (done) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      if (untilOutput) {
        const watch = async () => {
          if (!untilOutput.test(stdout)) return;
          child.stdout.off('data', watch);
          seen = await whileRunning();
          child.kill('SIGTERM');
        };
        child.stdout.on('data', watch);
      }
      child.on('exit', (code) => {
        clearTimeout(timer);
        done({ code, stdout, stderr, seen });
      });
    },
  );
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => done(port));
    });
  });
}

describe('start-up', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'billing-start-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const production = {
    NODE_ENV: 'production',
    DATABASE_URL: 'sqlite:./data/billing.sqlite',
    API_KEYS: 'webmail:aaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    SECRET_KEY: 'ab'.repeat(32),
  };

  it.each([
    ['SECRET_KEY', { SECRET_KEY: '' }, /SECRET_KEY is missing/],
    [
      'SECRET_KEY',
      { SECRET_KEY: 'abcd'.repeat(4) },
      /SECRET_KEY: must hold at least 32 random bytes/,
    ],
    ['API_KEYS', { API_KEYS: '' }, /API_KEYS is missing/],
    [
      'API_KEYS',
      { API_KEYS: 'root:abcdefabcdefabcdefabcdefabcdef' },
      /API_KEYS: each entry is role:key/,
    ],
  ])(
    'stops a production start without a good %s, in one line naming it',
    async (_name, change, message) => {
      const result = await runMain({ ...production, ...change }, dir);
      expect(result.code).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(result.stderr).not.toContain('abcd'.repeat(4));
      expect(result.stdout).toBe('');
    },
  );

  it('starts in development with no configuration: generates and prints keys once, keeps them in ./data', async () => {
    const port = String(await freePort());
    const first = await runMain({ PORT: port }, dir, /billing service listening/);
    expect(first.stdout).toMatch(/Generated API keys/);
    const keys = readFileSync(join(dir, 'data/api-keys'), 'utf8');
    for (const role of ['webmail', 'staff', 'importer', 'admin'])
      expect(keys).toMatch(new RegExp(`^${role}:\\S{24,}$`, 'm'));
    expect(statSync(join(dir, 'data/secret.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'data/billing.sqlite')).isFile()).toBe(true);
    const secret = readFileSync(join(dir, 'data/secret.key'), 'utf8');

    const second = await runMain({ PORT: port }, dir, /billing service listening/);
    expect(second.stdout).not.toMatch(/Generated API keys/);
    expect(readFileSync(join(dir, 'data/secret.key'), 'utf8')).toBe(secret);
  });

  it('keeps the data folder to its own user: database, -wal, -shm, secret and keys 0600, the folder 0700', async () => {
    const files = [
      'billing.sqlite',
      'billing.sqlite-wal',
      'billing.sqlite-shm',
      'secret.key',
      'api-keys',
    ];
    const modes = () =>
      Object.fromEntries(
        ['data', ...files.map((f) => `data/${f}`)].map((f) => [
          f,
          (statSync(join(dir, f)).mode & 0o777).toString(8),
        ]),
      );
    const expected = {
      data: '700',
      'data/billing.sqlite': '600',
      'data/billing.sqlite-wal': '600',
      'data/billing.sqlite-shm': '600',
      'data/secret.key': '600',
      'data/api-keys': '600',
    };
    const port = String(await freePort());
    expect((await runMain({ PORT: port }, dir, /billing service listening/, modes)).seen).toEqual(
      expected,
    );
    // A database file left with a wider mode (by an earlier version) is narrowed at start.
    chmodSync(join(dir, 'data/billing.sqlite'), 0o644);
    expect((await runMain({ PORT: port }, dir, /billing service listening/, modes)).seen).toEqual(
      expected,
    );
  });

  it('reads a .env file in the working directory; a variable of the process wins over it', async () => {
    const [fromFile, fromProcess] = [await freePort(), await freePort()];
    writeFileSync(
      join(dir, '.env'),
      `# as in .env.example\nPORT=${fromFile}\nDATABASE_URL=sqlite:./elsewhere/billing.sqlite\n`,
    );
    const health = (port: number) => () =>
      fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.status,
        () => 'unreachable',
      );
    const first = await runMain({}, dir, /billing service listening/, health(fromFile));
    expect(first.seen).toBe(200);
    expect(statSync(join(dir, 'elsewhere/billing.sqlite')).isFile()).toBe(true);

    const second = await runMain(
      { PORT: String(fromProcess) },
      dir,
      /billing service listening/,
      health(fromProcess),
    );
    expect(second.seen).toBe(200);
  });

  it('reads the .env file for the command line too', () => {
    writeFileSync(join(dir, '.env'), 'DATABASE_URL=sqlite:./from-dotenv/billing.sqlite\n');
    const run = spawnSync(
      process.execPath,
      ['-r', require.resolve('@swc-node/register'), join(ROOT, 'src/cli/main.ts'), 'fees', 'run'],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
        encoding: 'utf8',
      },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(statSync(join(dir, 'from-dotenv/billing.sqlite')).isFile()).toBe(true);
  });
});
