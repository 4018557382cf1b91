import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findCodes, withoutAnyCode, withoutCode, withoutPiecesOf } from './code-finder';
import { ALPHABET, CODE_LENGTH, DATA_SYMBOLS, displayCode, parseCode } from './code-format';

/** Fixed seed: a failure in CI reproduces on any machine. */
const RUNS = { seed: 0xf1d0, numRuns: 300 };

function withCheck(data: readonly number[]): string {
  const d = data.reduce((n, v) => n * 32n + BigInt(v), 0n);
  const check = Number((((1n - d * 1024n) % 1021n) + 1021n) % 1021n);
  return [...data, check >> 5, check & 31].map((v) => ALPHABET[v]).join('');
}

const validCode = fc
  .array(fc.integer({ min: 0, max: 31 }), { minLength: DATA_SYMBOLS, maxLength: DATA_SYMBOLS })
  .map(withCheck);

/** ISO 11649: `RF`, two check digits, then the reference. */
function creditorReference(reference: string): string {
  const digits = `${reference}RF00`.replace(/[A-Z]/g, (ch) => String(ch.charCodeAt(0) - 55));
  const check = 98n - (BigInt(digits) % 97n);
  return `RF${String(check).padStart(2, '0')}${reference}`;
}

/** Words as they stand around a code in payment texts. */
const word = fc.oneof(
  fc.constantFrom('Rechnung', 'Danke', 'Nr.', 'Kd', 'invoice', 'top-up', 'for', 'mail', '2026'),
  fc.stringMatching(/^[A-Za-z0-9]{1,10}$/),
);
const words = fc.array(word, { maxLength: 4 });

/** A code spelled the way a person or a bank may spell it, as one text. */
const spellingOf = (code: string) =>
  fc
    .record({
      lower: fc.array(fc.boolean(), { minLength: CODE_LENGTH, maxLength: CODE_LENGTH }),
      alias: fc.array(fc.nat(2), { minLength: CODE_LENGTH, maxLength: CODE_LENGTH }),
      gaps: fc.array(fc.constantFrom('', '', '', '-', ' ', '\n', '. ', ' - '), {
        minLength: CODE_LENGTH - 1,
        maxLength: CODE_LENGTH - 1,
      }),
      wrap: fc.constantFrom('plain', 'SVWZ+', 'EREF+', 'RF'),
      before: words,
      after: words,
    })
    .map(({ lower, alias, gaps, wrap, before, after }) => {
      let body = '';
      [...code].forEach((ch, i) => {
        let s = ch;
        if (ch === '0') s = ['0', 'O', 'O'][alias[i]];
        if (ch === '1') s = ['1', 'I', 'L'][alias[i]];
        body += (lower[i] ? s.toLowerCase() : s) + (gaps[i] ?? '');
      });
      if (wrap === 'RF') body = creditorReference(code).slice(0, 4) + body;
      else if (wrap !== 'plain') body = wrap + body;
      return { code, text: [...before, body, ...after].join(' '), words: [...before, ...after] };
    });
const spelled = validCode.chain(spellingOf);

/** A code with one substitution or one swap of neighbours. */
const typoed = fc
  .record({
    code: validCode,
    at: fc.nat(CODE_LENGTH - 1),
    shift: fc.integer({ min: 1, max: 31 }),
    swap: fc.boolean(),
  })
  .filter(({ code, at, swap }) => !swap || (at + 1 < CODE_LENGTH && code[at] !== code[at + 1]))
  .map(({ code, at, shift, swap }) => {
    const typo = swap
      ? code.slice(0, at) + code[at + 1] + code[at] + code.slice(at + 2)
      : code.slice(0, at) +
        ALPHABET[(ALPHABET.indexOf(code[at]) + shift) % 32] +
        code.slice(at + 1);
    return { code, typo };
  });

const canonicals = (sightings: readonly { canonical: string }[]) =>
  sightings.map((s) => s.canonical);

