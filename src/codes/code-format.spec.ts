import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALPHABET,
  CODE_LENGTH,
  checkPasses,
  DATA_SYMBOLS,
  displayCode,
  generateCode,
  oneTypoNeighbours,
  parseCode,
  symbolValue,
} from './code-format';

/** Fixed seed: a failure in CI reproduces on any machine. */
const RUNS = { seed: 0x0c0de5, numRuns: 300 };

/**
 * An independent reading of the check (DESIGN.md "Top-up codes"): the code as a
 * base-32 number is congruent to 1 mod 1021. Written with BigInt on purpose, so
 * it shares no arithmetic with the implementation under test.
 */
function codeNumber(code: string): bigint {
  return [...code].reduce((n, ch) => n * 32n + BigInt(ALPHABET.indexOf(ch)), 0n);
}
function independentCheckPasses(code: string): boolean {
  return codeNumber(code) % 1021n === 1n;
}
function withCheck(data: readonly number[]): string {
  const d = data.reduce((n, v) => n * 32n + BigInt(v), 0n);
  const check = Number((((1n - d * 1024n) % 1021n) + 1021n) % 1021n);
  return [...data, check >> 5, check & 31].map((v) => ALPHABET[v]).join('');
}
const values = (code: string) => [...code].map((ch) => ALPHABET.indexOf(ch));

const symbol = fc.integer({ min: 0, max: 31 });
const validCode = fc
  .array(symbol, { minLength: DATA_SYMBOLS, maxLength: DATA_SYMBOLS })
  .map(withCheck);

/** A code with one substitution: position, and a different symbol. */
const substituted = fc
  .tuple(validCode, fc.integer({ min: 0, max: CODE_LENGTH - 1 }), fc.integer({ min: 1, max: 31 }))
  .map(([code, i, shift]) => {
    const v = values(code);
    v[i] = (v[i] + shift) % 32;
    return { code, typo: v.map((x) => ALPHABET[x]).join('') };
  });

/** A code with two different neighbours swapped. */
const swapped = fc
  .tuple(validCode, fc.integer({ min: 0, max: CODE_LENGTH - 2 }))
  .filter(([code, i]) => code[i] !== code[i + 1])
  .map(([code, i]) => ({
    code,
    typo: code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2),
  }));

describe('the alphabet', () => {
  it('is Crockford base32: 32 distinct symbols, no I, L, O, U', () => {
    expect(ALPHABET).toHaveLength(32);
    expect(new Set(ALPHABET).size).toBe(32);
    expect(ALPHABET).toMatch(/^[0-9A-Z]+$/);
    for (const banned of 'ILOU') expect(ALPHABET).not.toContain(banned);
  });

  it('reads every symbol in either case, and I, L as one and O as zero', () => {
    for (let i = 0; i < ALPHABET.length; i++) {
      expect(symbolValue(ALPHABET.charCodeAt(i))).toBe(i);
      expect(symbolValue(ALPHABET.toLowerCase().charCodeAt(i))).toBe(i);
    }
    for (const one of 'IiLl') expect(symbolValue(one.charCodeAt(0))).toBe(1);
    for (const zero of 'Oo') expect(symbolValue(zero.charCodeAt(0))).toBe(0);
  });

  it('reads U, punctuation and anything beyond ASCII as no symbol', () => {
    for (const ch of 'Uu -_.+/:\n\t\0\x7f') expect(symbolValue(ch.charCodeAt(0))).toBe(-1);
    for (const ch of 'ÄÖÜéßΑ０１Ｋ\u00a0\u200b€') expect(symbolValue(ch.charCodeAt(0))).toBe(-1);
    // The first character beyond ASCII, where the table of ASCII symbols ends.
    expect(symbolValue(0x80)).toBe(-1);
    for (let c = 0; c < 0x10000; c += 97) {
      const ch = String.fromCharCode(c);
      const expected = /^[0-9A-Za-z]$/.test(ch) && !/[Uu]/.test(ch);
      expect(symbolValue(c) >= 0).toBe(expected);
    }
  });
});

