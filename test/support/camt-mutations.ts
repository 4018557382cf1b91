/**
 * Mutations of real CAMT files for property-based fuzzing: the damage a file takes
 * on its way (flipped bytes, a cut-off end), the mistakes of a bank's exporter
 * (elements missing, doubled or swapped, odd amounts, currencies, dates,
 * namespaces, encodings) and an attacker's additions (DTDs, entities, hostile text).
 *
 * A mutation is plain data, so fast-check can shrink it and print it. Offsets and
 * indexes are taken modulo what the file has, so every mutation applies to every
 * file. Text is handled as Latin-1, one character per byte, which keeps the bytes
 * of any encoding intact; inserted Unicode goes in as its UTF-8 bytes.
 */
import fc from 'fast-check';

export type CamtMutation =
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'delete-bytes'; at: number; length: number }
  | { kind: 'delete-element'; which: number }
  | { kind: 'duplicate-element'; which: number; times: number }
  | { kind: 'swap-elements'; first: number; second: number }
  | { kind: 'replace-text'; which: number; text: string }
  | { kind: 'replace-field'; field: string; which: number; text: string }
  | { kind: 'amount'; which: number; text: string }
  | { kind: 'currency'; which: number; text: string }
  | { kind: 'date'; which: number; text: string }
  | { kind: 'namespace'; which: number; uri: string }
  | { kind: 'encoding'; how: EncodingChange }
  | { kind: 'insert-markup'; at: number; markup: string }
  | { kind: 'doctype'; declaration: string };

type EncodingChange =
  { declare: string | null } | { transcode: 'latin1' | 'utf16le' | 'utf8-bom' | 'utf16-bom' };

const long = (n: number) => 'A'.repeat(n);

/** Duplication stops short of this size, so that a case stays a case, not a giant. */
export const MAX_MUTATED_CHARS = 4 * 1024 * 1024;

/** Text that has broken parsers, databases and logs before. */
export const HOSTILE_TEXT = [
  '',
  ' ',
  '\t\r\n',
  long(141),
  long(256),
  long(5_000),
  '&amp;&lt;&gt;&quot;&apos;',
  '&#65;&#x42;',
  '&#0;',
  '&#xD800;',
  '&#x10FFFF;',
  '&#1114112;',
  '&undefined;',
  '&',
  '<',
  ']]>',
  '<![CDATA[<Amt Ccy="EUR">1.00</Amt>]]>',
  '\u0000',
  '\u0001\u001f',
  '\u200b\u202e\ufeff',
  '\ufffe\uffff',
  'Ä ö ü ß € „“',
  '😀 \u{1F4A9}',
  "'; DROP TABLE payment; --",
  '${jndi:ldap://127.0.0.1/x}',
  'K7QM-2XPF-9D3A',
  'RF18539007547034',
  'EREF+NOTPROVIDED SVWZ+' + long(200),
];

/** Fields that the import stores or matches on: names, accounts, references, remittance. */
export const STORED_FIELDS = [
  'Nm',
  'IBAN',
  'Id',
  'AcctSvcrRef',
  'NtryRef',
  'EndToEndId',
  'Ustrd',
  'Ref',
  'AddtlNtryInf',
  'AddtlTxInf',
];

export const HOSTILE_AMOUNTS = [
  '0',
  '0.00',
  '-1.00',
  '+1.00',
  '1,00',
  '.5',
  '5.',
  '1e3',
  'NaN',
  'Infinity',
  '0x10',
  '12.345',
  '12.34000',
  '0.00001',
  '9007199254740993',
  '99999999999999999999999999.99',
  '١٢٣',
  ' 12.00 ',
  '',
];

export const HOSTILE_CURRENCIES = [
  'EUR',
  'eur',
  'EURO',
  '',
  'XXX',
  'JPY',
  'BHD',
  'CLF',
  '€',
  'E R',
  'ZZZ',
];

