import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { duplicateMember } from './json-body';

const check = (text: string) => duplicateMember(text, JSON.parse(text));

describe('duplicateMember', () => {
  it('finds a member written twice, at the top or nested, by its path', () => {
    expect(check('{"amountMinor":100,"amountMinor":50000}')).toBe('amountMinor');
    expect(check('{"entries":[{"code":"A","amountMinor":1},{"code":"B","code":"C"}]}')).toBe(
      'entries.1.code',
    );
    expect(check('{"a":{"b":{"c":1,"d":[1,{"e":2,"e":3}]}}}')).toBe('a.b.d.1.e');
  });

  it('sees a name spelt with escapes as the same name', () => {
    expect(check('{"amountMinor":100,"\\u0061mountMinor":50000}')).toBe('amountMinor');
  });

  it('is not misled by colons, quotes, brackets and escapes inside strings', () => {
    expect(check('{"a":"x:\\"y\\":{[","b":"}]:,","c":{"a":"\\\\"}}')).toBeUndefined();
    expect(check('{"a":"x:\\"a\\":1","a":2}')).toBe('a');
  });

  it('lets the same name stand in sibling objects and on different levels', () => {
    expect(check('[{"a":1},{"a":2},{"b":{"a":3}}]')).toBeUndefined();
  });

  it('finds nothing in any JSON that JSON.stringify writes, and the inserted duplicate in any', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (value, name) => {
        const text = JSON.stringify(value);
        expect(check(text)).toBeUndefined();
        const doubled = `{${JSON.stringify(name)}:1,"x":${text},${JSON.stringify(name)}:2}`;
        const expected = name === 'x' ? 'x' : name;
        expect(check(doubled)).toBe(expected);
      }),
      { seed: 11, numRuns: 500 },
    );
  });

  it('copes with a body nested thousands of levels deep', () => {
    const deep = '['.repeat(20_000) + '{"a":1,"a":2}' + ']'.repeat(20_000);
    expect(check(deep)).toBe(`${'0.'.repeat(20_000)}a`);
  });
});