describe('generateCode', () => {
  it('yields 12 symbols of the alphabet whose check passes, and parses to itself', () => {
    for (let n = 0; n < 2000; n++) {
      const code = generateCode();
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{12}$/);
      expect(independentCheckPasses(code)).toBe(true);
      expect(checkPasses(values(code))).toBe(true);
      expect(parseCode(code)).toEqual({ ok: true, canonical: code });
    }
  });

  it('carries 50 random bits: ten data symbols of five bits each', () => {
    expect(CODE_LENGTH).toBe(12);
    expect(DATA_SYMBOLS).toBe(10);
    expect(DATA_SYMBOLS * Math.log2(ALPHABET.length)).toBe(50);
  });

  it('does not repeat itself, and every position takes all 32 symbols', () => {
    // 32^10 = 2^50 codes: a repeat in 5000 draws has odds of about 1e-8, and a
    // position missing a symbol (rarest: the first check symbol's Z, 29/1021) about 1e-60.
    const draws = Array.from({ length: 5000 }, generateCode);
    expect(new Set(draws).size).toBe(draws.length);
    for (let position = 0; position < CODE_LENGTH; position++) {
      const seen = new Set(draws.map((code) => code[position]));
      expect([...seen].sort().join('')).toBe(ALPHABET);
    }
  });

  it('agrees with the independent check computation', () => {
    fc.assert(
      fc.property(validCode, (code) => {
        expect(checkPasses(values(code))).toBe(true);
        expect(parseCode(code)).toEqual({ ok: true, canonical: code });
      }),
      RUNS,
    );
  });
});

