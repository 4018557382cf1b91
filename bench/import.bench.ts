/**
 * npm run bench:import — a camt.053 with 100,000 credit entries (80 % carrying
 * live codes in varied spellings) imported end to end into a fresh SQLite
 * database, beside a bare saxes pass and a camt-parser parse of the same file.
 * Each pass runs in a child process of its own, so that its time and peak
 * memory are its own. The import runs from the built service (dist/). Every pass
 * is timed from before its first require to its end: the import's module loading,
 * bootstrap and close count as the baselines' module loading does.
 * Writes under BENCH_DIR (default bench/out/), never on tmpfs (bench/bench-dir.ts).
 * Last line: entries=<n> import_s=<s> ratio_vs_sax=<x> ratio_vs_camt_parser=<x> peak_rss_mb=<n>
 * Arguments: [entries=100000] [small=10000]
 * Diagnostics of the import pass (environment):
 *   BENCH_MEMORY=1             samples of RSS, heap and V8's spaces every 200 ms, on stderr
 *   BENCH_PROFILE=<dir>        a CPU profile
 *   BENCH_HEAP_PROFILE=<file>  a sampling heap profile that keeps what survived the
 *                              young generation (what grows the old one)
 *   BENCH_NODE_FLAGS="..."     flags for the passes' node, e.g. --trace-gc-nvp together
 *   BENCH_TRACE=<file>         with this, which keeps what the flags print
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { createLogger } from '../src/common/logger';
import { displayCode, generateCode } from '../src/codes/code-format';
import { KeyedHash } from '../src/config/keyed-hash';
import { buildConfig, parseEnv } from '../src/config/app-config';
import { Transactions } from '../src/database/transactions';
import { generateCamt053 } from './camt-generate';
import { benchDir } from './bench-dir';

const ROOT = resolve(__dirname, '..');

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

/** A fresh database with the codes issued; returns the file's codes by entry. */
async function prepare(
  dir: string,
  entries: number,
  env: Record<string, string>,
): Promise<(i: number) => string | null> {
  const config = buildConfig(parseEnv(env));
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({ config, logger: createLogger('warn'), schedule: false }),
    { logger: false },
  );
  const codes: (string | null)[] = [];
  try {
    const hash = app.get(KeyedHash);
    const rows: [string, string][] = [];
    for (let i = 0; i < entries; i++) {
      if (i % 5 === 4) {
        codes.push(null);
        continue;
      }
      const code = generateCode();
      codes.push(spelled(code, i));
      rows.push([hash.code(code), hash.mailbox(`bench-${i % 20_000}`)]);
    }
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
  void dir;
  return (i) => codes[i];
}

async function measure(
  entries: number,
  child: string,
): Promise<{ imp: Pass; file: string; dir: string }> {
  const dir = benchDir('billing-import-bench-');
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: `sqlite:${join(dir, 'billing.sqlite')}`,
    DATA_DIR: dir,
    SECRET_KEY: randomBytes(32).toString('hex'),
    API_KEYS: `importer:${randomBytes(16).toString('hex')}`,
    LOG_LEVEL: 'warn',
  };
  const codeFor = await prepare(dir, entries, env);
  const file = join(dir, `camt053-${entries}.xml`);
  generateCamt053({ entries, codeFor, out: file });
  const imp = run(child, 'import', file, env);
  const report = (imp.detail as { report: { credits: { credited: number; unmatched: number } } })
    .report;
  const withCodes = entries - Math.floor(entries / 5);
  if (report.credits.credited !== withCodes) {
    throw new Error(
      `credited ${report.credits.credited}, expected ${withCodes}: ${JSON.stringify(report)}`,
    );
  }
  return { imp, file, dir };
}

async function main(): Promise<void> {
  const entries = Number(process.argv[2] ?? 100_000);
  const small = Number(process.argv[3] ?? 10_000);
  const work = benchDir('billing-import-bench-');
  const child = join(work, 'child.js');
  writeFileSync(child, CHILD);
  try {
    const smallRun = await measure(small, child);
    rmSync(smallRun.dir, { recursive: true, force: true });
    const big = await measure(entries, child);
    const sax = run(child, 'sax', big.file);
    const parser = run(child, 'camt-parser', big.file);
    const size = statSync(big.file).size;
    rmSync(big.dir, { recursive: true, force: true });

    const importS = big.imp.seconds;
    console.log(`file_mb=${(size / 1e6).toFixed(0)} entries=${entries} (80 % with live codes)`);
    console.log(
      `sax pass:        ${sax.seconds.toFixed(2)} s, peak ${Math.round(sax.peakRssMb)} MB`,
    );
    console.log(
      `camt-parser:     ${parser.seconds.toFixed(2)} s, peak ${Math.round(parser.peakRssMb)} MB`,
    );
    console.log(
      `import ${small}: ${smallRun.imp.seconds.toFixed(2)} s, peak ${Math.round(smallRun.imp.peakRssMb)} MB`,
    );
    const { bootSeconds, importSeconds } = big.imp.detail as Record<string, number>;
    console.log(
      `import ${entries}: ${importS.toFixed(2)} s (loading and bootstrap ${bootSeconds.toFixed(2)} s, ` +
        `import ${importSeconds.toFixed(2)} s, close), peak ${Math.round(big.imp.peakRssMb)} MB`,
    );
    console.log(
      `memory_growth_${small}_to_${entries}=${((big.imp.peakRssMb / smallRun.imp.peakRssMb - 1) * 100).toFixed(1)}%`,
    );
    console.log(
      `entries=${entries} import_s=${importS.toFixed(2)} ratio_vs_sax=${(importS / sax.seconds).toFixed(2)} ` +
        `ratio_vs_camt_parser=${(importS / parser.seconds).toFixed(2)} peak_rss_mb=${Math.round(big.imp.peakRssMb)}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
