import { SaxesParser, type SaxesTagPlain } from 'saxes';
import {
  camtRecords,
  CREDITOR_REFERENCE_LEVEL,
  DETAIL_LEVEL,
  ENTRY_LEVEL,
  STATEMENT_LEVEL,
} from './camt-fields.map';
import { type CamtMessageKind, parseCamtNamespace } from './camt-namespace.parser';
import type { CamtMessageType, CamtSummary, CamtTransaction } from './camt-transaction';
import { CamtTransactionBuilder, type RecordFrame } from './camt-transaction.builder';
import { CamtError, type CamtErrorCode } from './camt.errors';
import { compileRecords, type CompiledRecords, type PathNode } from './record-path.trie';

// What one file may make the reader hold, whatever else it holds. The fields it
// keeps have their own limits (camt-fields.map.ts); these bound what the XML
// parser gathers before the reader sees it, and what one entry accumulates.

/** The longest text node, comment, CDATA section or attribute value: no field comes near. */
export const MAX_TEXT_CHARS = 1024 * 1024;
/** The longest element, attribute, entity or processing-instruction name: CAMT's are under 40. */
export const MAX_NAME_CHARS = 1024;
/** Elements open at once: CAMT nests about 15 deep, 20 in an envelope. */
export const MAX_DEPTH = 100;
/** Attributes of one element, namespace declarations among them: CAMT's carry a handful. */
export const MAX_ATTRIBUTES = 1000;
/** Text kept for one entry with all its details (10,000 details of 400 characters fit). */
export const MAX_ENTRY_CHARS = 4 * 1024 * 1024;
/** Blanks around a field's text that do not count against its length (indentation). */
const FIELD_BLANKS = 1024;

const RECORDS: Record<CamtMessageType, CompiledRecords> = {
  'camt.052': compileRecords(camtRecords('camt.052')),
  'camt.053': compileRecords(camtRecords('camt.053')),
  'camt.054': compileRecords(camtRecords('camt.054')),
};

const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

/**
 * Follows the saxes events of one file: finds the CAMT Document by its namespace,
 * walks the record path tree with a stack of nodes, and turns each finished entry
 * into transactions that `take()` hands out. Holds one entry at a time, never the
 * document.
 *
 * saxes runs without its own namespace processing, which makes a parse some 40%
 * slower; this class resolves prefixes itself, and only for the elements it reads.
 */
export class CamtDocumentHandler {
  private readonly parser = new SaxesParser<{ xmlns: false; position: true }>({
    xmlns: false,
    position: true,
  });
  private ready: CamtTransaction[] = [];

  // Namespace bindings in scope: per prefix, its URIs, innermost last, so that
  // resolving a name costs one lookup however many declarations are in scope.
  private readonly bindings = new Map<string, string[]>([['xml', [XML_NAMESPACE]]]);
  // The prefixes each declaring element bound, innermost last, with its depth.
  private readonly declared: string[][] = [];
  private readonly declaredDepths: number[] = [];
  private depth = 0;
  /** Set by an xmlns attribute of the element being opened. */
  private declares = false;
  /** Attributes of the element being opened, so far. */
  private attributes = 0;

  private sawRoot = false;
  private rootLine = 1;
  private prologTail = '';

  private kind: CamtMessageKind | null = null;
  private namespace = '';
  private records: CompiledRecords | null = null;
  private builder: CamtTransactionBuilder | null = null;
  private inDocument = false;
  private documentLine = 1;

  // Inside the Document: the path tree nodes of the open elements we read, and how
  // deep we are in an element we do not read (0 when in none).
  private readonly stack: PathNode[] = [];
  private node: PathNode | null = null;
  private skip = 0;
  private text = '';
  /** How long the open field's text may grow, blanks included. */
  private textLimit = 0;
  private readonly frames: RecordFrame[] = [];
  /** Characters kept for the open entry and its details. */
  private entryChars = 0;

  private statements = 0;
  private entries = 0;
  private transactions = 0;
  private entryIndex = 0;

