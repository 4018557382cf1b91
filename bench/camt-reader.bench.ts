/**
 * Times the CAMT reader against a bare saxes pass over the same generated camt.053.
 *
 *   node -r @swc-node/register bench/camt-reader.bench.ts [entries] [rounds]
 *
 * Each pass runs in a child process of its own, on the reader compiled to plain
 * JavaScript as `nest build` would ship it: @swc-node/register alone (it loads the
 * TypeScript compiler) holds ~128 MB, which would drown the figure measured here.
 * The best of `rounds` runs counts for each side. The last line is the result.
 */
import { transformFileSync } from '@swc/core';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { generateCamt053 } from './camt-generate';
import { benchDir } from './bench-dir';

const PROJECT = resolve(__dirname, '..');

interface PassResult {
  count: number;
  seconds: number;
  peakRssMb: number;
}

/** Runs in the child: a bare saxes pass that only counts opentag events, or the reader. */
const CHILD = `
const { createReadStream } = require('node:fs');
const [mode, file, reader] = process.argv.slice(2);
async function sax() {
  const { SaxesParser } = require('saxes');
  const parser = new SaxesParser();
  let count = 0;
  parser.on('opentag', () => count++);
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) parser.write(chunk);
  parser.close();
  return count;
}
async function read() {
  const { readCamtFile } = require(reader);
  let count = 0;
  for await (const _transaction of readCamtFile(file)) count++;
  return count;
}
require('saxes');
if (mode === 'reader') require(reader);
const started = process.hrtime.bigint();
(mode === 'sax' ? sax() : read()).then((count) => {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ count, seconds, peakRssMb }));
});
`;

function main(): void {
  const entries = Number(process.argv[2] ?? 100_000);
  const rounds = Number(process.argv[3] ?? 5);
  const work = benchDir('camt-bench-');
  try {
    const file = join(work, `camt053-${entries}.xml`);
    const { bytes } = generateCamt053({ entries, out: file });
    const reader = compileReader(join(work, 'build'));
    const child = join(work, 'child.js');
    writeFileSync(child, CHILD);
    console.log(`file=${file} size_mb=${(bytes / 1e6).toFixed(1)} rounds=${rounds}`);

    let sax: PassResult | null = null;
    let read: PassResult | null = null;
    for (let round = 0; round < rounds; round++) {
      const s = runPass(child, 'sax', file, reader);
      const r = runPass(child, 'reader', file, reader);
      if (r.count !== entries) throw new Error(`reader yielded ${r.count} of ${entries}`);
      console.log(
        `round=${round + 1} sax_s=${s.seconds.toFixed(3)} reader_s=${r.seconds.toFixed(3)}`,
      );
      if (sax === null || s.seconds < sax.seconds) sax = s;
      if (read === null || r.seconds < read.seconds) read = r;
    }
    if (sax === null || read === null) throw new Error('rounds must be at least 1');
    console.log(`sax_peak_rss_mb=${Math.round(sax.peakRssMb)}`);
    console.log(
      `entries=${entries} sax_s=${sax.seconds.toFixed(3)} reader_s=${read.seconds.toFixed(3)} ` +
        `ratio=${(read.seconds / sax.seconds).toFixed(3)} peak_rss_mb=${Math.round(read.peakRssMb)}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function runPass(child: string, mode: 'sax' | 'reader', file: string, reader: string): PassResult {
  const output = execFileSync(process.execPath, [child, mode, file, reader], {
    encoding: 'utf8',
    // The compiled reader sits outside the project: let it find saxes there.
    env: { ...process.env, NODE_PATH: join(PROJECT, 'node_modules') },
  });
  return JSON.parse(output) as PassResult;
}

/** Compiles the reader and what it imports to CommonJS; returns its entry module's path. */
function compileReader(out: string): string {
  const pending = [join(PROJECT, 'src/bank/camt/camt.reader.ts')];
  const done = new Set<string>();
  while (pending.length > 0) {
    const source = pending.pop() as string;
    if (done.has(source)) continue;
    done.add(source);
    const { code } = transformFileSync(source, {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
      module: { type: 'commonjs' },
    });
    const target = join(out, relative(PROJECT, source)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
    for (const [, specifier] of code.matchAll(/require\("(\.[^"]+)"\)/g)) {
      pending.push(`${resolve(dirname(source), specifier)}.ts`);
    }
  }
  return join(out, 'src/bank/camt/camt.reader.js');
}

main();
