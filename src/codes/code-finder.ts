import {
  CODE_LENGTH,
  checkPasses,
  encodeSymbols,
  oneTypoNeighbours,
  symbolValue,
} from './code-format';

/** Where a candidate code stands in the text it came from. */
export interface CodeSighting {
  canonical: string;
  text: number;
  start: number;
  end: number;
}

export interface FoundCodes {
  /** Windows whose check symbols pass: codes as written. */
  exact: CodeSighting[];
  /** Readings of whole-token groups of 12 symbols that fail the check, with one typo corrected. */
  corrected: CodeSighting[];
}

/** Symbols of a text with their positions; anything that is not a letter or digit separates tokens. */
function symbolsOf(text: string) {
  const values: number[] = [];
  const positions: number[] = [];
  const tokenStarts = new Set<number>();
  const tokenEnds = new Set<number>();
  let inToken = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const isAlnum =
      (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
    if (!isAlnum) {
      if (inToken) tokenEnds.add(values.length);
      inToken = false;
      continue;
    }
    if (!inToken) tokenStarts.add(values.length);
    inToken = true;
    // U is no Crockford symbol: it stays in the stream as a breaker (-1).
    values.push(symbolValue(code));
    positions.push(i);
  }
  if (inToken) tokenEnds.add(values.length);
  return { values, positions, tokenStarts, tokenEnds };
}

/**
 * Finds top-up codes in free text: any case, with or without separators,
 * split across lines or remittance fields, surrounded by other words,
 * behind bank tags such as `SVWZ+` or inside an RF creditor reference.
 * Separators are dropped and every 12-symbol window is tried, so a code split
 * anywhere is still found; a window is a candidate only if its check passes.
 */
export function findCodes(
  texts: readonly string[],
  options: { correctTypos: boolean },
): FoundCodes {
  const exact: CodeSighting[] = [];
  const corrected: CodeSighting[] = [];
  const seen = new Set<string>();
  texts.forEach((text, t) => {
    const { values, positions, tokenStarts, tokenEnds } = symbolsOf(text);
    for (let s = 0; s + CODE_LENGTH <= values.length; s++) {
      let valid = true;
      for (let k = s; k < s + CODE_LENGTH; k++) {
        if (values[k] < 0) {
          valid = false;
          s = k; // no window through an invalid symbol
          break;
        }
      }
      if (!valid) continue;
      const window = values.slice(s, s + CODE_LENGTH);
      const sighting = (canonical: string) => ({
        canonical,
        text: t,
        start: positions[s],
        end: positions[s + CODE_LENGTH - 1] + 1,
      });
      if (checkPasses(window)) {
        const canonical = encodeSymbols(window);
        if (!seen.has(canonical)) {
          seen.add(canonical);
          exact.push(sighting(canonical));
        }
      } else if (options.correctTypos && tokenStarts.has(s) && tokenEnds.has(s + CODE_LENGTH)) {
        for (const canonical of oneTypoNeighbours(window)) corrected.push(sighting(canonical));
      }
    }
  });
  return { exact, corrected: corrected.filter((c) => !seen.has(c.canonical)) };
}

/** Whether a window is the code, or the code with one substitution or one swap of neighbours. */
function isSpellingOf(window: readonly number[], code: readonly number[]): boolean {
  const diff: number[] = [];
  for (let i = 0; i < CODE_LENGTH; i++) {
    if (window[i] !== code[i] && diff.push(i) > 2) return false;
  }
  if (diff.length < 2) return true;
  const [i, j] = diff;
  return j === i + 1 && window[i] === code[j] && window[j] === code[i];
}

/**
 * The texts with every spelling of one code replaced by a marker: what the
 * journal keeps of a credited payment's remittance (DESIGN.md, step 3).
 *
 * Every sighting counts, not only the first: banks often repeat the
 * remittance in the end-to-end id, and a copy left behind would store a
 * redeemed code in clear. Spellings with one typo go too (they name the code
 * as well as the code itself), wherever they stand, and so does a U (no
 * symbol) in place of one of its symbols; the scan repeats until
 * no spelling is left, in case a cut joins two pieces into a new one.
 */