  constructor(private readonly fileName: string) {
    const parser = this.parser;
    parser.on('opentag', this.onOpen);
    parser.on('closetag', this.onClose);
    parser.on('cdata', this.onText);
    // Most elements have no attributes: learn of namespace declarations from the
    // attribute event rather than looking into every element's attributes.
    parser.on('attribute', ({ name }) => {
      if (++this.attributes > MAX_ATTRIBUTES) {
        this.fail(
          'camt.too-many-attributes',
          `an element has more than ${MAX_ATTRIBUTES} attributes`,
        );
      }
      if (name.startsWith('xmlns') && (name.length === 5 || name.charCodeAt(5) === COLON)) {
        this.declares = true;
      }
    });
    parser.on('doctype', () => this.fail('camt.doctype-forbidden', 'DOCTYPE is not allowed'));
    parser.on('error', (error) => this.fail('camt.malformed-xml', malformedDetail(error)));
  }

  /** The line the parser has reached, for errors found outside it. */
  get line(): number {
    return this.parser.line;
  }

  write(text: string): void {
    this.parser.write(this.sawRoot ? text : this.refuseDoctypeEarly(text));
    // saxes gathers a text node (or comment, CDATA, attribute value) and a name
    // whole before it reports them, listened to or not: an endless one would
    // grow memory with the file. Checked once per chunk, so it stops one chunk past.
    const gathered = this.parser as unknown as SaxesBuffers;
    if (gathered.text.length > MAX_TEXT_CHARS) {
      this.fail('camt.text-too-long', `a text node is longer than ${MAX_TEXT_CHARS} characters`);
    }
    if (
      gathered.name.length > MAX_NAME_CHARS ||
      gathered.piTarget.length > MAX_NAME_CHARS ||
      gathered.entity.length > MAX_NAME_CHARS
    ) {
      this.fail('camt.name-too-long', `a name is longer than ${MAX_NAME_CHARS} characters`);
    }
  }

  /** The transactions completed since the last call. */
  drain(): CamtTransaction[] {
    const ready = this.ready;
    this.ready = [];
    return ready;
  }

  close(): CamtSummary {
    this.parser.close();
    if (this.kind === null) {
      return this.fail(
        'camt.not-camt',
        'no CAMT Document element (camt.052/053/054)',
        this.rootLine,
      );
    }
    if (this.statements === 0) {
      return this.fail('camt.no-statements', 'the message holds no statement', this.documentLine);
    }
    return {
      messageType: this.kind.messageType,
      version: this.kind.version,
      statements: this.statements,
      entries: this.entries,
      transactions: this.transactions,
      warnings: (this.builder as CamtTransactionBuilder).warnings,
    };
  }

  fail(code: CamtErrorCode, detail: string, line = this.parser.line): never {
    throw new CamtError(code, this.fileName, line, detail);
  }

  private readonly onOpen = (tag: SaxesTagPlain): void => {
    this.attributes = 0;
    if (++this.depth > MAX_DEPTH) {
      this.fail('camt.nesting-too-deep', `elements nest more than ${MAX_DEPTH} deep`);
    }
    if (!this.inDocument) return this.openOutside(tag);
    if (this.skip !== 0) {
      // Nothing inside an element we skip is read, so its namespaces do not matter.
      this.declares = false;
      this.skip++;
      return;
    }
    if (this.declares) this.declareNamespaces(tag.attributes);
    const name = tag.name;
    const colon = name.indexOf(':');
    const node = (this.node as PathNode).child(colon < 0 ? name : name.slice(colon + 1));
    if (node === undefined || this.resolve(name, colon) !== this.namespace) {
      this.skip = 1;
      return;
    }
    if (node.opensLevel >= 0) this.openRecord(node.opensLevel);
    if (node.attributes !== null) {
      for (const { name: attribute, level, field, maxChars } of node.attributes) {
        const value = tag.attributes[attribute]?.trim();
        if (value === undefined) continue;
        if (value.length > maxChars) this.tooLong(`${node.name}@${attribute}`, maxChars);
        this.frames[level].values[field] = value;
      }
    }
    if (node.field !== null) {
      this.text = '';
      this.textLimit = node.maxChars + FIELD_BLANKS;
      // Text is sliced out of the input only while a field is open.
      this.parser.on('text', this.onText);
    }
    this.stack.push(node);
    this.node = node;
  };

