/**
 * Hostile CAMT uploads, generated as streams so that a gigabyte never sits in
 * memory or on disk: remittance text split by comments or CDATA, endless Ustrd
 * lists, namespace declarations by the hundred thousand, and ZIP archives whose
 * members unpack far beyond their size. The fuzz tests (test/hostile/) and
 * `npm run bench:hostile` use the same generators.
 */
import { Readable } from 'node:stream';
import yazl from 'yazl';

const MiB = 1024 * 1024;

export const HOSTILE_IBAN = 'DE02120300000000202051';

/** The start of a camt.053.001.08 statement; `rootAttributes` go on the Document. */
export function statementHead(rootAttributes = '', type = '053'): string {
  const [message, block] = {
    '052': ['BkToCstmrAcctRpt', 'Rpt'],
    '053': ['BkToCstmrStmt', 'Stmt'],
    '054': ['BkToCstmrDbtCdtNtfctn', 'Ntfctn'],
  }[type] as [string, string];
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.${type}.001.08"${rootAttributes}>\n` +
    `<${message}><GrpHdr><MsgId>HOSTILE</MsgId><CreDtTm>2026-11-24T08:00:00</CreDtTm></GrpHdr>\n` +
    `<${block}><Id>HOSTILE-1</Id><Acct><Id><IBAN>${HOSTILE_IBAN}</IBAN></Id></Acct>\n`
  );
}

export function statementTail(type = '053'): string {
  const [message, block] = {
    '052': ['BkToCstmrAcctRpt', 'Rpt'],
    '053': ['BkToCstmrStmt', 'Stmt'],
    '054': ['BkToCstmrDbtCdtNtfctn', 'Ntfctn'],
  }[type] as [string, string];
  return `</${block}></${message}>\n</Document>\n`;
}

/** One booked credit; `remittance` is the inside of RmtInf, written as given. */
export function hostileEntry(n: number, remittance = '<Ustrd>Aufladung</Ustrd>'): string {
  return (
    `<Ntry><Amt Ccy="EUR">12.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>` +
    `<BookgDt><Dt>2026-11-24</Dt></BookgDt><AcctSvcrRef>H-${n}</AcctSvcrRef>` +
    `<NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>Erika Mustermann</Nm></Pty></Dbtr></RltdPties>` +
    `<RmtInf>${remittance}</RmtInf></TxDtls></NtryDtls></Ntry>\n`
  );
}

/** head, then `body` repeated until about `bytes` are out, then tail, in chunks of about 1 MiB. */
export function* repeated(
  head: string,
  body: string,
  tail: string,
  bytes: number,
): Generator<Buffer> {
  yield Buffer.from(head);
  const chunk = Buffer.from(body.repeat(Math.max(1, Math.floor(MiB / body.length))));
  let sent = 0;
  while (sent < bytes) {
    const left = bytes - sent;
    const part = left >= chunk.length ? chunk : chunk.subarray(0, left - (left % body.length));
    if (part.length === 0) break;
    sent += part.length;
    yield part;
  }
  yield Buffer.from(tail);
}

export type Splitter = 'comment' | 'cdata' | 'entity';

/**
 * One entry whose single Ustrd holds about `chars` characters in pieces of
 * `piece`, each piece its own text node: the pieces are cut apart by an empty
 * comment, by CDATA sections or by character references.
 */
export function splitRemittance(chars: number, piece = 1024, splitter: Splitter = 'comment') {
  const text = 'a'.repeat(piece);
  const body = {
    comment: `${text}<!---->`,
    cdata: `<![CDATA[${text}]]>`,
    entity: `${text}&#97;`,
  }[splitter];
  const head = statementHead() + hostileEntry(1).split('<Ustrd>')[0] + '<Ustrd>';
  const tail = '</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n' + statementTail();
  return repeated(head, body, tail, Math.ceil(chars / piece) * body.length);
}

/** One entry with `count` Ustrd elements of `chars` characters each. */
export function manyUstrd(count: number, chars = 140) {
  const body = `<Ustrd>${'b'.repeat(chars)}</Ustrd>`;
  const head = statementHead() + hostileEntry(1).split('<Ustrd>')[0];
  const tail = '</RmtInf></TxDtls></NtryDtls></Ntry>\n' + statementTail();
  return repeated(head, body, tail, count * body.length);
}

/** One entry with `count` creditor references in as many Strd blocks. */
export function manyCreditorReferences(count: number) {
  const body = '<Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd>';
  const head = statementHead() + hostileEntry(1).split('<Ustrd>')[0];
  const tail = '</RmtInf></TxDtls></NtryDtls></Ntry>\n' + statementTail();
  return repeated(head, body, tail, count * body.length);
}

