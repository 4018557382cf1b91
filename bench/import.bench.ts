/**
 * npm run bench:import — a camt.053 with 100,000 credit entries (80 % carrying
 * live codes in varied spellings) imported end to end, measured in three parts
 * (BENCH_PARTS, comma-separated; default cli,service, and grown with BENCH_GROWN=1):
 *
 * - cli: the import as `bank import` runs it, into a fresh SQLite database,
 *   beside a bare saxes pass and a camt-parser parse of the same file. Each pass
 *   runs in a child process of its own, so that its time and peak memory are its
 *   own, timed from before its first require to its end: the import's module
 *   loading, bootstrap and close count as the baselines' module loading does.
 *   The import runs from the built service (dist/).
 * - grown: the same import pass into a database that already holds two years of
 *   business (bench/grown-db.ts: 500,000 payments, 400,000 ledger rows), built
 *   once and cached under bench/out/grown-cache/.
 * - service: the service started as production starts it; the file uploaded over
 *   HTTP (POST /v1/bank-statements) while another process
 *   (bench/import-streams.ts) sends writers (code issuance and cash letters) and
 *   readers (balance reads, /health), first with no import running (the
 *   baseline, same run), then during the upload. Every cash letter answered as
 *   credited must be in the books afterwards, or the bench fails. With
 *   BENCH_GROWN=1 (SQLite) this part runs on a copy of the grown database too
 *   (BENCH_SERVICE_GROWN=0 keeps it on a fresh one, =1 puts it there alone).
 *
 * With DATABASE_URL=postgres://… the service part runs on PostgreSQL, in a
 * scratch database created on that server and dropped after; the cli and grown
 * passes are SQLite-only and are then left out.
 * Writes under BENCH_DIR (default bench/out/), never on tmpfs (bench/bench-dir.ts).
 * Last line:
 *   entries=<n> import_s=<s> ratio_vs_sax=<x> grown_ratio_vs_sax=<x> ratio_vs_camt_parser=<x>
 *   peak_rss_mb=<n> writer_wait_p99_ms=<n> reader_p99_ms=<n> writer_idle_p99_ms=<n>
 *   reader_idle_p99_ms=<n> writer_errors=<n> reader_errors=<n> …
 * (a part not run prints "-").
 * Arguments: [entries=100000] [small=10000]
 * Options (environment): BENCH_IDLE_SECONDS (baseline length, default 20),
 * BENCH_WRITES_PER_S (20), BENCH_READS_PER_S (25), BENCH_STOCK_SECONDS (600: codes
 * issued before the run, enough for the letters of that long an import).
 * Diagnostics of the cli import pass (environment):
 *   BENCH_MEMORY=1             samples of RSS, heap and V8's spaces every 200 ms, on stderr
 *   BENCH_PROFILE=<dir>        a CPU profile (of the service, in the service part)
 *   BENCH_HEAP_PROFILE=<file>  a sampling heap profile that keeps what survived the
 *                              young generation (what grows the old one)
 *   BENCH_NODE_FLAGS="..."     flags for the passes' node, e.g. --trace-gc-nvp together
 *   BENCH_TRACE=<file>         with this, which keeps what the flags print
 */
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { AppModule } from '../src/app.module';
import { createLogger } from '../src/common/logger';
import { displayCode, generateCode } from '../src/codes/code-format';
import { KeyedHash } from '../src/config/keyed-hash';
import { buildConfig, parseEnv } from '../src/config/app-config';
import { Transactions } from '../src/database/transactions';
import { generateCamt053 } from './camt-generate';
import { benchDir } from './bench-dir';
import { freePort, startService } from './bench-service';
import { copyGrown, grownDatabase, GrownDatabase } from './grown-db';
import type { Figures, Setup, StreamsResult } from './import-streams';

const ROOT = resolve(__dirname, '..');
const PARTS = ['cli', 'grown', 'service'] as const;
type Part = (typeof PARTS)[number];

interface Pass {
  seconds: number;
  peakRssMb: number;
  detail?: unknown;
}

