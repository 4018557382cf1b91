/**
 * Compiles tables of element paths into a tree of local names, so that the reader
 * looks each element up among the few children of its parent's node and never
 * builds or compares path strings.
 */

/** Field name -> path (or alternative paths) relative to the record element. */
export type FieldPaths = Readonly<Record<string, string | readonly string[]>>;

/** The values a record collects: a string or null per field, a list for `[]` paths. */
export type FieldValues<F extends FieldPaths> = {
  -readonly [K in keyof F]: F[K] extends `${string}[]` ? string[] : string | null;
};

export type RecordValues = Record<string, string | null | string[]>;

export interface RecordSpec {
  /** Where the record element stands, relative to the record above it. */
  readonly at: readonly string[];
  readonly fields: FieldPaths;
  /** The longest text each field may hold, in characters (blanks around it aside). */
  readonly lengths: Readonly<Record<string, number>>;
  /** The most values a `[]` field keeps. */
  readonly listItems?: number;
  /** The most records of this kind within one record above. */
  readonly repeats?: number;
  readonly child?: RecordSpec;
}

export interface AttributeCapture {
  readonly name: string;
  readonly level: number;
  readonly field: string;
  readonly maxChars: number;
}

export class PathNode {
  // The known children by local name: a handful each, so scanning them beats
  // hashing the fresh name string that the parser makes for every element.
  private readonly names: string[] = [];
  private readonly nodes: PathNode[] = [];
  /** Level of the record this element starts, or -1. */
  opensLevel = -1;
  /** Level of the record whose `field` this element's text fills. */
  level = -1;
  field: string | null = null;
  list = false;
  /** For a field: its longest text; for a list field, the most values it keeps. */
  maxChars = 0;
  maxItems = 0;
  attributes: AttributeCapture[] | null = null;

  constructor(readonly name = '') {}

  child(localName: string): PathNode | undefined {
    const names = this.names;
    for (let i = 0; i < names.length; i++) if (names[i] === localName) return this.nodes[i];
    return undefined;
  }

  childFor(localName: string): PathNode {
    let node = this.child(localName);
    if (node === undefined) {
      node = new PathNode(localName);
      this.names.push(localName);
      this.nodes.push(node);
    }
    return node;
  }
}

export interface CompiledRecords {
  /** The node of the element that holds the outermost records (e.g. Document). */
  readonly root: PathNode;
  /** Per level: the most records of that level within one record above. */
  readonly repeats: readonly number[];
  /** Creates the empty values of a record of the given level. */
  createValues(level: number): RecordValues;
}

export function compileRecords(spec: RecordSpec): CompiledRecords {
  const root = new PathNode();
  const shapes: RecordShape[] = [];
  addRecord(root, spec, 0, shapes);
  return {
    root,
    repeats: shapes.map((shape) => shape.repeats),
    createValues(level) {
      // Copying a template keeps one object shape per record kind.
      const { template, listFields } = shapes[level];
      const values = { ...template };
      for (const field of listFields) values[field] = [];
      return values;
    },
  };
}

interface RecordShape {
  /** Every field null; lists are replaced by fresh arrays on each copy. */
  template: RecordValues;
  listFields: string[];
  repeats: number;
}

function addRecord(parent: PathNode, spec: RecordSpec, level: number, shapes: RecordShape[]): void {
  const keys = Object.keys(spec.fields);
  shapes[level] = {
    template: Object.fromEntries(keys.map((key) => [key, null])),
    listFields: keys.filter((key) => isListPath(spec.fields[key])),
    repeats: spec.repeats ?? Infinity,
  };
  for (const at of spec.at) {
    const recordNode = walk(parent, at);
    recordNode.opensLevel = level;
    for (const key of keys) {
      const paths = spec.fields[key];
      const maxChars = spec.lengths[key];
      if (!(maxChars > 0)) throw new Error(`no length for the field ${key}`);
      const limits = { maxChars, maxItems: spec.listItems ?? Infinity };
      for (const path of typeof paths === 'string' ? [paths] : paths) {
        addField(recordNode, path, level, key, limits);
      }
    }
    if (spec.child) addRecord(recordNode, spec.child, level + 1, shapes);
  }
}

function addField(
  recordNode: PathNode,
  path: string,
  level: number,
  field: string,
  limits: { maxChars: number; maxItems: number },
): void {
  const list = path.endsWith('[]');
  const [elementPath, attribute] = (list ? path.slice(0, -2) : path).split('@');
  const node = walk(recordNode, elementPath);
  if (attribute !== undefined) {
    (node.attributes ??= []).push({ name: attribute, level, field, maxChars: limits.maxChars });
    return;
  }
  node.level = level;
  node.field = field;
  node.list = list;
  node.maxChars = limits.maxChars;
  node.maxItems = list ? limits.maxItems : 0;
}

function walk(from: PathNode, path: string): PathNode {
  return path.split('/').reduce((node, name) => node.childFor(name), from);
}

function isListPath(paths: string | readonly string[]): boolean {
  return typeof paths === 'string' && paths.endsWith('[]');
}
