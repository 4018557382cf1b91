/**
 * npm run bench:http — code issuance under load, beside a bare GET of the same
 * service and a raw better-sqlite3 loop of durable single-row commits, all in
 * one run on loopback. The last line is the figure the issue asks for:
 *   issue_rps=<n> p99_ms=<n> vs_get=<ratio> vs_commit=<ratio>
 * Options: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { SQLITE_PRAGMAS } from '../src/database/data-source.factory';
import { freePort, startService } from './bench-service';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const MAILBOXES = 500;

/** The durable-commit ceiling of this disk: one row, one transaction, one fsync. */
function rawCommitRate(dir: string, seconds: number): number {
  const db = new Database(join(dir, 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  for (const [name, value] of Object.entries(SQLITE_PRAGMAS)) db.pragma(`${name} = ${value}`);
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID');
  const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  const commit = db.transaction((id: string) => insert.run(id, 'x'.repeat(64)));
  const end = Date.now() + seconds * 1000;
  let n = 0;
  while (Date.now() < end) {
    commit(randomBytes(16).toString('hex'));
    n++;
  }
  db.close();
  return n / seconds;
}

function run(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((done, fail) => {
    autocannon(options, (error, result) => (error ? fail(error) : done(result)));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'billing-bench-'));
  const port = await freePort();
  const key = randomBytes(24).toString('hex');
  const service = await startService(dir, port, { webmail: key });
  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  try {
    const ids = Array.from({ length: MAILBOXES }, (_, i) => `bench-${i}`);
    for (const id of ids) {
      const res = await fetch(`${base}/v1/mailboxes/${id}`, {
        method: 'PUT',
        headers: { authorization: auth.authorization },
      });
      if (res.status !== 201) throw new Error(`registering a mailbox answered ${res.status}`);
    }

    const warm = await run({ url: `${base}/health`, connections: CONNECTIONS, duration: 2 });
    void warm;
    const get = await run({ url: `${base}/health`, connections: CONNECTIONS, duration: SECONDS });
    let next = 0;
    const issue = await run({
      url: base,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          headers: auth,
          body: '{"country":"DE"}',
          setupRequest: (request) => ({
            ...request,
            path: `/v1/mailboxes/${ids[next++ % ids.length]}/topup-codes`,
          }),
        },
      ],
    });
    const commitRate = rawCommitRate(dir, Math.min(SECONDS, 5));

    const bad = issue.non2xx + issue.errors + issue.timeouts;
    console.log(
      `GET /health:       ${Math.round(get.requests.average)} req/s, p99 ${get.latency.p99} ms`,
    );
    console.log(
      `POST topup-codes:  ${Math.round(issue.requests.average)} req/s, p99 ${issue.latency.p99} ms, non-2xx/errors ${bad}`,
    );
    console.log(
      `raw SQLite commit: ${Math.round(commitRate)} commits/s (synchronous=${SQLITE_PRAGMAS.synchronous})`,
    );
    if (bad > 0) throw new Error(`${bad} requests failed`);
    console.log(
      `issue_rps=${Math.round(issue.requests.average)} p99_ms=${issue.latency.p99} ` +
        `vs_get=${(issue.requests.average / get.requests.average).toFixed(2)} ` +
        `vs_commit=${(issue.requests.average / commitRate).toFixed(2)}`,
    );
  } finally {
    service.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
