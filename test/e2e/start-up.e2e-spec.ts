import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** Runs src/main.ts as `npm start` would, with exactly this environment. */
function runMain(env: Record<string, string>, cwd: string, untilOutput?: RegExp) {
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
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    if (untilOutput) {
      child.stdout.on('data', () => {
        if (untilOutput.test(stdout)) child.kill('SIGTERM');
      });
    }
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
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
});
