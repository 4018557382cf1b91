/**
 * Applies each surviving mutant of a StrykerJS JSON report to a clean copy of
 * the tree, one at a time, and runs the folder's mutation tests against it:
 *
 *   MUTATION_FOLDER=camt node -r @swc-node/register scripts/mutation-recheck.ts \
 *     reports/mutation/record-path.trie.json [--static]
 *
 * Why: StrykerJS 9.6 with its vitest runner activates a static mutant (code
 * that runs when a module loads, such as a table compiled at import) after the
 * module has loaded, or counts a test file that no longer imports as no test,
 * and reports such mutants as survived (stryker-js#6144, #6209). Applied by
 * hand, many of them fail every test. `--static` rechecks only those.
 *
 * The copy is a git worktree of HEAD (the report must be of HEAD's sources);
 * the tree you work in is never touched. Prints one line per mutant, killed
 * or SURVIVES, and exits 0.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

interface Position {
  line: number;
  column: number;
}
interface Mutant {
  mutatorName: string;
  replacement?: string;
  status: string;
  static?: boolean;
  location: { start: Position; end: Position };
}
interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}

const [reportPath, ...flags] = process.argv.slice(2);
if (!reportPath || !process.env.MUTATION_FOLDER) {
  console.error('usage: MUTATION_FOLDER=<folder> mutation-recheck.ts <report.json> [--static]');
  process.exit(2);
}
const onlyStatic = flags.includes('--static');
const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
const root = resolve(__dirname, '..');
const copy = join(mkdtempSync(join(tmpdir(), 'mutation-recheck-')), 'tree');

const git = (...args: string[]) => {
  const run = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
};
git('worktree', 'add', '--detach', copy, 'HEAD');
symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
try {
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const path = join(copy, file);
    const original = readFileSync(path, 'utf8');
    if (original !== source)
      throw new Error(`${file} at HEAD is not the source the report was made of`);
    const starts = [0];
    for (const line of original.split('\n'))
      starts.push(starts[starts.length - 1] + line.length + 1);
    const offset = (at: Position) => starts[at.line - 1] + at.column - 1;
    const chosen = mutants.filter((m) => m.status === 'Survived' && (!onlyStatic || m.static));
    for (const mutant of chosen) {
      const start = offset(mutant.location.start);
      const end = offset(mutant.location.end);
      writeFileSync(
        path,
        original.slice(0, start) + (mutant.replacement ?? '') + original.slice(end),
      );
      const run = spawnSync('npx', ['vitest', 'run', '--config', 'vitest.mutation.config.mts'], {
        cwd: copy,
        encoding: 'utf8',
        env: process.env,
      });
      const was = JSON.stringify(original.slice(start, end)).slice(0, 60);
      const now = JSON.stringify(mutant.replacement ?? '').slice(0, 60);
      const verdict = run.status === 0 ? 'SURVIVES' : 'killed';
      console.log(
        `${file}:${mutant.location.start.line} ${mutant.mutatorName} ${was} => ${now}: ${verdict}`,
      );
    }
    writeFileSync(path, original);
  }
} finally {
  git('worktree', 'remove', '--force', copy);
  rmSync(join(copy, '..'), { recursive: true, force: true });
}