  private readonly onClose = (): void => {
    if (this.declaredDepths[this.declaredDepths.length - 1] === this.depth) this.popNamespaces();
    this.depth--;
    if (!this.inDocument) return;
    if (this.skip !== 0) {
      this.skip--;
      return;
    }
    const node = this.node as PathNode;
    if (node.field !== null) this.storeText(node);
    if (node.opensLevel >= 0) this.closeRecord(node.opensLevel);
    this.stack.pop();
    if (this.stack.length === 0) {
      this.inDocument = false;
      this.node = null;
    } else {
      this.node = this.stack[this.stack.length - 1];
    }
  };

  // Comments, CDATA and character references cut a field's text into pieces:
  // the length is checked as they add up, not only per piece.
  private readonly onText = (text: string): void => {
    if (this.skip === 0 && this.inDocument && (this.node as PathNode).field !== null) {
      this.text += text;
      if (this.text.length > this.textLimit) {
        this.tooLong((this.node as PathNode).name, (this.node as PathNode).maxChars);
      }
    }
  };

  private storeText(node: PathNode): void {
    this.parser.off('text');
    const value = this.text.trim();
    this.text = '';
    if (value === '') return;
    if (value.length > node.maxChars) this.tooLong(node.name, node.maxChars);
    if (node.level >= ENTRY_LEVEL && (this.entryChars += value.length) > MAX_ENTRY_CHARS) {
      this.fail(
        'camt.entry-too-large',
        `an entry holds more than ${MAX_ENTRY_CHARS} characters of text`,
        this.frames[ENTRY_LEVEL].line,
      );
    }
    const values = this.frames[node.level].values;
    const field = node.field as string;
    if (node.list) {
      const list = values[field] as string[];
      if (list.length === node.maxItems) {
        this.fail('camt.too-many-repeats', `more than ${node.maxItems} ${node.name} in one record`);
      }
      list.push(value);
    } else {
      values[field] = value;
    }
  }

  private tooLong(element: string, maxChars: number): never {
    return this.fail('camt.field-too-long', `${element} is longer than ${maxChars} characters`);
  }

  private openRecord(level: number): void {
    this.frames[level] = {
      values: (this.records as CompiledRecords).createValues(level),
      line: this.parser.line,
      children: [],
    };
    if (level === STATEMENT_LEVEL) this.entryIndex = 0;
    if (level === ENTRY_LEVEL) this.entryChars = 0;
  }

  private closeRecord(level: number): void {
    if (level === DETAIL_LEVEL || level === CREDITOR_REFERENCE_LEVEL) {
      const siblings = this.frames[level - 1].children;
      const most = (this.records as CompiledRecords).repeats[level];
      if (siblings.length === most) {
        this.fail(
          'camt.too-many-repeats',
          `more than ${most} ${RECORD_NAMES[level]} in one record`,
        );
      }
      siblings.push(this.frames[level]);
    } else if (level === ENTRY_LEVEL) {
      const before = this.ready.length;
      (this.builder as CamtTransactionBuilder).build(
        this.frames[STATEMENT_LEVEL],
        this.statements,
        this.frames[ENTRY_LEVEL],
        this.entryIndex,
        this.ready,
      );
      this.transactions += this.ready.length - before;
      this.entries++;
      this.entryIndex++;
    } else if (level === STATEMENT_LEVEL) {
      this.statements++;
    }
  }

