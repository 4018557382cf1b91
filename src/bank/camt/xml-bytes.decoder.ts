import { isAscii, isUtf8 } from 'node:buffer';

/**
 * Turns the bytes of an XML file into text, chunk by chunk, honouring a BOM or the
 * declared encoding. Without a declared encoding, text that is not valid UTF-8 is
 * read as Latin-1 (windows-1252), as some German banks send it.
 */
export class XmlBytesDecoder {
  private mode: 'head' | 'sniff' | 'decode' = 'head';
  /** Bytes held back: the start of the file until its encoding is known, or a split character. */
  private held: Buffer = EMPTY;
  private decoder = new TextDecoder('utf-8', { fatal: true });

  /** `fail` must throw; `linesBefore` counts the line breaks in this chunk before the bad byte. */
  constructor(
    private readonly fail: (reason: EncodingFailure, detail: string, linesBefore: number) => never,
  ) {}

  decode(chunk: Buffer): string {
    if (this.mode === 'decode') return this.decodeChunk(chunk, true);
    return this.mode === 'sniff' ? this.sniff(chunk) : this.head(chunk, false);
  }

  /** Flushes what is held back at the end of the input. */
  end(): string {
    if (this.mode === 'head') return this.head(EMPTY, true) + this.end();
    // An unfinished UTF-8 sequence at the very end is no UTF-8 at all.
    if (this.mode === 'sniff') return this.held.length === 0 ? '' : this.useLatin1(this.held);
    return this.decodeChunk(EMPTY, false);
  }

  private decodeChunk(chunk: Buffer, stream: boolean): string {
    try {
      return this.decoder.decode(chunk, { stream });
    } catch {
      // Only the UTF-8 decoder is fatal; find the line of the bad byte for the message.
      const lenient = new TextDecoder('utf-8').decode(chunk);
      const linesBefore = lenient.slice(0, lenient.indexOf('\uFFFD')).split('\n').length - 1;
      return this.fail('invalid-encoding', 'text is not valid UTF-8', linesBefore);
    }
  }

  /** Holds the first bytes until the BOM or XML declaration tells the encoding. */
  private head(chunk: Buffer, atEnd: boolean): string {
    const bytes = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    this.held = EMPTY;
    const verdict = readEncoding(bytes, atEnd);
    if (verdict === 'need-more') {
      this.held = Buffer.from(bytes);
      return '';
    }
    switch (verdict.kind) {
      case 'unsupported':
        return this.fail('unsupported-encoding', `unsupported encoding ${verdict.label}`, 0);
      case 'sniff':
        this.mode = 'sniff';
        return this.sniff(bytes);
      case 'single-byte':
        this.decoder = new TextDecoder(verdict.label);
        break;
    }
    this.mode = 'decode';
    return this.decodeChunk(bytes.subarray(verdict.skip), true);
  }

  /**
   * Undeclared encoding: pass ASCII through until the first non-ASCII character
   * decides between UTF-8 (valid sequences) and Latin-1 (anything else).
   */
  private sniff(chunk: Buffer): string {
    const bytes = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    this.held = EMPTY;
    if (isAscii(bytes)) return bytes.toString('latin1');
    const cut = incompleteTailStart(bytes);
    const whole = bytes.subarray(0, cut);
    if (!isUtf8(whole)) return this.useLatin1(bytes);
    if (isAscii(whole)) {
      // Only a split character so far: wait for its remaining bytes.
      this.held = Buffer.from(bytes.subarray(cut));
      return whole.toString('latin1');
    }
    this.mode = 'decode';
    return this.decodeChunk(bytes, true);
  }

  private useLatin1(bytes: Buffer): string {
    this.mode = 'decode';
    this.decoder = new TextDecoder(LATIN1);
    this.held = EMPTY;
    return this.decoder.decode(bytes, { stream: true });
  }
}

export type EncodingFailure = 'unsupported-encoding' | 'invalid-encoding';

const EMPTY = Buffer.alloc(0);
/** The WHATWG name for Latin-1: it also maps 0x80-0x9F to €, „, “ and friends. */
const LATIN1 = 'windows-1252';
const MAX_DECLARATION = 1024;

type EncodingVerdict =
  | { kind: 'utf8' | 'sniff'; skip: number }
  | { kind: 'single-byte'; skip: number; label: string }
  | { kind: 'unsupported'; label: string };

/** Reads a BOM or an XML declaration's encoding from the first bytes of a file. */
function readEncoding(bytes: Buffer, atEnd: boolean): EncodingVerdict | 'need-more' {
  if (bytes.length < 5 && !atEnd) return 'need-more';
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { kind: 'utf8', skip: 3 };
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe)) {
    return { kind: 'unsupported', label: 'UTF-16' };
  }
  if (bytes.toString('latin1', 0, 5) !== '<?xml') return { kind: 'sniff', skip: 0 };
  const end = bytes.indexOf('?>');
  if (end < 0 && bytes.length < MAX_DECLARATION && !atEnd) return 'need-more';
  const declaration = bytes.toString('latin1', 0, end < 0 ? MAX_DECLARATION : end);
  const label = /\bencoding\s*=\s*["']([^"']*)["']/.exec(declaration)?.[1];
  // A declaration without encoding means UTF-8, but banks that omit it are the
  // same that send Latin-1: look at the bytes rather than trust the default.
  if (label === undefined) return { kind: 'sniff', skip: 0 };
  return verdictFor(label);
}

function verdictFor(label: string): EncodingVerdict {
  let encoding: string;
  try {
    encoding = new TextDecoder(label.trim()).encoding;
  } catch {
    return { kind: 'unsupported', label };
  }
  if (encoding === 'utf-8') return { kind: 'utf8', skip: 0 };
  // windows-1252 is what WHATWG maps ISO-8859-1, latin1 and US-ASCII to.
  if (encoding === LATIN1 || encoding === 'iso-8859-15') {
    return { kind: 'single-byte', skip: 0, label: encoding };
  }
  return { kind: 'unsupported', label };
}

/** Where a UTF-8 sequence that the chunk cuts off begins (the length when none is). */
function incompleteTailStart(bytes: Buffer): number {
  const length = bytes.length;
  for (let back = 1; back <= 3 && back <= length; back++) {
    const byte = bytes[length - back];
    if (byte < 0x80) return length;
    if (byte >= 0xc0) {
      const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return needed > back ? length - back : length;
    }
  }
  return length;
}
