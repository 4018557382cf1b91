/**
 * npm run bench:hostile — the uploads that issue 11 found unbounded (split
 * remittance text, endless Ustrd lists, namespace declarations by the hundred
 * thousand, ZIP archives that unpack a thousandfold), each imported by
 * `bank import` in a child process of its own on a fresh database, beside a
 * small valid statement as the baseline. Per case: the ZIP's size, the wall
 * time, the child's peak RSS, the characters of remittance it stored and the
 * outcome (the report, or the first line of the refusal).
 * Last line: worst_s=<s> worst_rss_mb=<n> baseline_s=<s> baseline_rss_mb=<n> stored_chars=<n>
 * Environment:
 *   DATABASE_URL=postgres://…   run on PostgreSQL (a scratch database per case)
 *   BENCH_TIMEOUT_S=<s>         kill a case after this long (default 120)
 *   BENCH_CASES=a,b             only these cases
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import {
  collect,
  hostileEntry,
  manyNamespaces,
  manyUstrd,
  nestedNamespaces,
  splitRemittance,
  statementHead,
  statementTail,
  paddedStatement,
  zipOf,
} from '../test/support/camt-hostile';
import { createTestDatabase, TestDatabase } from '../test/support/test-database';

const ROOT = resolve(__dirname, '..');
const MiB = 1024 * 1024;
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 120);

interface Case {
  name: string;
  /** What it reproduces. */
  what: string;
  file: () => Promise<Buffer>;
}

const CASES: Case[] = [
  {
    name: 'baseline',
    what: '1,000 ordinary entries, plain XML',
    file: async () => {
      let body = '';
      for (let n = 0; n < 1000; n++) body += hostileEntry(n);
      return Buffer.from(statementHead() + body + statementTail());
    },
  },
  {
    name: 'split-comment-60M',
    what: 'one Ustrd of 60 M characters cut by comments into 1 KiB text nodes (issue: 59 KB ZIP, 8 s)',
    file: () =>
      zipOf([{ name: 's.xml', chunks: () => splitRemittance(60 * MiB, 1024, 'comment') }]),
  },
  {
    name: 'split-comment-60M-xml',
    what: 'the same as plain XML: no ZIP ratio to stop it, only the length of a field',
    file: async () => collect(splitRemittance(60 * MiB, 1024, 'comment')),
  },
  {
    name: 'split-cdata-300M',
    what: 'one Ustrd of 300 M characters in 1 KiB CDATA sections (issue: 295 KB ZIP, 3.8 GB, 500)',
    file: () => zipOf([{ name: 's.xml', chunks: () => splitRemittance(300 * MiB, 1024, 'cdata') }]),
  },
  {
    name: 'many-ustrd-1M',
    what: 'one detail with 1,000,000 Ustrd of 140 characters',
    file: () => zipOf([{ name: 's.xml', chunks: () => manyUstrd(1_000_000) }]),
  },
  {
    name: 'namespaces-200k',
    what: '200,000 namespace declarations and 20,000 entries (issue: 1 MB zipped, 21 s)',
    file: () => zipOf([{ name: 's.xml', chunks: () => manyNamespaces(200_000, 20_000) }]),
  },
  {
    name: 'namespaces-nested',
    what: '90 levels of 1,000 declarations each (within the limits) around 20,000 entries',
    file: () => zipOf([{ name: 's.xml', chunks: () => nestedNamespaces(90, 1000, 20_000) }]),
  },
  {
    name: 'zip-ratio-8x256M',
    what: '8 members of 256 MiB each, padded with comments, each under the per-member limit',
    file: () =>
      zipOf(
        Array.from({ length: 8 }, (_, i) => ({
          name: `s${i}.xml`,
          chunks: () => paddedStatement(256 * MiB),
        })),
      ),
  },
];

interface Outcome {
  seconds: number;
  peakRssMb: number;
  exit: string;
  output: string;
}

/** Runs `bank import <file>` from the sources and samples its peak RSS from /proc. */
function importInChild(file: string, db: TestDatabase): Promise<Outcome> {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [
        '-r',
        require.resolve('@swc-node/register'),
        join(ROOT, 'src/cli/main.ts'),
        'bank',
        'import',
        file,
      ],
      {
        cwd: db.dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
          NODE_ENV: 'development',
          DATABASE_URL: db.url,
          DATA_DIR: db.dir,
          LOG_LEVEL: 'warn',
        },
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    let peakKb = 0;
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      } catch {
        // the child has just ended
      }
    };
    const sampler = setInterval(sample, 50);
    const killer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_S * 1000);
    child.on('exit', (code, signal) => {
      clearInterval(sampler);
      clearTimeout(killer);
      done({
        seconds: (performance.now() - started) / 1000,
        peakRssMb: Math.round(peakKb / 1024),
        exit: signal === 'SIGKILL' ? `killed after ${TIMEOUT_S} s` : (signal ?? String(code)),
        // The refusal when there is one, else the report.
        output: (
          output.split('\n').find((line) => line.startsWith('bank import:')) ??
          output.trim().split('\n').slice(-1)[0] ??
          ''
        ).slice(0, 200),
      });
    });
  });
}

async function storedRemittanceChars(db: TestDatabase): Promise<number> {
  const query = 'SELECT COALESCE(SUM(LENGTH(remittance)), 0) AS n FROM payment';
  if (db.dialect === 'sqlite') {
    const sqlite = new BetterSqlite3(db.url.slice('sqlite:'.length), { readonly: true });
    try {
      return Number((sqlite.prepare(query).get() as { n: number }).n);
    } finally {
      sqlite.close();
    }
  }
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(query)).rows[0].n);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_CASES?.split(',');
  const results: { name: string; zipBytes: number; stored: number; outcome: Outcome }[] = [];
  for (const c of CASES.filter((c) => !only || c.name === 'baseline' || only.includes(c.name))) {
    const db = await createTestDatabase();
    try {
      const bytes = await c.file();
      const zipped = bytes.subarray(0, 2).toString('latin1') === 'PK';
      const file = join(db.dir, zipped ? 'upload.zip' : 'upload.xml');
      writeFileSync(file, bytes);
      const outcome = await importInChild(file, db);
      const stored = outcome.exit.startsWith('killed') ? -1 : await storedRemittanceChars(db);
      results.push({ name: c.name, zipBytes: bytes.length, stored, outcome });
      console.log(
        `${c.name.padEnd(18)} ${String(Math.round(bytes.length / 1024)).padStart(6)} KB  ` +
          `${outcome.seconds.toFixed(2).padStart(7)} s  ${String(outcome.peakRssMb).padStart(5)} MB  ` +
          `stored=${stored}  exit=${outcome.exit}  ${outcome.output}`,
      );
      console.log(`${''.padEnd(18)} ${c.what}`);
    } finally {
      await db.drop();
    }
  }
  const [baseline, ...hostile] = results;
  const worst = (pick: (r: (typeof results)[number]) => number) =>
    hostile.reduce((max, r) => Math.max(max, pick(r)), 0);
  console.log(
    `worst_s=${worst((r) => r.outcome.seconds).toFixed(2)} ` +
      `worst_rss_mb=${worst((r) => r.outcome.peakRssMb)} ` +
      `baseline_s=${baseline.outcome.seconds.toFixed(2)} baseline_rss_mb=${baseline.outcome.peakRssMb} ` +
      `stored_chars=${worst((r) => r.stored)}`,
  );
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
