import { defineConfig } from 'vitest/config';
import base from './vitest.config.mts';

/**
 * The tests that `npm run mutation` runs against each mutated folder
 * (MUTATION_FOLDER): the unit tests of the folder and the e2e tests that drive
 * it, not the whole suite, so that one mutant costs seconds rather than minutes.
 */
const TESTS: Record<string, string[]> = {
  codes: [
    'src/codes/*.spec.ts',
    'test/e2e/intake.e2e-spec.ts',
    'test/e2e/mailboxes.e2e-spec.ts',
    'test/e2e/live-code-oracle.e2e-spec.ts',
    'test/hostile/typos.e2e-spec.ts',
    // Reserves and their GiroCode, the balance cap's mailbox lookup, PayPal's claim.
    'test/e2e/tokens.e2e-spec.ts',
    'test/e2e/limits.e2e-spec.ts',
    'test/e2e/paypal.e2e-spec.ts',
    // A denied PayPal capture claims its code (TopupCodeRepository.claim).
    'test/e2e/paypal-outcomes.e2e-spec.ts',
    'test/e2e/paypal-webhooks.e2e-spec.ts',
  ],
  payments: [
    'test/e2e/intake.e2e-spec.ts',
    'test/e2e/cash.e2e-spec.ts',
    'test/e2e/unmatched.e2e-spec.ts',
    'test/e2e/booking-identity.e2e-spec.ts',
    'test/e2e/payment-days.e2e-spec.ts',
    'test/e2e/paypal.e2e-spec.ts',
    'test/e2e/reports.e2e-spec.ts',
    'test/e2e/limits.e2e-spec.ts',
    'test/hostile/typos.e2e-spec.ts',
    // The intake's metrics hook, token reserves' credits and the events of credits.
    'test/e2e/metrics.e2e-spec.ts',
    'test/e2e/tokens.e2e-spec.ts',
    'test/e2e/events.e2e-spec.ts',
    // One capture twice, card credits' anonymity groups, the retention purge.
    'test/e2e/paypal-race.e2e-spec.ts',
    'test/e2e/card.e2e-spec.ts',
    'test/e2e/retention.e2e-spec.ts',
    // The settlement's own schedule: at start, on its interval, at stop, after a failure.
    'test/e2e/settlement-schedule.e2e-spec.ts',
  ],
  camt: ['test/bank/camt/*.spec.ts'],
};

const folder = process.env.MUTATION_FOLDER ?? '';
if (!(folder in TESTS)) throw new Error(`MUTATION_FOLDER must be one of ${Object.keys(TESTS)}`);

// Not mergeConfig: it would append these to the base config's include instead of replacing it.
// Stryker runs vitest in worker threads, which refuse node flags such as --expose-gc.
// BANK_IMPORT_THREAD=false: an upload imported on the import thread runs code that Stryker
// neither instruments for coverage nor switches to the active mutant (startTestApp reads it).
export default defineConfig({
  ...base,
  // Instrumented code runs several times slower: the typo sweep alone passes 30 s.
  test: {
    ...base.test,
    include: TESTS[folder],
    execArgv: [],
    testTimeout: 300_000,
    env: { ...base.test?.env, BANK_IMPORT_THREAD: 'false' },
  },
});