export const HOSTILE_DATES = [
  '2026-11-24',
  '2026-02-29',
  '2024-02-29',
  '2026-13-01',
  '0000-01-01',
  '9999-12-31',
  '2026-1-1',
  '20261124',
  '2026-11-24T25:00:00',
  '2026-11-24T23:59:59-12:00',
  '2026-11-24T00:00:00.123456789+14:00',
  '2026-11-24Z',
  '-2026-11-24',
  '+275760-09-13',
  '',
];

const NS = 'urn:iso:std:iso:20022:tech:xsd:';
export const HOSTILE_NAMESPACES = [
  `${NS}camt.053.001.02`,
  `${NS}camt.052.001.13`,
  `${NS}camt.054.001.01`,
  `${NS}camt.053.001.99`,
  `${NS}camt.053.001.00`,
  `${NS}camt.053.001.1`,
  `${NS}camt.053.001.008`,
  `${NS}camt.056.001.08`,
  `${NS}camt.053.001.02 `,
  `${NS.toUpperCase()}CAMT.053.001.02`,
  `${NS}camt`,
  '',
  'http://www.w3.org/XML/1998/namespace',
  'http://www.w3.org/2000/xmlns/',
];

export const HOSTILE_MARKUP = [
  '<!-- a comment -->',
  '<?pi data?>',
  '<![CDATA[ TOPUP K7QM-2XPF-9D3A ]]>',
  '&ext;',
  '&lt;Ntry&gt;',
  '<Ntry>',
  '</Ntry>',
  '<x:Ntry xmlns:x="urn:other">1</x:Ntry>',
  '<Ntry xmlns="">1</Ntry>',
  '<y:Amt>1</y:Amt>',
  '<Amt Ccy="EUR" Ccy="USD">1.00</Amt>',
  '<?xml version="1.0"?>',
  '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>',
];

export const HOSTILE_DOCTYPES = [
  '<!DOCTYPE Document>',
  '<!DOCTYPE Document SYSTEM "http://127.0.0.1:1/x.dtd">',
  '<!DOCTYPE Document [<!ENTITY ext SYSTEM "file:///etc/passwd">]>',
  '<!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
  '<!DOCTYPE Document [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p.dtd"> %p;]>',
  '<!DOCTYPE Document [' + '<!ENTITY e "x">'.repeat(2_000) + ']>',
];

const index = fc.nat({ max: 10_000 });

export const camtMutation: fc.Arbitrary<CamtMutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
  fc.record({
    kind: fc.constant('delete-bytes'),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 64 }),
  }),
  fc.record({ kind: fc.constant('delete-element'), which: index }),
  fc.record({
    kind: fc.constant('duplicate-element'),
    which: index,
    times: fc.integer({ min: 1, max: 20 }),
  }),
  fc.record({ kind: fc.constant('swap-elements'), first: index, second: index }),
  fc.record({
    kind: fc.constant('replace-text'),
    which: index,
    text: fc.oneof(fc.constantFrom(...HOSTILE_TEXT), fc.string({ unit: 'binary', maxLength: 40 })),
  }),
  fc.record({
    kind: fc.constant('replace-field'),
    field: fc.constantFrom(...STORED_FIELDS),
    which: index,
    // Half of them longer than any field of the schema allows (Max140Text and less).
    text: fc.oneof(
      fc.constantFrom(long(141), long(256), long(5_000)),
      fc.constantFrom(...HOSTILE_TEXT),
    ),
  }),
  fc.record({
    kind: fc.constant('amount'),
    which: index,
    text: fc.constantFrom(...HOSTILE_AMOUNTS),
  }),
  fc.record({
    kind: fc.constant('currency'),
    which: index,
    text: fc.constantFrom(...HOSTILE_CURRENCIES),
  }),
  fc.record({ kind: fc.constant('date'), which: index, text: fc.constantFrom(...HOSTILE_DATES) }),
  fc.record({
    kind: fc.constant('namespace'),
    which: index,
    uri: fc.constantFrom(...HOSTILE_NAMESPACES),
  }),
  fc.record({
    kind: fc.constant('encoding'),
    how: fc.oneof(
      fc.record({
        declare: fc.constantFrom(
          null,
          'UTF-8',
          'ISO-8859-1',
          'windows-1252',
          'US-ASCII',
          'UTF-16',
          'EBCDIC-US',
          'bogus',
        ),
      }),
      fc.record({
        transcode: fc.constantFrom('latin1', 'utf16le', 'utf8-bom', 'utf16-bom'),
      }),
    ) as fc.Arbitrary<EncodingChange>,
  }),
  fc.record({
    kind: fc.constant('insert-markup'),
    at: fc.nat(),
    markup: fc.constantFrom(...HOSTILE_MARKUP),
  }),
  fc.record({ kind: fc.constant('doctype'), declaration: fc.constantFrom(...HOSTILE_DOCTYPES) }),
) as fc.Arbitrary<CamtMutation>;

