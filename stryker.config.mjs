// @ts-check
/**
 * `npm run mutation` (not in CI): StrykerJS 9 on one folder at a time,
 * MUTATION_FOLDER=codes|payments|camt; vitest.mutation.config.mts picks the tests.
 * One mutant at a time unless MUTATION_CONCURRENCY says more: the machine has two
 * cores shared with other work.
 */
const FOLDERS = {
  codes: ['src/codes/**/*.ts'],
  payments: ['src/payments/**/*.ts'],
  camt: ['src/bank/camt/**/*.ts'],
};
const folder = process.env.MUTATION_FOLDER ?? '';
if (!(folder in FOLDERS)) throw new Error(`MUTATION_FOLDER must be one of ${Object.keys(FOLDERS)}`);
// A run of one file (--mutate src/…/x.ts) names its reports after it: MUTATION_NAME=x.
const name = process.env.MUTATION_NAME ?? folder;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.mts', related: false },
  mutate: [...FOLDERS[folder], '!**/*.spec.ts'],
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 1),
  timeoutMS: 30_000,
  timeoutFactor: 3,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // Anchored: an unanchored 'reports' would also drop src/reports from the sandbox.
  ignorePatterns: ['/dist', '/data', '/coverage', '/reports', '/bench/out'],
};
