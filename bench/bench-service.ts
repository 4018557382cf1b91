/** What the HTTP benchmarks share: a free loopback port and the service started on it. */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

export async function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/**
 * Starts src/main.ts in production mode on a fresh SQLite file in `dir`, with
 * the limits that are not being measured lifted, and waits until /health answers.
 * With `built`, starts dist/main.js as `npm run start:prod` does (built first).
 * BENCH_PROFILE=<dir> writes a CPU profile of the service there.
 */
export async function startService(
  dir: string,
  port: number,
  keys: Record<string, string>,
  env: Record<string, string> = {},
  options: { built?: boolean } = {},
): Promise<ChildProcess> {
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  const main = options.built
    ? [join(ROOT, 'dist/main.js')]
    : ['-r', require.resolve('@swc-node/register'), join(ROOT, 'src/main.ts')];
  const child = spawn(process.execPath, [...profile, ...main], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: `sqlite:${join(dir, 'billing.sqlite')}`,
      API_KEYS: Object.entries(keys)
        .map(([role, key]) => `${role}:${key}`)
        .join(','),
      SECRET_KEY: randomBytes(32).toString('hex'),
      // Enough room for every code a run issues; these limits are not what is measured.
      MAX_OPEN_CODES: '1000000',
      CODE_ISSUE_LIMIT_PER_MINUTE: '1000000',
      ...env,
    },
  });
  // Up to a minute: on a loaded machine a start (keys made, routes mapped) can take a while.
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('the service did not start');
}
