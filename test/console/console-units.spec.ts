import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { buildConfig, parseEnv } from '../../src/config/app-config';
import { formatAmount, parseTypedAmount } from '../../src/console/web/amount';

describe('amounts as the cash office types them', () => {
  it.each([
    ['12,00', 1200],
    ['12.00', 1200],
    ['12', 1200],
    ['12,5', 1250],
    ['€ 12,00', 1200],
    ['12,00 €', 1200],
    ['12 EUR', 1200],
    ['1.234,50', 123450],
    ['1,234.50', 123450],
    ['0,01', 1],
  ])('reads %s as %i minor units', (typed, minor) => {
    expect(parseTypedAmount(typed)).toBe(minor);
  });

  it.each(['', '€', 'abc', '12,345,6', '1.23.45', '-5', '0', '0,00', '12,,00', '1e3'])(
    'refuses %j',
    (typed) => {
      expect(parseTypedAmount(typed)).toBeUndefined();
    },
  );

  it('reads back what the console shows, in German and English', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.constantFrom('de', 'en'),
        (minor, locale) => {
          expect(parseTypedAmount(formatAmount(minor, 'EUR', locale))).toBe(minor);
        },
      ),
    );
  });
});

describe('CASH_FOUR_EYES', () => {
  const env = (extra: Record<string, string>) =>
    buildConfig(
      parseEnv({
        SECRET_KEY: randomBytes(32).toString('hex'),
        API_KEYS: `staff:${'s'.repeat(24)}`,
        ...extra,
      }),
    ).console.fourEyes;

  it('is on by default in production and off elsewhere; either can be set', () => {
    expect(env({ NODE_ENV: 'production' })).toBe(true);
    expect(env({ NODE_ENV: 'development' })).toBe(false);
    expect(env({ NODE_ENV: 'production', CASH_FOUR_EYES: 'false' })).toBe(false);
    expect(env({ NODE_ENV: 'test', CASH_FOUR_EYES: 'true' })).toBe(true);
  });
});