/** One entry with `count` transaction details. */
export function manyDetails(count: number) {
  const body = '<TxDtls><Amt Ccy="EUR">0.01</Amt><RmtInf><Ustrd>x</Ustrd></RmtInf></TxDtls>';
  const head = statementHead() + hostileEntry(1).split('<TxDtls>')[0];
  const tail = '</NtryDtls></Ntry>\n' + statementTail();
  return repeated(head, body, tail, count * body.length);
}

/**
 * `declarations` namespace prefixes declared on the Document (after its default
 * namespace), then `entries` entries: a reader that resolves a name by scanning
 * the bindings in scope pays for all of them at every element it reads.
 */
export function* manyNamespaces(declarations: number, entries: number): Generator<Buffer> {
  const head = statementHead();
  const close = head.indexOf('>', head.indexOf('<Document'));
  yield Buffer.from(head.slice(0, close));
  let text = '';
  for (let i = 0; i < declarations; i++) {
    text += ` xmlns:p${i}="urn:x:${i}"`;
    if (text.length > MiB) {
      yield Buffer.from(text);
      text = '';
    }
  }
  text += head.slice(close);
  for (let n = 0; n < entries; n++) {
    text += hostileEntry(n);
    if (text.length > MiB) {
      yield Buffer.from(text);
      text = '';
    }
  }
  yield Buffer.from(text + statementTail());
}

/**
 * `levels` enclosing elements that declare `perLevel` prefixes each, the
 * outermost also c: for CAMT, then `entries` entries whose names all carry c:.
 * Within the reader's limits (1,000 attributes, 100 levels), yet a resolution
 * that scans the bindings in scope passes all of them for every element.
 */
export function* nestedNamespaces(
  levels: number,
  perLevel: number,
  entries: number,
): Generator<Buffer> {
  const ns = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';
  let text = '<?xml version="1.0" encoding="UTF-8"?>\n';
  for (let level = 0; level < levels; level++) {
    text += `<Env${level === 0 ? ` xmlns:c="${ns}"` : ''}`;
    for (let i = 0; i < perLevel - (level === 0 ? 1 : 0); i++)
      text += ` xmlns:l${level}p${i}="urn:x:${i}"`;
    text += '>\n';
  }
  const prefixed = (xml: string) => xml.replace(/<(\/?)(?=[A-Za-z])/g, '<$1c:');
  text += prefixed(
    '<Document><BkToCstmrStmt><GrpHdr><MsgId>NS</MsgId></GrpHdr>' +
      `<Stmt><Id>NS-1</Id><Acct><Id><IBAN>${HOSTILE_IBAN}</IBAN></Id></Acct>\n`,
  );
  for (let n = 0; n < entries; n++) {
    text += prefixed(hostileEntry(n));
    if (text.length > MiB) {
      yield Buffer.from(text);
      text = '';
    }
  }
  yield Buffer.from(text + prefixed(statementTail()) + '</Env>'.repeat(levels) + '\n');
}

export interface ZipMember {
  name: string;
  chunks: () => Iterable<Buffer>;
  /** Stored without compression (deflate is the default). */
  store?: boolean;
}

/** A ZIP archive of the given members, each deflated as it streams: only the archive is held. */
export async function zipOf(members: ZipMember[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const member of members) {
    zip.addReadStream(Readable.from(member.chunks()), member.name, {
      compress: !member.store,
      mtime: new Date('2026-11-24T08:00:00Z'),
    });
  }
  zip.end();
  const parts: Buffer[] = [];
  for await (const part of zip.outputStream as AsyncIterable<Buffer>) parts.push(part);
  return Buffer.concat(parts);
}

/**
 * A valid statement padded to about `bytes` with comments of blanks: it deflates
 * about 1,000 to 1, and no single text node grows (each comment ends after 1 KiB).
 */
export function paddedStatement(bytes: number): Generator<Buffer> {
  const pad = `<!--${' '.repeat(1017)}-->`;
  return repeated(statementHead() + hostileEntry(1), pad, statementTail(), bytes);
}

/**
 * The archive with its first member's deflate data made invalid: its first
 * block claims the reserved block type, which no inflater reads past.
 */
export function damaged(zip: Buffer): Buffer {
  const copy = Buffer.from(zip);
  const data = 30 + copy.readUInt16LE(26) + copy.readUInt16LE(28);
  copy[data] = 0xff;
  return copy;
}

/** Concatenates a generator's chunks (for inputs small enough to hold). */
export function collect(chunks: Iterable<Buffer>): Buffer {
  return Buffer.concat([...chunks]);
}
