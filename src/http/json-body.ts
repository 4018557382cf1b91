const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** The index of the quote that closes the string opened at `start`. */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i;
    i += c === BACKSLASH ? 2 : 1;
  }
}

/** Members as written in valid JSON text: outside strings, a colon only ever follows a member name. */
function membersWritten(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = endOfString(text, i);
    else if (c === COLON) count++;
  }
  return count;
}

/** Members of the parsed value, walked without recursion: a body may nest thousands deep. */
function membersParsed(value: unknown): number {
  let count = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== 'object' || next === null) continue;
    if (Array.isArray(next)) {
      for (const item of next) pending.push(item);
      continue;
    }
    for (const key of Object.keys(next)) {
      count++;
      pending.push((next as Record<string, unknown>)[key]);
    }
  }
  return count;
}

interface Frame {
  /** Names seen so far, for an object; undefined for an array. */
  names?: Set<string>;
  /** The member name or item index being read: this frame's step in a path. */
  step: string | number;
}

/** The path of the first member written twice in one object, e.g. "entries.2.amountMinor". */
function firstDuplicate(text: string): string | undefined {
  const frames: Frame[] = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const top = frames[frames.length - 1];
    if (c === QUOTE) {
      const end = endOfString(text, i);
      if (top?.names && expectName) {
        // Decoded, so that "amountMinor" and "\u0061mountMinor" are one name.
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.names.has(name)) return [...frames.slice(0, -1).map((f) => f.step), name].join('.');
        top.names.add(name);
        top.step = name;
        expectName = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT) {
      frames.push({ names: new Set(), step: '' });
      expectName = true;
    } else if (c === OPEN_ARRAY) {
      frames.push({ step: 0 });
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      frames.pop();
    } else if (c === COMMA && top) {
      if (top.names) expectName = true;
      else top.step = (top.step as number) + 1;
    }
  }
  return undefined;
}

/**
 * Where a JSON body names one member twice, or undefined. JSON.parse keeps the
 * last of them silently, so `{"amountMinor":100,"amountMinor":50000}` would
 * be read as 50000 while a reviewer of the request sees 100. `text` must be
 * valid JSON (parsed already) and `value` what it parsed to; the cheap count
 * runs on every body, the path is looked for only when the counts differ.
 */
export function duplicateMember(text: string, value: unknown): string | undefined {
  if (membersWritten(text) === membersParsed(value)) return undefined;
  return firstDuplicate(text) ?? '(body)';
}
