/**
 * Top-up codes: Crockford base32, ten random symbols (50 bits) and two check
 * symbols, shown as `K7QM-2XPF-9D3A`.
 *
 * The check is an ISO 7064 style pure system over the 32-symbol alphabet with
 * the prime modulus 1021: the whole code read as a base-32 number must be
 * congruent to 1 mod 1021. A single substitution changes that number by
 * d·32^k and an adjacent swap by (a−b)·31·32^k, with 0 < |d|, |a−b| < 32;
 * as 1021 is a prime larger than 32, neither change can be a multiple of it,
 * so every such error is caught (property-tested in code-format.spec.ts).
 */
export const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const DATA_SYMBOLS = 10;
export const CODE_LENGTH = DATA_SYMBOLS + 2;
const MODULUS = 1021;

const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) {
  VALUE[ALPHABET.charCodeAt(i)] = i;
  VALUE[ALPHABET.toLowerCase().charCodeAt(i)] = i;
}
// Crockford's reading of look-alikes: I and L are one, O is zero.
for (const [alias, target] of [
  ['I', '1'],
  ['L', '1'],
  ['O', '0'],
] as const) {
  VALUE[alias.charCodeAt(0)] = VALUE[target.charCodeAt(0)];
  VALUE[alias.toLowerCase().charCodeAt(0)] = VALUE[target.charCodeAt(0)];
}

/** Symbol value of a character, reading look-alikes; -1 if it is no symbol. */
export function symbolValue(charCode: number): number {
  return charCode < 128 ? VALUE[charCode] : -1;
}

function remainder(values: ArrayLike<number>, start = 0, end = values.length): number {
  let r = 0;
  for (let i = start; i < end; i++) r = (r * 32 + values[i]) % MODULUS;
  return r;
}

export function checkPasses(values: ArrayLike<number>, start = 0): boolean {
  return remainder(values, start, start + CODE_LENGTH) === 1;
}

function checkSymbols(data: readonly number[]): [number, number] {
  const shifted = (remainder(data) * 32 * 32) % MODULUS;
  const check = (1 - shifted + MODULUS) % MODULUS;
  return [check >> 5, check & 31];
}

function encode(values: readonly number[]): string {
  return values.map((v) => ALPHABET[v]).join('');
}

/** A fresh code in canonical form (12 symbols, no separators). */
export function generateCode(): string {
  // Web Crypto, so that the console's script imports this file as it is; 256 is a multiple of 32.
  const data = Array.from(
    globalThis.crypto.getRandomValues(new Uint8Array(DATA_SYMBOLS)),
    (b) => b & 31,
  );
  return encode([...data, ...checkSymbols(data)]);
}

/** `K7QM2XPF9D3A` -> `K7QM-2XPF-9D3A`, the spelling shown to people. */
export function displayCode(canonical: string): string {
  return canonical.match(/.{1,4}/g)!.join('-');
}

export type ParsedCode =
  { ok: true; canonical: string } | { ok: false; problem: 'format' | 'check' };

const SEPARATORS = /[\s\-_.]/g;

/**
 * Reads a code as a person typed it: any case, separators, look-alikes.
 * `format` means it is not 12 symbols; `check` that the check symbols fail.
 */
export function parseCode(text: string): ParsedCode {
  const compact = text.replace(SEPARATORS, '');
  if (compact.length !== CODE_LENGTH) return { ok: false, problem: 'format' };
  const values: number[] = [];
  for (let i = 0; i < compact.length; i++) {
    const v = symbolValue(compact.charCodeAt(i));
    if (v < 0) return { ok: false, problem: 'format' };
    values.push(v);
  }
  if (!checkPasses(values)) return { ok: false, problem: 'check' };
  return { ok: true, canonical: encode(values) };
}

/**
 * The codes whose check passes after one substitution or one swap of
 * neighbours: the readings of a code with a single typo. Used only where the
 * caller then accepts a correction solely if exactly one of them is live.
 */
export function oneTypoNeighbours(values: readonly number[]): string[] {
  const found = new Set<string>();
  const work = [...values];
  for (let i = 0; i < CODE_LENGTH; i++) {
    const original = work[i];
    for (let v = 0; v < 32; v++) {
      if (v === original) continue;
      work[i] = v;
      if (checkPasses(work)) found.add(encode(work));
    }
    work[i] = original;
  }
  for (let i = 0; i + 1 < CODE_LENGTH; i++) {
    if (work[i] === work[i + 1]) continue;
    [work[i], work[i + 1]] = [work[i + 1], work[i]];
    if (checkPasses(work)) found.add(encode(work));
    [work[i], work[i + 1]] = [work[i + 1], work[i]];
  }
  return [...found];
}

export { encode as encodeSymbols };
