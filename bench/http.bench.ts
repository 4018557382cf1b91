/**
 * npm run bench:http — code issuance under load, beside a bare node:http server
 * answering the same POST with a body of the same size (the floor of loopback HTTP
 * that every request pays: the baseline) and a raw better-sqlite3 loop of durable
 * single-row commits, all in one run on loopback. GET /health is shown for information only:
 * it is a database transaction itself, queued like the issuance, so it is no
 * baseline. The last line is the figure the issue asks for:
 *   issue_rps=<n> p99_ms=<n> vs_http=<ratio> vs_commit=<ratio>
 * Options: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50); writes under
 * BENCH_DIR (default bench/out/), never on tmpfs (bench/bench-dir.ts).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { SQLITE_PRAGMAS } from '../src/database/data-source.factory';
import { freePort, startService } from './bench-service';
import { benchDir } from './bench-dir';

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

/** A bare node:http server in a child process that answers every request with `body`. */
async function startBareServer(port: number, body: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json' }); res.end(process.env.BODY); }); })
        .listen(${port}, '127.0.0.1', () => process.send('up'));`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, BODY: body } },
  );
  await new Promise((up) => child.once('message', up));
  return child;
}

function run(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((done, fail) => {
    autocannon(options, (error, result) => (error ? fail(error) : done(result)));
  });
}

async function main(): Promise<void> {
  const dir = benchDir('billing-bench-');
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

    // The floor every request pays: loopback HTTP to a bare node:http server in a
    // process of its own, answering the same POST with a 201 of the same size.
    const sample = await fetch(`${base}/v1/mailboxes/${ids[0]}/topup-codes`, {
      method: 'POST',
      headers: auth,
      body: '{"country":"DE"}',
    });
    if (sample.status !== 201) throw new Error(`issuing a code answered ${sample.status}`);
    const barePort = await freePort();
    const bare = await startBareServer(barePort, await sample.text());
    let floor;
    try {
      const bareRequest = { method: 'POST' as const, headers: auth, body: '{"country":"DE"}' };
      const bareUrl = `http://127.0.0.1:${barePort}/v1/mailboxes/bench-0/topup-codes`;
      await run({ url: bareUrl, connections: CONNECTIONS, duration: 2, requests: [bareRequest] });
      floor = await run({
        url: bareUrl,
        connections: CONNECTIONS,
        duration: SECONDS,
        requests: [bareRequest],
      });
    } finally {
      bare.kill('SIGTERM');
    }
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
    const floorBad = floor.errors + floor.timeouts + floor.non2xx;
    console.log(
      `bare node:http POST:             ${Math.round(floor.requests.average)} req/s, p99 ${floor.latency.p99} ms`,
    );
    console.log(
      `GET /health (one transaction):   ${Math.round(get.requests.average)} req/s, p99 ${get.latency.p99} ms`,
    );
    console.log(
      `POST topup-codes:                ${Math.round(issue.requests.average)} req/s, p99 ${issue.latency.p99} ms, non-2xx/errors ${bad}`,
    );
    console.log(
      `raw SQLite commit:               ${Math.round(commitRate)} commits/s (synchronous=${SQLITE_PRAGMAS.synchronous})`,
    );
    if (bad > 0) throw new Error(`${bad} requests failed`);
    if (floorBad > 0) throw new Error(`${floorBad} requests to the bare server failed`);
    console.log(
      `issue_rps=${Math.round(issue.requests.average)} p99_ms=${issue.latency.p99} ` +
        `vs_http=${(issue.requests.average / floor.requests.average).toFixed(2)} ` +
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
