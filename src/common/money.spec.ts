import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AmountFormatError,
  formatMinor,
  isKnownCurrency,
  minorUnits,
  parseDecimalToMinor,
} from './money';

const RUNS = { seed: 0x4d0e7, numRuns: 300 };

describe('the ISO 4217 table', () => {
  it.each([
    ['EUR', 2],
    ['USD', 2],
    ['CHF', 2],
    ['GBP', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['ISK', 0],
    ['BHD', 3],
    ['KWD', 3],
    ['TND', 3],
    ['CLF', 4],
  ])('%s has %i minor units', (currency, exponent) => {
    expect(isKnownCurrency(currency)).toBe(true);
    expect(minorUnits(currency)).toBe(exponent);
  });

  it.each(['eur', 'XXX', 'DEM', 'HRK', '', 'EURO', 'toString', 'constructor'])(
    '%j is no active currency',
    (code) => {
      expect(isKnownCurrency(code)).toBe(false);
      expect(minorUnits(code)).toBeUndefined();
    },
  );
});

describe('parseDecimalToMinor', () => {
  it.each([
    ['12', 'EUR', 1200],
    ['12.5', 'EUR', 1250],
    ['12.50', 'EUR', 1250],
    ['0.00', 'EUR', 0],
    ['0', 'EUR', 0],
    ['0.01', 'EUR', 1],
    ['12.34000', 'EUR', 1234],
    ['007.10', 'EUR', 710],
    [' 12.50\n', 'EUR', 1250],
    ['1500', 'JPY', 1500],
    ['1500.000', 'JPY', 1500],
    ['1.234', 'BHD', 1234],
    ['1.2', 'BHD', 1200],
    ['1.23400', 'BHD', 1234],
    ['0.0001', 'CLF', 1],
    ['90071992547409.91', 'EUR', Number.MAX_SAFE_INTEGER],
    ['9007199254740991', 'JPY', Number.MAX_SAFE_INTEGER],
  ])('reads %j %s as %i minor units', (text, currency, minor) => {
    expect(parseDecimalToMinor(text, currency)).toBe(minor);
  });

  it.each([
    ['12.345', 'EUR'],
    ['12.34001', 'EUR'],
    ['1500.5', 'JPY'],
    ['1.2345', 'BHD'],
    ['-1', 'EUR'],
    ['+1', 'EUR'],
    ['1e3', 'EUR'],
    ['1E3', 'EUR'],
    ['0x10', 'EUR'],
    [' ', 'EUR'],
    ['', 'EUR'],
    ['abc', 'EUR'],
    ['12.', 'EUR'],
    ['.5', 'EUR'],
    ['1,50', 'EUR'],
    ['1 000', 'EUR'],
    ['1.000.00', 'EUR'],
    ['١٢', 'EUR'],
    ['１２', 'EUR'],
    ['Infinity', 'EUR'],
    ['NaN', 'EUR'],
    ['12', 'XXX'],
    ['12', 'eur'],
    ['90071992547409.92', 'EUR'],
    ['9007199254740992', 'JPY'],
    ['1' + '0'.repeat(30), 'EUR'],
    ['9'.repeat(400), 'JPY'],
  ])('refuses %j %s', (text, currency) => {
    expect(() => parseDecimalToMinor(text, currency)).toThrow(AmountFormatError);
  });

  it('names an unknown currency', () => {
    expect(() => parseDecimalToMinor('12', 'XXX')).toThrow(/unknown currency XXX/);
  });
});

describe('formatMinor', () => {
  it.each([
    [1250, 'EUR', '12.50'],
    [5, 'EUR', '0.05'],
    [0, 'EUR', '0.00'],
    [-1250, 'EUR', '-12.50'],
    [-5, 'EUR', '-0.05'],
    [1500, 'JPY', '1500'],
    [0, 'JPY', '0'],
    [1234, 'BHD', '1.234'],
    [1, 'CLF', '0.0001'],
    [Number.MAX_SAFE_INTEGER, 'EUR', '90071992547409.91'],
  ])('writes %i %s as %j', (minor, currency, text) => {
    expect(formatMinor(minor, currency)).toBe(text);
  });
});

describe('round trip', () => {
  const currencies = ['EUR', 'USD', 'CHF', 'SEK', 'JPY', 'KRW', 'ISK', 'BHD', 'KWD', 'CLF', 'UYW'];
  const currency = fc.constantFrom(...currencies);

  it('samples only known currencies', () => {
    for (const c of currencies) expect(isKnownCurrency(c)).toBe(true);
  });

  it('parse(formatMinor(m)) = m for any amount and currency', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), currency, (minor, c) => {
        const text = formatMinor(minor, c);
        const exponent = minorUnits(c)!;
        expect(text).toMatch(exponent === 0 ? /^\d+$/ : new RegExp(`^\\d+\\.\\d{${exponent}}$`));
        expect(parseDecimalToMinor(text, c)).toBe(minor);
      }),
      RUNS,
    );
  });

  it('formatMinor(parse(x)) = x for every canonical decimal, and trailing zeros change nothing', () => {
    fc.assert(
      fc.property(
        currency,
        fc.stringMatching(/^(0|[1-9]\d{0,11})$/),
        fc.stringMatching(/^\d{4}$/),
        fc.nat(3),
        (c, whole, fourDigits, zeros) => {
          const exponent = minorUnits(c)!;
          const canonical = exponent === 0 ? whole : `${whole}.${fourDigits.slice(0, exponent)}`;
          expect(formatMinor(parseDecimalToMinor(canonical, c), c)).toBe(canonical);
          const padded = (exponent === 0 ? `${whole}.` : canonical) + '0'.repeat(zeros + 1);
          expect(parseDecimalToMinor(padded, c)).toBe(parseDecimalToMinor(canonical, c));
        },
      ),
      RUNS,
    );
  });
});