/** One to `max` mutations, applied in order. */
export const camtMutations = (max = 4) => fc.array(camtMutation, { minLength: 1, maxLength: max });

export function mutateCamt(bytes: Buffer, mutations: readonly CamtMutation[]): Buffer {
  let text = bytes.toString('latin1');
  for (const m of mutations) text = apply(text, m);
  return Buffer.from(text, 'latin1');
}

/** Unicode text as the Latin-1 view of its UTF-8 bytes, as it stands in `text`. */
const utf8 = (value: string) => Buffer.from(value, 'utf8').toString('latin1');
const pick = <T>(all: readonly T[], n: number): T | undefined =>
  all.length === 0 ? undefined : all[n % all.length];

function apply(text: string, m: CamtMutation): string {
  const at = (n: number) => (text.length === 0 ? 0 : n % (text.length + 1));
  switch (m.kind) {
    case 'flip': {
      if (text.length === 0) return text;
      const p = m.at % text.length;
      return text.slice(0, p) + String.fromCharCode(m.byte) + text.slice(p + 1);
    }
    case 'truncate':
      return text.slice(0, at(m.at));
    case 'delete-bytes':
      return text.slice(0, at(m.at)) + text.slice(at(m.at) + m.length);
    case 'delete-element': {
      const e = pick(elements(text), m.which);
      return e === undefined ? text : text.slice(0, e.start) + text.slice(e.end);
    }
    case 'duplicate-element': {
      const e = pick(elements(text), m.which);
      if (e === undefined) return text;
      // Copies of copies would grow without end: stay under MAX_MUTATED_CHARS.
      const times = Math.min(
        m.times,
        Math.floor((MAX_MUTATED_CHARS - text.length) / (e.end - e.start)),
      );
      if (times < 1) return text;
      return text.slice(0, e.end) + text.slice(e.start, e.end).repeat(times) + text.slice(e.end);
    }
    case 'swap-elements': {
      const all = elements(text);
      const a = pick(all, m.first);
      const b = pick(all, m.second);
      // Only elements that do not overlap can trade places.
      if (a === undefined || b === undefined || !(a.end <= b.start || b.end <= a.start)) {
        return text;
      }
      const [x, y] = a.start < b.start ? [a, b] : [b, a];
      return (
        text.slice(0, x.start) +
        text.slice(y.start, y.end) +
        text.slice(x.end, y.start) +
        text.slice(x.start, x.end) +
        text.slice(y.end)
      );
    }
    case 'replace-text':
      return replaceLeaf(text, leaves(text), m.which, m.text);
    case 'replace-field':
      return replaceLeaf(text, leaves(text, new RegExp(`^${m.field}$`)), m.which, m.text);
    case 'amount':
      return replaceLeaf(text, leaves(text, /Amt$/), m.which, m.text);
    case 'date':
      return replaceLeaf(text, leaves(text, /^(Dt|DtTm|CreDtTm|FrDtTm|ToDtTm)$/), m.which, m.text);
    case 'currency': {
      const spots = [...text.matchAll(/\bCcy\s*=\s*(["'])([^"']*)\1/g)].map((match) => ({
        start: match.index + match[0].length - 1 - match[2].length,
        end: match.index + match[0].length - 1,
      }));
      const spot = pick([...spots, ...leaves(text, /^Ccy$/)], m.which);
      return spot === undefined ? text : splice(text, spot, utf8(m.text));
    }
    case 'namespace': {
      const spots = [...text.matchAll(/\bxmlns(?::[\w.-]+)?\s*=\s*(["'])([^"']*)\1/g)].map(
        (match) => ({
          start: match.index + match[0].length - 1 - match[2].length,
          end: match.index + match[0].length - 1,
        }),
      );
      const spot = pick(spots, m.which);
      return spot === undefined ? text : splice(text, spot, m.uri);
    }
    case 'encoding':
      return changeEncoding(text, m.how);
    case 'insert-markup': {
      // Right after a '>', between elements, where the parser reads it as markup.
      const gt = text.indexOf('>', at(m.at));
      const p = gt < 0 ? text.length : gt + 1;
      return text.slice(0, p) + m.markup + text.slice(p);
    }
    case 'doctype': {
      const declaration = /^(\uFEFF|\xEF\xBB\xBF)?<\?xml[^>]*\?>/.exec(text);
      const p = declaration === null ? 0 : declaration[0].length;
      return text.slice(0, p) + m.declaration + text.slice(p);
    }
  }
}

interface Span {
  start: number;
  end: number;
}

/** Whole elements, found by a start tag and the first matching end tag after it. */
function elements(text: string): Span[] {
  const found: Span[] = [];
  for (const match of text.matchAll(/<([A-Za-z_][\w:.-]*)(?:\s[^<>]*)?>/g)) {
    if (match[0].endsWith('/>')) {
      found.push({ start: match.index, end: match.index + match[0].length });
      continue;
    }
    const close = text.indexOf(`</${match[1]}>`, match.index);
    if (close > 0) found.push({ start: match.index, end: close + match[1].length + 3 });
  }
  return found;
}

/** The text content of leaf elements whose local name matches. */
function leaves(text: string, localName?: RegExp): Span[] {
  const found: Span[] = [];
  for (const match of text.matchAll(/<(?:([\w.-]+):)?([\w.-]+)(\s[^<>]*)?>([^<]*)<\/[\w.:-]+>/g)) {
    if (localName !== undefined && !localName.test(match[2])) continue;
    const end = match.index + match[0].lastIndexOf('</');
    found.push({ start: end - match[4].length, end });
  }
  return found;
}

function replaceLeaf(text: string, spots: Span[], which: number, value: string): string {
  const spot = pick(spots, which);
  return spot === undefined ? text : splice(text, spot, utf8(value));
}

function splice(text: string, span: Span, value: string): string {
  return text.slice(0, span.start) + value + text.slice(span.end);
}

function changeEncoding(text: string, how: EncodingChange): string {
  if ('declare' in how) {
    const encoding = how.declare === null ? '' : ` encoding="${how.declare}"`;
    const declaration = /<\?xml[^>]*\?>/.exec(text);
    if (declaration === null) return `<?xml version="1.0"${encoding}?>\n${text}`;
    const replaced = declaration[0]
      .replace(/\s+encoding\s*=\s*(["'])[^"']*\1/, '')
      .replace(/\?>$/, `${encoding}?>`);
    return splice(
      text,
      { start: declaration.index, end: declaration.index + declaration[0].length },
      replaced,
    );
  }
  const unicode = Buffer.from(text, 'latin1').toString('utf8');
  switch (how.transcode) {
    case 'latin1':
      // Characters outside Latin-1 become '?', as a careless exporter writes them.
      return Buffer.from(unicode.replace(/[\u{100}-\u{10FFFF}]/gu, '?'), 'latin1').toString(
        'latin1',
      );
    case 'utf16le':
      return Buffer.from(unicode, 'utf16le').toString('latin1');
    case 'utf8-bom':
      return '\xEF\xBB\xBF' + text;
    case 'utf16-bom':
      return '\xFF\xFE' + Buffer.from(unicode, 'utf16le').toString('latin1');
  }
}