const CHILD = `
const { createReadStream, readFileSync } = require('node:fs');
const [mode, file, root, envJson] = process.argv.slice(2);
const passes = {
  async sax() {
    const { SaxesParser } = require(root + '/node_modules/saxes');
    const parser = new SaxesParser();
    let tags = 0;
    parser.on('opentag', () => tags++);
    for await (const chunk of createReadStream(file, { encoding: 'utf8' })) parser.write(chunk);
    parser.close();
    return { tags };
  },
  async 'camt-parser'() {
    const { parseCamt053 } = require(root + '/node_modules/camt-parser');
    const parsed = await parseCamt053(readFileSync(file, 'utf8'));
    return { statements: parsed.statements ? parsed.statements.length : null };
  },
  async import() {
    Object.assign(process.env, JSON.parse(envJson));
    require(root + '/node_modules/reflect-metadata');
    const { NestFactory } = require(root + '/node_modules/@nestjs/core');
    // The modules \`bank import\` starts (src/cli/main.ts), not the whole service's.
    const { BankImportModule } = require(root + '/dist/bank/bank-import.module');
    const { BankImportService } = require(root + '/dist/bank/bank-import.service');
    const { createLogger } = require(root + '/dist/common/logger');
    const { buildConfig, parseEnv } = require(root + '/dist/config/app-config');
    const config = buildConfig(parseEnv(process.env));
    const logger = createLogger('warn');
    const app = await NestFactory.createApplicationContext(BankImportModule.forRoot({ config, logger }), { logger: false });
    const samples = [];
    const sampler = process.env.BENCH_MEMORY ? setInterval(() => { const m = process.memoryUsage(); const spaces = Object.fromEntries(require('node:v8').getHeapSpaceStatistics().map((x) => [x.space_name, Math.round(x.space_size / 1e6)])); samples.push([Math.round(m.rss / 1e6), Math.round(m.heapTotal / 1e6), Math.round(m.heapUsed / 1e6), spaces.new_space, spaces.old_space, spaces.code_space, spaces.large_object_space]); }, 200) : null;
    const inspector = process.env.BENCH_HEAP_PROFILE ? new (require('node:inspector').Session)() : null;
    const post = (method, params) => new Promise((ok, ko) => inspector.post(method, params, (e, r) => (e ? ko(e) : ok(r))));
    if (inspector) { inspector.connect(); await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true }); }
    const booted = process.hrtime.bigint();
    const report = await app.get(BankImportService).importFiles([{ path: file, size: 0 }]);
    if (inspector) { const { profile } = await post('HeapProfiler.stopSampling', {}); require('node:fs').writeFileSync(process.env.BENCH_HEAP_PROFILE, JSON.stringify(profile)); }
    if (sampler) { clearInterval(sampler); process.stderr.write(JSON.stringify(samples) + '\\n'); }
    if (process.env.BENCH_MEMORY) { if (global.gc) global.gc(); process.stderr.write(JSON.stringify(process.memoryUsage()) + '\\n'); }
    const importSeconds = Number(process.hrtime.bigint() - booted) / 1e9;
    await app.close();
    return { bootSeconds: Number(booted - started) / 1e9, importSeconds, report };
  },
};
// One clock for every pass, from before its first require to its end: the import's
// module loading and bootstrap count as the baselines' module loading does.
const started = process.hrtime.bigint();
passes[mode]().then((detail) => {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ seconds, peakRssMb: process.resourceUsage().maxRSS / 1024, detail }));
});
`;

function run(child: string, mode: string, file: string, env: Record<string, string> = {}): Pass {
  // BENCH_PROFILE=<dir> writes a CPU profile of the import pass there.
  const profile =
    process.env.BENCH_PROFILE && mode === 'import'
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
      : [];
  const output = execFileSync(
    process.execPath,
    [
      ...profile,
      ...(process.env.BENCH_MEMORY ? ['--expose-gc'] : []),
      ...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : []),
      '--max-old-space-size=4096',
      child,
      mode,
      file,
      ROOT,
      JSON.stringify(env),
    ],
    {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  // Node flags such as --trace-gc print to stdout too: the pass's figures are its last line.
  const lines = output.trimEnd().split('\n');
  if (lines.length > 1 && process.env.BENCH_TRACE)
    writeFileSync(`${process.env.BENCH_TRACE}.${mode}`, output);
  return JSON.parse(lines[lines.length - 1]) as Pass;
}

/** Spellings a person or bank gives a code: grouped, lower case, run together, cut in two. */
function spelled(code: string, i: number): string {
  const shown = displayCode(code);
  switch (i % 4) {
    case 0:
      return shown;
    case 1:
      return shown.toLowerCase();
    case 2:
      return `SVWZ+${code}`;
    default:
      return `${code.slice(0, 5)} ${code.slice(5).toLowerCase()}`;
  }
}

/** A statement of `entries` credits, four in five with a live code; its codes by entry. */
interface Statement {
  file: string;
  entries: number;
  /** Canonical codes, null for entries without one. */
  codes: (string | null)[];
  /** Their mailboxes' ids. */
  mailboxOf: (i: number) => string;
}

function statement(dir: string, entries: number): Statement {
  const codes = Array.from({ length: entries }, (_, i) => (i % 5 === 4 ? null : generateCode()));
  const file = join(dir, `camt053-${entries}.xml`);
  generateCamt053({
    entries,
    codeFor: (i) => (codes[i] === null ? null : spelled(codes[i], i)),
    out: file,
  });
  return { file, entries, codes, mailboxOf: (i) => `bench-${i % 20_000}` };
}

const withCodes = (s: Statement) => s.codes.filter((c) => c !== null).length;

/** The statement's codes issued (as keyed hashes, under this environment's secret). */
async function issueCodes(s: Statement, env: Record<string, string>): Promise<void> {
  const config = buildConfig(parseEnv(env));
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({ config, logger: createLogger('warn'), schedule: false }),
    { logger: false },
  );
  try {
    const hash = app.get(KeyedHash);
    const rows: [string, string][] = [];
    s.codes.forEach((code, i) => {
      if (code !== null) rows.push([hash.code(code), hash.mailbox(s.mailboxOf(i))]);
    });
    await app.get(Transactions).run(async (tx) => {
      for (const [codeHash, mailbox] of rows) {
        await tx.execute(
          "INSERT INTO topup_code (code_hash, mailbox, country, expires_on) VALUES ($1, $2, 'DE', '2999-12-31')",
          [codeHash, mailbox],
        );
      }
    });
  } finally {
    await app.close();
  }
}

