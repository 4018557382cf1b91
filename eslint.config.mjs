import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'data/**',
      'coverage/**',
      '*.mjs',
      '.stryker-tmp/**',
      'reports/**',
      'bench/out/**',
      'console-assets/**',
      'topup-build/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // Code that runs once per payment of a bank import. Node 20's V8 allocates an
    // object spread with added properties so that it survives the young
    // generation: the journal row built that way sent every payment of an import
    // to the old one, +60 MB between collections (npm run bench:import).
    files: [
      'src/bank/**/*.ts',
      'src/payments/payment-intake.ts',
      'src/payments/payment.repository.ts',
      'src/codes/code-finder.ts',
      'src/codes/topup-code.repository.ts',
      'src/mailboxes/ledger.repository.ts',
      'src/events/outbox.repository.ts',
    ],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'ObjectExpression > SpreadElement ~ Property, ObjectExpression > Property ~ SpreadElement',
          message:
            'No object spread beside other properties on the per-payment path: V8 promotes such objects to the old generation (bench:import). Write the fields out.',
        },
      ],
    },
  },
  {
    files: ['src/cli/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'test/**/*.ts', 'src/main.ts'],
    rules: { 'no-console': 'off' },
  },
);