  /** Before and around the Document: look for it, keeping namespace scopes. */
  private openOutside(tag: SaxesTagPlain): void {
    if (!this.sawRoot) {
      this.sawRoot = true;
      this.rootLine = this.parser.line;
    }
    if (this.declares) this.declareNamespaces(tag.attributes);
    const name = tag.name;
    const colon = name.indexOf(':');
    if ((colon < 0 ? name : name.slice(colon + 1)) !== 'Document') return;
    const uri = this.resolve(name, colon);
    const kind = parseCamtNamespace(uri);
    if (kind === null) return;
    if (kind === 'unknown') return this.fail('camt.unknown-namespace', `unknown namespace ${uri}`);
    if (this.kind !== null) {
      return this.fail('camt.multiple-documents', 'a second CAMT Document in one file');
    }
    this.kind = kind;
    this.namespace = uri;
    this.records = RECORDS[kind.messageType];
    this.builder = new CamtTransactionBuilder(this.fileName, kind);
    this.documentLine = this.parser.line;
    this.inDocument = true;
    this.node = this.records.root;
    this.stack.push(this.node);
  }

  private declareNamespaces(attributes: Record<string, string>): void {
    this.declares = false;
    const prefixes: string[] = [];
    for (const key in attributes) {
      if (key.startsWith('xmlns') && (key.length === 5 || key.charCodeAt(5) === COLON)) {
        const prefix = key.length === 5 ? '' : key.slice(6);
        const uris = this.bindings.get(prefix);
        if (uris === undefined) this.bindings.set(prefix, [attributes[key]]);
        else uris.push(attributes[key]);
        prefixes.push(prefix);
      }
    }
    this.declared.push(prefixes);
    this.declaredDepths.push(this.depth);
  }

  private popNamespaces(): void {
    this.declaredDepths.pop();
    for (const prefix of this.declared.pop() as string[]) {
      const uris = this.bindings.get(prefix) as string[];
      uris.pop();
      // Prefixes come and go by the million in a hostile file: keep only those in scope.
      if (uris.length === 0) this.bindings.delete(prefix);
    }
  }

  /** The namespace URI of an element name; '' for no namespace. */
  private resolve(name: string, colon: number): string {
    const prefix = colon < 0 ? '' : name.slice(0, colon);
    const uris = this.bindings.get(prefix);
    if (uris !== undefined && uris.length > 0) return uris[uris.length - 1];
    if (prefix === '') return '';
    return this.fail('camt.malformed-xml', `unbound namespace prefix ${prefix}`);
  }

  /**
   * saxes reports a DOCTYPE only once it has read all of it; refuse it as soon as it
   * starts, so that a huge internal subset is never held in memory. The text up to
   * "<!DOCTYPE" goes to the parser first: once the root has opened, the words are a
   * comment's or a CDATA section's, not a DOCTYPE. Returns what is left to write.
   */
  private refuseDoctypeEarly(text: string): string {
    const window = this.prologTail + text;
    const at = window.indexOf('<!DOCTYPE');
    if (at < 0) {
      this.prologTail = window.slice(-8);
      return text;
    }
    // Where the words begin in this chunk; before it when they began in the last one.
    const start = Math.max(at - this.prologTail.length, 0);
    this.parser.write(text.slice(0, start));
    if (!this.sawRoot) this.fail('camt.doctype-forbidden', 'DOCTYPE is not allowed');
    return text.slice(start);
  }
}

const COLON = 58;

/** The buffers saxes gathers into, which its typings do not show. */
interface SaxesBuffers {
  text: string;
  name: string;
  piTarget: string;
  entity: string;
}

const RECORD_NAMES: Record<number, string> = {
  [DETAIL_LEVEL]: 'TxDtls',
  [CREDITOR_REFERENCE_LEVEL]: 'CdtrRefInf',
};

/** saxes prefixes its messages with line:column; the line is in ours already. */
function malformedDetail(error: Error): string {
  const match = /^\d+:(\d+): (.*)$/s.exec(error.message);
  return match === null
    ? `malformed XML: ${error.message}`
    : `malformed XML: ${match[2]} (column ${match[1]})`;
}