describe('the check symbols', () => {
  it('catch EVERY single substitution: all 12 positions x 31 other symbols', () => {
    fc.assert(
      fc.property(validCode, (code) => {
        const v = values(code);
        for (let i = 0; i < CODE_LENGTH; i++) {
          for (let other = 0; other < 32; other++) {
            if (other === v[i]) continue;
            const typo = code.slice(0, i) + ALPHABET[other] + code.slice(i + 1);
            expect(parseCode(typo)).toEqual({ ok: false, problem: 'check' });
            expect(independentCheckPasses(typo)).toBe(false);
          }
        }
      }),
      RUNS,
    );
  });

  it('catch EVERY swap of two different neighbours', () => {
    fc.assert(
      fc.property(validCode, (code) => {
        for (let i = 0; i + 1 < CODE_LENGTH; i++) {
          if (code[i] === code[i + 1]) continue;
          const typo = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
          expect(parseCode(typo)).toEqual({ ok: false, problem: 'check' });
          expect(checkPasses(values(typo))).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it('checkPasses reads a window at an offset', () => {
    fc.assert(
      fc.property(validCode, fc.array(symbol, { maxLength: 5 }), (code, before) => {
        const stream = [...before, ...values(code), 7];
        expect(checkPasses(stream, before.length)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('parseCode', () => {
  /** How a person may type a code: any case, separators, look-alikes. */
  const typed = fc
    .tuple(
      validCode,
      fc.array(fc.boolean(), { minLength: CODE_LENGTH, maxLength: CODE_LENGTH }),
      fc.array(fc.constantFrom('', '', '-', ' ', '.', '  ', ' - '), {
        minLength: CODE_LENGTH + 1,
        maxLength: CODE_LENGTH + 1,
      }),
      fc.array(fc.nat(3), { minLength: CODE_LENGTH, maxLength: CODE_LENGTH }),
    )
    .map(([code, lower, separators, alias]) => {
      let text = separators[0];
      [...code].forEach((ch, i) => {
        let spelled = ch;
        if (ch === '1') spelled = ['1', 'I', 'L', '1'][alias[i]];
        if (ch === '0') spelled = ['0', 'O', '0', 'O'][alias[i]];
        text += (lower[i] ? spelled.toLowerCase() : spelled) + separators[i + 1];
      });
      return { code, text };
    });

  it('accepts lower case, separators - space . and the look-alikes I, L, O', () => {
    fc.assert(
      fc.property(typed, ({ code, text }) => {
        expect(parseCode(text)).toEqual({ ok: true, canonical: code });
      }),
      RUNS,
    );
  });

  it('reads a known example', () => {
    const code = withCheck([20, 7, 23, 21, 2, 29, 22, 15, 9, 13]);
    const spelled = code.toLowerCase().replace(/1/g, 'l').replace(/0/g, 'o');
    expect(
      parseCode(` ${spelled.slice(0, 4)}-${spelled.slice(4, 8)}.${spelled.slice(8)} `),
    ).toEqual({ ok: true, canonical: code });
  });

  it('refuses U anywhere with `format`', () => {
    fc.assert(
      fc.property(validCode, fc.nat(CODE_LENGTH - 1), fc.constantFrom('U', 'u'), (code, i, u) => {
        expect(parseCode(code.slice(0, i) + u + code.slice(i + 1))).toEqual({
          ok: false,
          problem: 'format',
        });
      }),
      RUNS,
    );
  });

  it('refuses a wrong length with `format`', () => {
    fc.assert(
      fc.property(
        fc.array(symbol, { maxLength: 30 }).filter((v) => v.length !== CODE_LENGTH),
        (v) => {
          const text = v.map((x) => ALPHABET[x]).join('');
          expect(parseCode(text)).toEqual({ ok: false, problem: 'format' });
          expect(parseCode(displayLike(text))).toEqual({ ok: false, problem: 'format' });
        },
      ),
      RUNS,
    );
    expect(parseCode('')).toEqual({ ok: false, problem: 'format' });
    expect(parseCode(' - . ')).toEqual({ ok: false, problem: 'format' });
  });

  it('refuses symbols from beyond ASCII with `format`, even ones that look alike', () => {
    fc.assert(
      fc.property(
        validCode,
        fc.nat(CODE_LENGTH - 1),
        fc.constantFrom('Ｋ', '０', 'Α', 'К', 'é', '+', '/', '#'),
        (code, i, odd) => {
          expect(parseCode(code.slice(0, i) + odd + code.slice(i + 1))).toEqual({
            ok: false,
            problem: 'format',
          });
        },
      ),
      RUNS,
    );
  });
});

function displayLike(text: string): string {
  return text.match(/.{1,4}/g)?.join('-') ?? text;
}

describe('displayCode', () => {
  it('groups a code 4-4-4 and parses back to it', () => {
    fc.assert(
      fc.property(validCode, (code) => {
        const shown = displayCode(code);
        expect(shown).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
        expect(shown.replace(/-/g, '')).toBe(code);
        expect(parseCode(shown)).toEqual({ ok: true, canonical: code });
      }),
      RUNS,
    );
  });
});

describe('oneTypoNeighbours', () => {
  const isOneTypoApart = (a: string, b: string) => {
    const diff = [...a].flatMap((ch, i) => (ch === b[i] ? [] : [i]));
    if (diff.length === 1) return true;
    return (
      diff.length === 2 &&
      diff[1] === diff[0] + 1 &&
      a[diff[0]] === b[diff[1]] &&
      a[diff[1]] === b[diff[0]]
    );
  };

  it('contains the original code for every single substitution', () => {
    fc.assert(
      fc.property(substituted, ({ code, typo }) => {
        expect(oneTypoNeighbours(values(typo))).toContain(code);
      }),
      RUNS,
    );
  });

  it('contains the original code for every swap of neighbours', () => {
    fc.assert(
      fc.property(swapped, ({ code, typo }) => {
        expect(oneTypoNeighbours(values(typo))).toContain(code);
      }),
      RUNS,
    );
  });

  it('holds only codes whose check passes, each one typo away, without repeats', () => {
    fc.assert(
      fc.property(fc.oneof(substituted, swapped), ({ typo }) => {
        const neighbours = oneTypoNeighbours(values(typo));
        expect(new Set(neighbours).size).toBe(neighbours.length);
        for (const n of neighbours) {
          expect(independentCheckPasses(n)).toBe(true);
          expect(isOneTypoApart(typo, n)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('finds every code one typo away, by brute force', () => {
    fc.assert(
      fc.property(fc.array(symbol, { minLength: 12, maxLength: 12 }), (v) => {
        const text = v.map((x) => ALPHABET[x]).join('');
        const expected = new Set<string>();
        for (let i = 0; i < CODE_LENGTH; i++) {
          for (const ch of ALPHABET) {
            const c = text.slice(0, i) + ch + text.slice(i + 1);
            if (c !== text && independentCheckPasses(c)) expected.add(c);
          }
          if (i + 1 < CODE_LENGTH) {
            const c = text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2);
            if (c !== text && independentCheckPasses(c)) expected.add(c);
          }
        }
        expect(new Set(oneTypoNeighbours(v))).toEqual(expected);
      }),
      { ...RUNS, numRuns: 200 },
    );
  });

  it('is empty for a valid code: no other code lies one typo away', () => {
    fc.assert(
      fc.property(validCode, (code) => {
        expect(oneTypoNeighbours(values(code))).toEqual([]);
      }),
      RUNS,
    );
  });
});