function sqliteEnv(dir: string, secretKey = randomBytes(32).toString('hex')) {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: `sqlite:${join(dir, 'billing.sqlite')}`,
    DATA_DIR: dir,
    SECRET_KEY: secretKey,
    API_KEYS: `importer:${randomBytes(16).toString('hex')}`,
    LOG_LEVEL: 'warn',
  };
}

function checkCredited(s: Statement, report: { credits: { credited: number } }): void {
  if (report.credits.credited !== withCodes(s))
    throw new Error(
      `credited ${report.credits.credited}, expected ${withCodes(s)}: ${JSON.stringify(report)}`,
    );
}

/** The cli import pass of `s` into a fresh database, or a copy of the grown one. */
async function measure(s: Statement, child: string, grown?: GrownDatabase): Promise<Pass> {
  const dir = benchDir('billing-import-bench-');
  try {
    const env = sqliteEnv(dir, grown?.secretKey);
    if (grown) copyGrown(grown, join(dir, 'billing.sqlite'));
    await issueCodes(s, env);
    const imp = run(child, 'import', s.file, env);
    checkCredited(s, (imp.detail as { report: { credits: { credited: number } } }).report);
    return imp;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** POSTs the file as application/xml, streamed; resolves with the status and the report. */
function upload(
  url: string,
  key: string,
  file: string,
): Promise<{ status: number; body: { credits: { credited: number } } }> {
  return new Promise((done, fail) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/xml',
          'content-length': statSync(file).size,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            done({ status: res.statusCode ?? 0, body: JSON.parse(text) });
          } catch {
            fail(new Error(`the upload answered ${res.statusCode}: ${text.slice(0, 500)}`));
          }
        });
      },
    );
    req.on('error', fail);
    createReadStream(file).on('error', fail).pipe(req);
  });
}