describe('findCodes finds a code as people and banks write it', () => {
  it('in any case, with separators and look-alikes, behind tags, amid other words', () => {
    fc.assert(
      fc.property(spelled, ({ code, text }) => {
        for (const correctTypos of [false, true]) {
          const found = findCodes([text], { correctTypos });
          expect(canonicals(found.exact)).toContain(code);
        }
      }),
      RUNS,
    );
  });

  it('reports where it stands: the sighting spans exactly the code', () => {
    fc.assert(
      fc.property(spelled, fc.array(word, { maxLength: 3 }), ({ code, text }, other) => {
        const texts = [other.join(' '), text];
        const sighting = findCodes(texts, { correctTypos: false }).exact.find(
          (s) => s.canonical === code,
        );
        expect(sighting).toBeDefined();
        const spelling = texts[sighting!.text].slice(sighting!.start, sighting!.end);
        expect(parseCode(spelling.replace(/[^0-9A-Za-z]/g, ''))).toEqual({
          ok: true,
          canonical: code,
        });
      }),
      RUNS,
    );
  });

  it('split across two remittance lines, once the caller joins them', () => {
    fc.assert(
      fc.property(spelled, fc.nat(), fc.boolean(), ({ code, text }, at, trim) => {
        const cut = at % (text.length + 1);
        let lines = [text.slice(0, cut), text.slice(cut)];
        // Banks pad or trim each remittance line; the caller joins them without separator.
        if (trim) lines = lines.map((l) => l.trim());
        const found = findCodes([lines.join('')], { correctTypos: false });
        expect(canonicals(found.exact)).toContain(code);
      }),
      RUNS,
    );
  });

  it('inside a whole ISO 11649 creditor reference', () => {
    fc.assert(
      fc.property(validCode, fc.boolean(), (code, grouped) => {
        const reference = creditorReference(code);
        const text = grouped ? reference.match(/.{1,4}/g)!.join(' ') : reference;
        expect(canonicals(findCodes([text], { correctTypos: false }).exact)).toContain(code);
      }),
      RUNS,
    );
  });

  it('split by any character that is no letter or digit: underscore, colon, bar, en dash, no-break space', () => {
    const code = withCheck([20, 7, 23, 21, 2, 29, 22, 15, 9, 13]);
    const [a, b, c] = [code.slice(0, 4), code.slice(4, 8), code.slice(8)];
    for (const gap of ['_', ':', '|', '\u2013', '\u00a0', '/'])
      expect(
        canonicals(findCodes([`Ref ${a}${gap}${b}${gap}${c}`], { correctTypos: false }).exact),
      ).toEqual([code]);
  });

  it('once, however often it is written', () => {
    const code = withCheck([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const found = findCodes([`${code} ${displayCode(code)}`, `EREF+${code}`], {
      correctTypos: true,
    });
    expect(canonicals(found.exact)).toEqual([code]);
  });

  it('in any of several texts', () => {
    fc.assert(
      fc.property(spelled, words, fc.nat(3), ({ code, text }, other, at) => {
        const texts = [other.join(' '), other.join('\n'), 'NOTPROVIDED'];
        texts.splice(at % 4, 0, text);
        expect(canonicals(findCodes(texts, { correctTypos: false }).exact)).toContain(code);
      }),
      RUNS,
    );
  });
});

describe('random text never yields a credit', () => {
  const randomText = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 100 }),
    fc.string({ unit: 'binary', maxLength: 100 }),
    fc.array(fc.stringMatching(/^[A-Za-z0-9]{1,16}$/), { maxLength: 30 }).map((w) => w.join(' ')),
    fc.stringMatching(/^[0-9A-Za-z \-\n]{0,200}$/),
  );

  it('no live code is ever found, exact or corrected, in random text', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(validCode, { minLength: 20, maxLength: 20 }),
        fc.array(randomText, { minLength: 1, maxLength: 4 }),
        (live, texts) => {
          const found = findCodes(texts, { correctTypos: true });
          const liveSet = new Set(live);
          for (const s of [...found.exact, ...found.corrected]) {
            expect(liveSet.has(s.canonical)).toBe(false);
            // Whatever is found is at least a well-formed code whose check passes.
            expect(parseCode(s.canonical)).toEqual({ ok: true, canonical: s.canonical });
          }
        },
      ),
      RUNS,
    );
  });

  it('a text with a 12-symbol window whose check fails gives no exact match', () => {
    fc.assert(
      fc.property(
        validCode,
        fc.nat(CODE_LENGTH - 1),
        fc.integer({ min: 1, max: 31 }),
        (code, i, d) => {
          const typo =
            code.slice(0, i) + ALPHABET[(ALPHABET.indexOf(code[i]) + d) % 32] + code.slice(i + 1);
          expect(findCodes([typo], { correctTypos: true }).exact).toEqual([]);
        },
      ),
      RUNS,
    );
  });
});

