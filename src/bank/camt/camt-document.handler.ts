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

/** The longest text node accepted; a statement's longest field is a few hundred characters. */
export const MAX_TEXT_CHARS = 1024 * 1024;

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

  // Namespace bindings in scope, innermost last, with the depth that declared them.
  private readonly boundPrefixes: string[] = ['xml'];
  private readonly boundUris: string[] = [XML_NAMESPACE];
  private readonly boundDepths: number[] = [0];
  private depth = 0;
  /** Set by an xmlns attribute of the element being opened. */
  private declares = false;

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
  private readonly frames: RecordFrame[] = [];

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
    if (!this.sawRoot) this.refuseDoctypeEarly(text);
    this.parser.write(text);
    // saxes gathers a text node whole before it reports it, listened to or not:
    // an endless one would grow memory with the file until the string limit.
    // No field of a statement comes near this size.
    if ((this.parser as unknown as { text: string }).text.length > MAX_TEXT_CHARS) {
      this.fail('camt.text-too-long', `a text node is longer than ${MAX_TEXT_CHARS} characters`);
    }
  }

  /** The transactions completed since the last call. */
  take(): CamtTransaction[] {
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
    };
  }

  fail(code: CamtErrorCode, detail: string, line = this.parser.line): never {
    throw new CamtError(code, this.fileName, line, detail);
  }

  private readonly onOpen = (tag: SaxesTagPlain): void => {
    this.depth++;
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
      for (const { name: attribute, level, field } of node.attributes) {
        const value = tag.attributes[attribute];
        if (value !== undefined) this.frames[level].values[field] = value.trim();
      }
    }
    if (node.field !== null) {
      this.text = '';
      // Text is sliced out of the input only while a field is open.
      this.parser.on('text', this.onText);
    }
    this.stack.push(node);
    this.node = node;
  };

  private readonly onClose = (): void => {
    if (this.boundDepths[this.boundDepths.length - 1] === this.depth) this.popNamespaces();
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

  private readonly onText = (text: string): void => {
    if (this.skip === 0 && this.inDocument && (this.node as PathNode).field !== null) {
      this.text += text;
    }
  };

  private storeText(node: PathNode): void {
    this.parser.off('text');
    const value = this.text.trim();
    this.text = '';
    if (value === '') return;
    const values = this.frames[node.level].values;
    const field = node.field as string;
    if (node.list) (values[field] as string[]).push(value);
    else values[field] = value;
  }

  private openRecord(level: number): void {
    this.frames[level] = {
      values: (this.records as CompiledRecords).createValues(level),
      line: this.parser.line,
      children: [],
    };
    if (level === STATEMENT_LEVEL) this.entryIndex = 0;
  }

  private closeRecord(level: number): void {
    if (level === DETAIL_LEVEL || level === CREDITOR_REFERENCE_LEVEL) {
      this.frames[level - 1].children.push(this.frames[level]);
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
    for (const key in attributes) {
      if (key.startsWith('xmlns') && (key.length === 5 || key.charCodeAt(5) === COLON)) {
        this.boundPrefixes.push(key.length === 5 ? '' : key.slice(6));
        this.boundUris.push(attributes[key]);
        this.boundDepths.push(this.depth);
      }
    }
  }

  private popNamespaces(): void {
    const depths = this.boundDepths;
    while (depths[depths.length - 1] === this.depth) {
      depths.pop();
      this.boundPrefixes.pop();
      this.boundUris.pop();
    }
  }

  /** The namespace URI of an element name; '' for no namespace. */
  private resolve(name: string, colon: number): string {
    const prefix = colon < 0 ? '' : name.slice(0, colon);
    const prefixes = this.boundPrefixes;
    for (let i = prefixes.length - 1; i >= 0; i--) {
      if (prefixes[i] === prefix) return this.boundUris[i];
    }
    if (prefix === '') return '';
    return this.fail('camt.malformed-xml', `unbound namespace prefix ${prefix}`);
  }

  /**
   * saxes reports a DOCTYPE only once it has read all of it; refuse it as soon as it
   * starts, so that a huge internal subset is never held in memory.
   */
  private refuseDoctypeEarly(text: string): void {
    const window = this.prologTail + text;
    const at = window.indexOf('<!DOCTYPE');
    if (at >= 0) {
      const newlines = window.slice(this.prologTail.length, at).split('\n').length - 1;
      this.fail('camt.doctype-forbidden', 'DOCTYPE is not allowed', this.parser.line + newlines);
    }
    this.prologTail = window.slice(-8);
  }
}

const COLON = 58;

/** saxes prefixes its messages with line:column; the line is in ours already. */
function malformedDetail(error: Error): string {
  const match = /^\d+:(\d+): (.*)$/s.exec(error.message);
  return match === null
    ? `malformed XML: ${error.message}`
    : `malformed XML: ${match[2]} (column ${match[1]})`;
}