/** A scratch PostgreSQL database on the server of `url`, dropped by the returned function. */
async function scratchPostgres(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `bench_import_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  return {
    url: scratch.toString(),
    drop: async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

interface ServiceRun {
  importSeconds: number;
  streams: StreamsResult;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The service part: the service started on the database, the statement's codes
 * issued, the streams' baseline with no import, then the upload with the
 * streams going on.
 */
async function servicePart(
  s: Statement,
  postgresUrl: string | undefined,
  grown: GrownDatabase | undefined,
): Promise<ServiceRun> {
  const dir = benchDir('billing-import-service-');
  const keys = Object.fromEntries(
    ['webmail', 'staff', 'importer'].map((role) => [role, randomBytes(24).toString('hex')]),
  ) as Record<'webmail' | 'staff' | 'importer', string>;
  const pg = postgresUrl ? await scratchPostgres(postgresUrl) : undefined;
  const env: Record<string, string> = {
    ...sqliteEnv(dir, grown?.secretKey),
    API_KEYS: Object.entries(keys)
      .map(([role, key]) => `${role}:${key}`)
      .join(','),
    ...(pg ? { DATABASE_URL: pg.url } : {}),
  };
  if (grown) copyGrown(grown, join(dir, 'billing.sqlite'));
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  let streams: ReturnType<typeof fork> | undefined;
  try {
    await issueCodes(s, env);
    const port = await freePort();
    service = await startService(
      dir,
      port,
      keys,
      {
        SECRET_KEY: env.SECRET_KEY,
        DATABASE_URL: env.DATABASE_URL,
        DATA_DIR: dir,
        LOG_LEVEL: 'warn',
        BANK_UPLOAD_LIMIT_BYTES: String(2 * 1024 * 1024 * 1024),
      },
      // As production starts it: the build (npm run bench:import builds first).
      { built: true },
    );
    const base = `http://127.0.0.1:${port}`;
    streams = fork(join(__dirname, 'import-streams.ts'), [], {
      execArgv: ['-r', require.resolve('@swc-node/register')],
      env: { ...process.env, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
    });
    const child = streams;
    const exited = new Promise<never>((_, fail) =>
      child.once('exit', (code) => fail(new Error(`the streams' process exited with ${code}`))),
    );
    const message = <T>(key: string) =>
      Promise.race([
        exited,
        new Promise<T>((done) => {
          const on = (m: unknown) => {
            if (m && typeof m === 'object' && key in m) {
              child.off('message', on);
              done((m as Record<string, T>)[key]);
            }
          };
          child.on('message', on);
        }),
      ]);
    const setup: Setup = {
      base,
      keys: { webmail: keys.webmail, staff: keys.staff },
      readMailboxes: Array.from({ length: 100 }, (_, i) => s.mailboxOf(i)),
    };
    child.send({ setup });
    await message('ready');
    child.send({ go: true });
    await sleep(3000);
    child.send({ phase: 'idle' });
    await sleep(Number(process.env.BENCH_IDLE_SECONDS ?? 20) * 1000);
    child.send({ phase: 'import' });
    const started = process.hrtime.bigint();
    const answer = await upload(`${base}/v1/bank-statements`, keys.importer, s.file);
    const importSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    child.send({ phase: 'after' });
    if (answer.status !== 201)
      throw new Error(`the upload answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    checkCredited(s, answer.body);
    await sleep(1000);
    const result = message<StreamsResult>('result');
    child.send({ stop: true });
    return { importSeconds, streams: await result };
  } finally {
    streams?.kill();
    service?.kill('SIGTERM');
    if (service && service.exitCode === null) await new Promise((r) => service!.once('exit', r));
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function parts(postgres: boolean): Set<Part> {
  const asked = process.env.BENCH_PARTS?.split(',').map((p) => p.trim()) ?? [
    ...(postgres ? [] : ['cli']),
    ...(process.env.BENCH_GROWN === '1' && !postgres ? ['grown'] : []),
    'service',
  ];
  for (const p of asked)
    if (!(PARTS as readonly string[]).includes(p)) throw new Error(`unknown part ${p}`);
  if (postgres && asked.some((p) => p !== 'service'))
    throw new Error('on PostgreSQL only the service part runs: the cli passes are SQLite-only');
  return new Set(asked as Part[]);
}

const show = (f: Figures) =>
  `n=${f.count} p50=${f.p50} p99=${f.p99} max=${f.max} ms, non-2xx ${f.errors} (timeouts ${f.timeouts}) ${JSON.stringify(f.statuses)}`;

async function main(): Promise<void> {
  const entries = Number(process.argv[2] ?? 100_000);
  const small = Number(process.argv[3] ?? 10_000);
  const postgresUrl = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '')
    ? process.env.DATABASE_URL
    : undefined;
  const asked = parts(postgresUrl !== undefined);
  const work = benchDir('billing-import-bench-');
  const child = join(work, 'child.js');
  writeFileSync(child, CHILD);
  const fields: Record<string, string> = {
    entries: String(entries),
    import_s: '-',
    ratio_vs_sax: '-',
    grown_ratio_vs_sax: '-',
    ratio_vs_camt_parser: '-',
    peak_rss_mb: '-',
    writer_wait_p99_ms: '-',
    reader_p99_ms: '-',
    writer_idle_p99_ms: '-',
    reader_idle_p99_ms: '-',
    writer_errors: '-',
    reader_errors: '-',
  };
  try {
    const big = statement(work, entries);
    console.log(
      `file_mb=${(statSync(big.file).size / 1e6).toFixed(0)} entries=${entries} (80 % with live codes)`,
    );
    const serviceOnGrown = (process.env.BENCH_SERVICE_GROWN ?? process.env.BENCH_GROWN) === '1';
    const grown =
      asked.has('grown') || (asked.has('service') && serviceOnGrown && !postgresUrl)
        ? await grownDatabase()
        : undefined;
    const sax = asked.has('cli') || asked.has('grown') ? run(child, 'sax', big.file) : undefined;
    if (sax)
      console.log(
        `sax pass:        ${sax.seconds.toFixed(2)} s, peak ${Math.round(sax.peakRssMb)} MB`,
      );

    if (asked.has('cli') && sax) {
      const smallStatement = statement(work, small);
      const smallRun = await measure(smallStatement, child);
      rmSync(smallStatement.file, { force: true });
      const imp = await measure(big, child);
      const parser = run(child, 'camt-parser', big.file);
      console.log(
        `camt-parser:     ${parser.seconds.toFixed(2)} s, peak ${Math.round(parser.peakRssMb)} MB`,
      );
      console.log(
        `import ${small}: ${smallRun.seconds.toFixed(2)} s, peak ${Math.round(smallRun.peakRssMb)} MB`,
      );
      const { bootSeconds, importSeconds } = imp.detail as Record<string, number>;
      console.log(
        `import ${entries}: ${imp.seconds.toFixed(2)} s (loading and bootstrap ${bootSeconds.toFixed(2)} s, ` +
          `import ${importSeconds.toFixed(2)} s, close), peak ${Math.round(imp.peakRssMb)} MB`,
      );
      console.log(
        `memory_growth_${small}_to_${entries}=${((imp.peakRssMb / smallRun.peakRssMb - 1) * 100).toFixed(1)}%`,
      );
      fields.import_s = imp.seconds.toFixed(2);
      fields.ratio_vs_sax = (imp.seconds / sax.seconds).toFixed(2);
      fields.ratio_vs_camt_parser = (imp.seconds / parser.seconds).toFixed(2);
      fields.peak_rss_mb = String(Math.round(imp.peakRssMb));
    }

    if (asked.has('grown') && sax && grown) {
      const imp = await measure(big, child, grown);
      const { importSeconds } = imp.detail as Record<string, number>;
      console.log(
        `import ${entries} into the grown database: ${imp.seconds.toFixed(2)} s (import ${importSeconds.toFixed(2)} s), ` +
          `peak ${Math.round(imp.peakRssMb)} MB`,
      );
      fields.grown_ratio_vs_sax = (imp.seconds / sax.seconds).toFixed(2);
      fields.grown_import_s = imp.seconds.toFixed(2);
    }

    if (asked.has('service')) {
      const database = postgresUrl ? 'postgres' : serviceOnGrown ? 'sqlite-grown' : 'sqlite';
      const { importSeconds, streams } = await servicePart(
        big,
        postgresUrl,
        serviceOnGrown ? grown : undefined,
      );
      const { idle, import: during } = streams.figures;
      console.log(
        `service (${database}): upload of ${entries} entries answered in ${importSeconds.toFixed(2)} s`,
      );
      for (const [name, f] of Object.entries(idle))
        console.log(`  idle    ${name.padEnd(8)} ${show(f)}`);
      for (const [name, f] of Object.entries(during))
        console.log(`  import  ${name.padEnd(8)} ${show(f)}`);
      const m = streams.money;
      console.log(
        `  cash letters: ${m.lettersSent} sent, ${m.lettersCredited} credited (${m.creditedMinor} minor), ` +
          `${m.lettersUnmatched} unmatched, ` +
          `writer balances up ${m.balanceGainMinor} minor; ${m.retried} asked again by Idempotency-Key, ` +
          `${m.unsettled} without an answer, ${m.skippedNoCode} ticks without a code to pay`,
      );
      fields.writer_wait_p99_ms = String(during.writes.p99);
      fields.reader_p99_ms = String(during.balance.p99);
      fields.writer_idle_p99_ms = String(idle.writes.p99);
      fields.reader_idle_p99_ms = String(idle.balance.p99);
      fields.writer_errors = String(during.writes.errors);
      fields.reader_errors = String(during.balance.errors + during.health.errors);
      fields.health_p99_ms = String(during.health.p99);
      fields.writer_wait_max_ms = String(during.writes.max);
      fields.writer_idle_errors = String(idle.writes.errors);
      fields.reader_idle_errors = String(idle.balance.errors + idle.health.errors);
      fields.service_import_s = importSeconds.toFixed(2);
      fields.database = database;
      fields.letters_unmatched = String(m.lettersUnmatched);
      if (m.unsettled > 0 || m.balanceGainMinor !== m.creditedMinor) {
        console.log(
          Object.entries(fields)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
        );
        throw new Error(
          `money lost or invented: letters credited ${m.creditedMinor} minor, balances up ${m.balanceGainMinor} minor, ${m.unsettled} letters without an answer`,
        );
      }
    }
    console.log(
      Object.entries(fields)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