describe('typo correction', () => {
  const standing = fc
    .record({
      t: typoed,
      display: fc.boolean(),
      lower: fc.boolean(),
      before: words,
      after: words,
    })
    .map(({ t, display, lower, before, after }) => {
      let spelled = display ? displayCode(t.typo) : t.typo;
      if (lower) spelled = spelled.toLowerCase();
      return { code: t.code, text: [...before, spelled, ...after].join(' ') };
    });

  it('corrects a one-typo code standing as whole token(s) only when asked to', () => {
    fc.assert(
      fc.property(standing, ({ code, text }) => {
        const on = findCodes([text], { correctTypos: true });
        expect(canonicals(on.corrected)).toContain(code);
        expect(canonicals(on.exact)).not.toContain(code);
        const off = findCodes([text], { correctTypos: false });
        expect(off.corrected).toEqual([]);
        expect(canonicals(off.exact)).not.toContain(code);
      }),
      RUNS,
    );
  });

  it('does not correct a one-typo code glued to other symbols', () => {
    fc.assert(
      fc.property(typoed, fc.constantFrom('X', '7', 'Nr'), fc.boolean(), (t, glue, display) => {
        const text = glue + (display ? displayCode(t.typo) : t.typo);
        expect(canonicals(findCodes([text], { correctTypos: true }).corrected)).not.toContain(
          t.code,
        );
      }),
      RUNS,
    );
  });

  it('reads no window through a U (no Crockford symbol), not even as a typo', () => {
    const code = withCheck([20, 7, 23, 21, 2, 29, 22, 15, 9, 13]);
    for (const at of [0, 5, 11]) {
      const text = `Ref ${code.slice(0, at)}U${code.slice(at + 1)} Danke`;
      expect(findCodes([text], { correctTypos: true })).toEqual({ exact: [], corrected: [] });
    }
  });

  it('offers no correction of a code that also stands there exactly', () => {
    const code = withCheck([20, 7, 23, 21, 2, 29, 22, 15, 9, 13]);
    const found = findCodes([`${oneTypo(code)} ${code}`], { correctTypos: true });
    expect(canonicals(found.exact)).toEqual([code]);
    expect(canonicals(found.corrected)).not.toContain(code);
  });

  it('never offers a correction of a code that stands there exactly', () => {
    fc.assert(
      fc.property(validCode, (code) => {
        const found = findCodes([displayCode(code)], { correctTypos: true });
        expect(canonicals(found.exact)).toEqual([code]);
        expect(found.corrected).toEqual([]);
      }),
      RUNS,
    );
  });
});

