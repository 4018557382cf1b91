import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * The shared corpus of public CAMT files: `../shared/camt-corpus` beside the clone,
 * as CI and `npm run conformance` expect it, or wherever CAMT_CORPUS_DIR says.
 * Tests read it in place; its files are never copied into the project.
 */
export const CAMT_CORPUS = resolve(
  process.env.CAMT_CORPUS_DIR ?? resolve(__dirname, '../../../shared/camt-corpus'),
);

const MANIFEST = 'MANIFEST.tsv';

export interface CorpusFile {
  /** Path below the corpus, as MANIFEST.tsv names it. */
  name: string;
  bytes: Buffer;
  /** The manifest's row (msg_type_version, ntry, ustrd, ...); undefined if unlisted. */
  manifest: Record<string, string> | undefined;
}

/**
 * Every file of the corpus with its manifest row. Throws when the corpus is not
 * there: a test that reads it must fail then, not pass without having read it.
 */
export function corpusFiles(): CorpusFile[] {
  if (!existsSync(join(CAMT_CORPUS, MANIFEST))) {
    throw new Error(
      `the CAMT corpus is missing at ${CAMT_CORPUS}: CI must provide ../shared/camt-corpus ` +
        `beside the clone, or set CAMT_CORPUS_DIR to a folder holding ${MANIFEST}`,
    );
  }
  const [header, ...lines] = readFileSync(join(CAMT_CORPUS, MANIFEST), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'));
  const rows = new Map(
    lines.map((cells) => [cells[0], Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']))]),
  );
  return filesUnder(CAMT_CORPUS)
    .map((path) => relative(CAMT_CORPUS, path))
    .filter((name) => name !== MANIFEST)
    .map((name) => ({
      name,
      bytes: readFileSync(join(CAMT_CORPUS, name)),
      manifest: rows.get(name),
    }));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });
}
