/**
 * Reads every file of a CAMT corpus and says, file by file, what the reader made of it.
 *
 *   node -r @swc-node/register scripts/conformance.ts <dir>
 *
 * Exits 0 only if nothing crashed (every refusal is a CamtError), every file that the
 * corpus's MANIFEST.tsv calls a well-formed CAMT message is read in full with the
 * statement, entry and detail counts the manifest gives, and every file it calls
 * something else is refused with a typed error.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CamtError, readCamtFile, type CamtSummary } from '../src/bank/camt';

const MANIFEST = 'MANIFEST.tsv';

/**
 * Well-formed CAMT files that the reader refuses on purpose, with the code it must
 * refuse them with. Each is a synthetic sample, not a bank's file.
 */
const KNOWN_REFUSALS: Record<string, { code: string; why: string }> = {
  'genkgo_camt/camt054.v2.xml': {
    code: 'camt.missing-amount',
    why: 'a batch of three details without any amount: no way to tell what each paid',
  },
  'kedder_ofxstatement-iso20022/gcamp6.xml': {
    code: 'camt.invalid-amount',
    why: 'anonymised: every amount is in XXX, the ISO 4217 code for "no currency"',
  },
};

interface ManifestRow {
  file: string;
  msg_type_version: string;
  stmts: string;
  ntry: string;
  txdtls: string;
  ntry_no_dtls: string;
  xml_parse: string;
}

type Outcome =
  | { kind: 'read'; summary: CamtSummary }
  | { kind: 'typed-error'; error: CamtError }
  | { kind: 'crash'; error: unknown };

async function main(): Promise<number> {
  const dir = process.argv[2];
  if (dir === undefined || !existsSync(dir)) {
    console.error('usage: conformance.ts <dir>');
    return 2;
  }
  const manifest = readManifest(join(dir, MANIFEST));
  const problems: string[] = [];
  const counts = { files: 0, read: 0, typedErrors: 0, failures: 0 };
  for (const path of filesUnder(dir)) {
    const name = relative(dir, path);
    if (name === MANIFEST) continue;
    counts.files++;
    const outcome = await readOne(path, name);
    console.log(describe(outcome, name));
    const refusal = KNOWN_REFUSALS[name];
    if (outcome.kind === 'typed-error' && outcome.error.code === refusal?.code) {
      console.log(`    refused on purpose: ${refusal.why}`);
    }
    if (outcome.kind === 'read') counts.read++;
    if (outcome.kind === 'typed-error') counts.typedErrors++;
    if (outcome.kind === 'crash') counts.failures++;
    const row = manifest.get(name);
    if (row !== undefined) problems.push(...disagreements(outcome, row, name));
  }
  for (const problem of problems) console.log(`CHECK ${problem}`);
  console.log(
    `files=${counts.files} read=${counts.read} typed_errors=${counts.typedErrors} failures=${counts.failures}`,
  );
  return counts.failures === 0 && problems.length === 0 ? 0 : 1;
}

async function readOne(path: string, name: string): Promise<Outcome> {
  try {
    const read = readCamtFile(path, { fileName: name });
    for await (const _transaction of read) {
      // Reading to the end is the test; the transactions themselves are not kept.
    }
    return { kind: 'read', summary: read.summary };
  } catch (error) {
    return error instanceof CamtError ? { kind: 'typed-error', error } : { kind: 'crash', error };
  }
}

function describe(outcome: Outcome, name: string): string {
  switch (outcome.kind) {
    case 'read': {
      const s = outcome.summary;
      return (
        `ok  ${s.messageType} ${s.version} stmts=${s.statements} entries=${s.entries} ` +
        `txs=${s.transactions}  ${name}`
      );
    }
    case 'typed-error':
      return `ERR ${outcome.error.code} ${name}: ${outcome.error.message}`;
    case 'crash': {
      const error = outcome.error;
      return `ERR crash ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    }
  }
}

/** What the manifest expects of a file that the reader did otherwise. */
function disagreements(outcome: Outcome, row: ManifestRow, name: string): string[] {
  const camt = /^camt\.05[234]\.001\.\d\d$/.test(row.msg_type_version);
  // "ok", or e.g. "not-UTF8-without-decl(parsed as latin-1)": the file parses.
  const wellFormed = row.xml_parse === 'ok' || row.xml_parse.includes('parsed as');
  const expectRead = camt && wellFormed && Number(row.stmts) > 0;
  const refusal = KNOWN_REFUSALS[name];
  if (refusal !== undefined) {
    if (outcome.kind === 'typed-error' && outcome.error.code === refusal.code) return [];
    return [`${name}: must be refused with ${refusal.code} (${refusal.why})`];
  }
  if (!expectRead) {
    return outcome.kind === 'read'
      ? [`${name}: the manifest says no CAMT message, but it was read`]
      : [];
  }
  if (outcome.kind !== 'read')
    return [`${name}: the manifest says ${row.msg_type_version}, not read`];
  const s = outcome.summary;
  const expected = {
    type: row.msg_type_version,
    statements: Number(row.stmts),
    entries: Number(row.ntry),
  };
  const actual = {
    type: `${s.messageType}.${s.version}`,
    statements: s.statements,
    entries: s.entries,
  };
  const problems = (Object.keys(expected) as (keyof typeof expected)[])
    .filter((key) => expected[key] !== actual[key])
    .map((key) => `${name}: ${key} ${actual[key]}, the manifest says ${expected[key]}`);
  // One transaction per TxDtls, plus one per entry with none. The manifest counts
  // entries without NtryDtls, not those whose NtryDtls hold only a Btch: a range.
  const fewest = Number(row.txdtls) + Number(row.ntry_no_dtls);
  const most = Number(row.txdtls) + Number(row.ntry);
  if (s.transactions < fewest || s.transactions > most) {
    problems.push(
      `${name}: transactions ${s.transactions}, the manifest allows ${fewest}..${most}`,
    );
  }
  return problems;
}

function readManifest(path: string): Map<string, ManifestRow> {
  const rows = new Map<string, ManifestRow>();
  if (!existsSync(path)) return rows;
  const [header, ...lines] = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  const columns = header.split('\t');
  for (const line of lines) {
    const cells = line.split('\t');
    const row = Object.fromEntries(columns.map((column, i) => [column, cells[i] ?? '']));
    rows.set(row.file, row as unknown as ManifestRow);
  }
  return rows;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
