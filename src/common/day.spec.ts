import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, addMonths, dayOf, isDay } from './day';

const RUNS = { seed: 0xda7, numRuns: 300 };

/** Days from 1970 to 2199, as the service meets them. */
const day = fc
  .integer({ min: 0, max: 84_000 })
  .map((n) => dayOf(new Date(Date.UTC(1970, 0, 1) + n * 86_400_000)));

describe('isDay', () => {
  it.each(['2026-01-01', '2026-02-28', '2028-02-29', '2000-02-29', '2026-12-31', '1999-04-30'])(
    'accepts %s',
    (value) => expect(isDay(value)).toBe(true),
  );

  it.each([
    '2026-02-30',
    '2026-02-29',
    '1900-02-29',
    '2026-13-01',
    '2026-00-10',
    '2026-01-00',
    '2026-04-31',
    '2026-1-01',
    '2026-01-1',
    '26-01-01',
    ' 2026-01-01',
    '2026-01-01 ',
    '2026-01-01T00:00:00Z',
    '2026/01/01',
    '',
    'today',
  ])('rejects %j', (value) => expect(isDay(value)).toBe(false));
});

describe('addDays', () => {
  it.each([
    ['2026-01-31', 1, '2026-02-01'],
    ['2026-02-28', 1, '2026-03-01'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2027-01-01', -1, '2026-12-31'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2026-01-01', 365, '2027-01-01'],
    ['2028-01-01', 365, '2028-12-31'],
    ['2026-06-15', 0, '2026-06-15'],
  ])('%s + %i days = %s', (from, days, to) => expect(addDays(from, days)).toBe(to));

  it('refuses what is no day', () => {
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
  });

  it('moves by whole days, and back', () => {
    fc.assert(
      fc.property(day, fc.integer({ min: -3000, max: 3000 }), (d, n) => {
        const moved = addDays(d, n);
        expect(isDay(moved)).toBe(true);
        expect(Date.parse(moved) - Date.parse(d)).toBe(n * 86_400_000);
        expect(addDays(moved, -n)).toBe(d);
      }),
      RUNS,
    );
  });
});

describe('addMonths', () => {
  it.each([
    ['2026-01-31', 1, '2026-02-28'],
    ['2028-01-31', 1, '2028-02-29'],
    ['2026-01-30', 1, '2026-02-28'],
    ['2026-01-15', 1, '2026-02-15'],
    ['2026-03-31', 1, '2026-04-30'],
    ['2026-12-15', 1, '2027-01-15'],
    ['2026-12-31', 2, '2027-02-28'],
    ['2027-11-30', 3, '2028-02-29'],
    ['2026-01-31', 13, '2027-02-28'],
    ['2026-03-31', -1, '2026-02-28'],
    ['2026-01-15', -1, '2025-12-15'],
    ['2028-02-29', 12, '2029-02-28'],
    ['2026-05-20', 0, '2026-05-20'],
  ])('%s + %i months = %s', (from, months, to) => expect(addMonths(from, months)).toBe(to));

  it('lands in the right month, on the same day or the month’s last', () => {
    fc.assert(
      fc.property(day, fc.integer({ min: -60, max: 60 }), (d, n) => {
        const moved = addMonths(d, n);
        expect(isDay(moved)).toBe(true);
        const [y, m, dd] = d.split('-').map(Number);
        const [y2, m2, dd2] = moved.split('-').map(Number);
        expect(y2 * 12 + m2 - (y * 12 + m)).toBe(n);
        const lastOfMonth = new Date(Date.UTC(y2, m2, 0)).getUTCDate();
        expect(dd2).toBe(Math.min(dd, lastOfMonth));
      }),
      RUNS,
    );
  });
});