export function withoutCode(texts: readonly string[], canonical: string): string[] {
  const code = symbolValuesOf(canonical);
  if (!code) return [...texts];
  return texts.map((text) => {
    let result = text;
    for (;;) {
      const { values, positions } = symbolsOf(result);
      const cuts: { start: number; end: number }[] = [];
      for (let s = 0; s + CODE_LENGTH <= values.length; s++) {
        // A U (-1) differs from every symbol: in place of one, the other eleven spell the code.
        const window = values.slice(s, s + CODE_LENGTH);
        if (!isSpellingOf(window, code)) continue;
        const start = positions[s];
        const end = positions[s + CODE_LENGTH - 1] + 1;
        const last = cuts[cuts.length - 1];
        if (last && start < last.end)
          last.end = end; // overlapping spellings: one cut
        else cuts.push({ start, end });
      }
      if (cuts.length === 0) return result;
      result = cutOut(result, cuts);
    }
  });
}

/** The twelve symbol values of a code as written (separators dropped), or undefined. */
function symbolValuesOf(canonical: string): number[] | undefined {
  const code = [...canonical.replace(/[\s\-_.]/g, '')].map((ch) => symbolValue(ch.charCodeAt(0)));
  return code.length === CODE_LENGTH && code.every((v) => v >= 0) ? code : undefined;
}

/** The text with each range (in order, not overlapping) replaced by the marker. */
function cutOut(text: string, cuts: readonly { start: number; end: number }[]): string {
  let result = text;
  for (let i = cuts.length - 1; i >= 0; i--)
    result = `${result.slice(0, cuts[i].start)}[code]${result.slice(cuts[i].end)}`;
  return result;
}

/**
 * The text as the journal may keep it: every code found in it (any window
 * whose check symbols pass) and every spelling of the codes in `also` (live
 * codes read through a typo) replaced by a marker. No code, live or spent, is
 * ever stored in clear; staff find a payment again by its bank reference, its
 * payer or the paper letter.
 */
export function withoutAnyCode(text: string, also: readonly string[] = []): string {
  let result = text;
  let codes = new Set(also);
  // Cutting can join two pieces into a new window: look again until none is left.
  for (let round = 0; round < 8; round++) {
    for (const found of findCodes([result], { correctTypos: false }).exact)
      codes.add(found.canonical);
    if (codes.size === 0) return result;
    for (const code of codes) result = withoutCode([result], code)[0];
    codes = new Set();
  }
  return result;
}

/** Fewest symbols of a code, in a row, that count as a piece of it. */
const PIECE = 4;

/**
 * The text with every run of PIECE or more symbols (separators between them
 * dropped) that stands in the code, in its order, cut out. For a code that
 * staff found in a text where the finder could not read it: the pieces it was
 * written in ("K7QM-2XPF und 9D3A") name the code as the code itself does.
 */
export function withoutPiecesOf(text: string, canonical: string): string {
  const code = symbolValuesOf(canonical);
  if (!code) return text;
  const { values, positions } = symbolsOf(text);
  const cuts: { start: number; end: number }[] = [];
  for (let s = 0; s < values.length;) {
    // The longest run from s that stands in the code in a row (separators dropped).
    let best = 0;
    for (let c = 0; c < CODE_LENGTH; c++) {
      let n = 0;
      while (s + n < values.length && c + n < CODE_LENGTH && values[s + n] === code[c + n]) n++;
      best = Math.max(best, n);
    }
    if (best >= PIECE) {
      cuts.push({ start: positions[s], end: positions[s + best - 1] + 1 });
      s += best;
    } else s++;
  }
  return cutOut(text, cuts);
}