describe('withoutCode', () => {
  const spellingsOf = (texts: readonly string[], code: string) => {
    const found = findCodes(texts, { correctTypos: true });
    return [...found.exact, ...found.corrected].filter((s) => s.canonical === code);
  };

  it('removes the code and keeps the other words', () => {
    fc.assert(
      fc.property(spelled, ({ code, text, words }) => {
        const [scrubbed] = withoutCode([text], code);
        expect(spellingsOf([scrubbed], code)).toEqual([]);
        expect(scrubbed).toContain('[code]');
        for (const w of words) expect(scrubbed).toContain(w);
      }),
      RUNS,
    );
  });

  it('removes EVERY spelling of the code, in every text, typos included', () => {
    const scenario = validCode.chain((code) =>
      fc.record({
        code: fc.constant(code),
        spellings: fc.array(spellingOf(code), { minLength: 1, maxLength: 3 }),
      }),
    );
    fc.assert(
      fc.property(scenario, fc.boolean(), ({ code, spellings }, withTypo) => {
        // The same code in several remittance fields (Ustrd and EndToEndId often repeat it).
        const texts = [
          ...spellings.map((s) => s.text),
          `EREF+${code}`,
          `${displayCode(code).toLowerCase()} and again ${code}`,
        ];
        if (withTypo) {
          const typo = oneTypo(code);
          texts.push(`SVWZ+${displayCode(typo)} Danke`, `RF99${typo}`);
        }
        const scrubbed = withoutCode(texts, code);
        expect(scrubbed).toHaveLength(texts.length);
        expect(spellingsOf(scrubbed, code)).toEqual([]);
        for (const s of scrubbed) {
          const symbols = s
            .toUpperCase()
            .replace(/[^0-9A-Z]/g, '')
            .replace(/[IL]/g, '1');
          expect(symbols.replace(/O/g, '0')).not.toContain(code);
          if (withTypo) expect(symbols.replace(/O/g, '0')).not.toContain(oneTypo(code));
        }
        for (const w of spellings.flatMap((s) => s.words)) expect(scrubbed.join(' ')).toContain(w);
      }),
      RUNS,
    );
  });

  it('keeps other codes and texts without the code unchanged', () => {
    fc.assert(
      fc.property(validCode, validCode, words, (code, other, around) => {
        fc.pre(code !== other);
        const texts = [
          [...around, displayCode(code), displayCode(other)].join(' '),
          around.join(' '),
          other,
        ];
        const scrubbed = withoutCode(texts, code);
        expect(scrubbed[0]).toBe([...around, '[code]', displayCode(other)].join(' '));
        expect(scrubbed.slice(1)).toEqual(texts.slice(1));
      }),
      RUNS,
    );
  });

  it('scrubs a code that the end-to-end id repeats, not only its first sighting', () => {
    const code = withCheck([20, 7, 23, 21, 2, 29, 22, 15, 9, 13]);
    const texts = [`SVWZ+Aufladung ${displayCode(code)}`, `EREF+${code}`, `KREF+${oneTypo(code)}`];
    expect(withoutCode(texts, code)).toEqual([
      'SVWZ+Aufladung [code]',
      'EREF+[code]',
      'KREF+[code]',
    ]);
  });

  it('scrubs each of several sightings in one text, and two run together as two', () => {
    const code = withCheck([20, 7, 23, 21, 2, 29, 22, 15, 9, 13]);
    expect(withoutCode([`a ${displayCode(code)} b ${code} c`], code)).toEqual([
      'a [code] b [code] c',
    ]);
    expect(withoutCode([`${code}${code}`], code)).toEqual(['[code][code]']);
  });

  it('takes one substitution or one swap of neighbours for the code, and nothing further from it', () => {
    const code = withCheck([20, 7, 23, 21, 2, 29, 22, 15, 9, 13]);
    const at = (text: string, i: number, ch: string) => text.slice(0, i) + ch + text.slice(i + 1);
    const other = (ch: string) => ALPHABET[(ALPHABET.indexOf(ch) + 1) % 32];
    const neither = (a: string, b: string) => [...ALPHABET].find((ch) => ch !== a && ch !== b)!;
    const swap = (i: number, j: number) => at(at(code, i, code[j]), j, code[i]);
    expect(new Set(code.slice(3, 6)).size).toBe(3); // the example needs three distinct symbols there
    const spellings = [at(code, 4, other(code[4])), swap(3, 4)];
    const notSpellings = [
      at(at(code, 3, other(code[3])), 7, other(code[7])), // two substitutions
      at(at(code, 3, other(code[3])), 4, other(code[4])), // two neighbours, not swapped
      swap(3, 5), // a swap of symbols that are not neighbours
      at(at(code, 3, other(code[3])), 5, code[3]), // half a swap, not neighbours
      at(at(code, 3, code[4]), 4, other(code[4])), // half a swap of neighbours
      at(at(code, 4, code[3]), 3, neither(code[3], code[4])), // the other half of that swap
    ];
    for (const spelling of spellings)
      expect(withoutCode([`pay ${spelling}`], code)).toEqual(['pay [code]']);
    for (const text of notSpellings)
      expect(withoutCode([`pay ${text}`], code)).toEqual([`pay ${text}`]);
  });

  it('takes a U in place of one symbol for the code: it spells the other eleven', () => {
    const code = withCheck([20, 7, 23, 21, 2, 29, 22, 15, 9, 13]);
    for (const at of [0, 6, 11])
      expect(withoutCode([`pay ${code.slice(0, at)}U${code.slice(at + 1)} now`], code)).toEqual([
        'pay [code] now',
      ]);
  });

  it('cuts overlapping spellings as one', () => {
    // 000000000001 is a code; 0000000000001 holds it at 1 and, one symbol off, at 0.
    const code = withCheck([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(code).toBe('000000000001');
    expect(withoutCode([`x 0${code} y`], code)).toEqual(['x [code] y']);
  });

  it('takes the code in its display form too', () => {
    const code = withCheck([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(withoutCode([`pay ${code}`], displayCode(code))).toEqual(['pay [code]']);
  });

  it('scrubs nothing for a "code" that is no code, even one symbol from a real one', () => {
    const code = withCheck([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // U is no Crockford symbol: twelve characters, but not a code.
    const notACode = code.slice(0, -1) + 'U';
    expect(withoutCode([`pay ${code}`], notACode)).toEqual([`pay ${code}`]);
    expect(withoutCode([`pay ${code}`], code.slice(1))).toEqual([`pay ${code}`]);
  });

  it('leaves texts without the code as they are', () => {
    expect(withoutCode(['Rechnung 4711', ''], withCheck([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))).toEqual([
      'Rechnung 4711',
      '',
    ]);
  });
});

describe('withoutAnyCode', () => {
  it('cuts every code it finds, and every spelling of the live codes it is given', () => {
    const found = withCheck([20, 7, 23, 21, 2, 29, 22, 15, 9, 13]);
    const live = withCheck([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const text = `Aufladung ${displayCode(found)} und ${oneTypo(live)}, Danke`;
    expect(withoutAnyCode(text, [live])).toBe('Aufladung [code] und [code], Danke');
    // A typo is no code of its own: without being told, it stays.
    expect(withoutAnyCode(text)).toBe(`Aufladung [code] und ${oneTypo(live)}, Danke`);
  });

  it('leaves a text without codes as it is', () => {
    expect(withoutAnyCode('Rechnung 4711 vom 3.5.')).toBe('Rechnung 4711 vom 3.5.');
  });
});

describe('withoutPiecesOf', () => {
  const code = withCheck([20, 7, 23, 21, 2, 29, 22, 15, 9, 13]);
  const shown = displayCode(code);

  it("cuts each run of four or more of the code's symbols, in order, wherever the code was split", () => {
    expect(withoutPiecesOf(`fuer ${shown.slice(0, 9)} und ${shown.slice(10)}`, code)).toBe(
      'fuer [code] und [code]',
    );
    // A separator between two pieces joins them: one cut.
    expect(withoutPiecesOf(`${code.slice(0, 6)} / ${code.slice(6)} ok`, code)).toBe('[code] ok');
  });

  it('cuts nothing for a "code" that is no code: eleven of its symbols, or a U in it', () => {
    const text = `fuer ${shown}`;
    expect(withoutPiecesOf(text, code.slice(1))).toBe(text);
    expect(withoutPiecesOf(text, `${code.slice(0, 11)}U`)).toBe(text);
  });

  it("leaves runs of three, symbols out of the code's order, and other words", () => {
    const three = code.slice(2, 5);
    const reversed = [...code.slice(0, 5)].reverse().join('');
    expect(withoutPiecesOf(`Rechnung ${three} ${reversed}`, code)).toBe(
      `Rechnung ${three} ${reversed}`,
    );
  });
});

/** A one-substitution typo of a code (its first symbol changed). */
function oneTypo(code: string): string {
  return ALPHABET[(ALPHABET.indexOf(code[0]) + 1) % 32] + code.slice(1);
}
