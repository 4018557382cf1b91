import { readFileSync } from 'node:fs';

/**
 * A reader of SQLite's file format (https://www.sqlite.org/fileformat2.html)
 * for the attacker of the privacy tests: it walks every b-tree of a database
 * file as the bytes lie, and tells for each cell where it is (page and byte
 * offset) besides what it holds. SQLite itself is never asked, so nothing it
 * would hide (freed cells, the order cells arrived in) is hidden from the test.
 */
export interface RawCell {
  /** The page the cell lies on (1-based, as SQLite numbers them). */
  page: number;
  /** Where the cell's content starts on its page; new cells are put below older ones. */
  offset: number;
  /** The record's values, in the order of the table's or index's columns. */
  values: unknown[];
}

export interface RawTree {
  name: string;
  kind: 'table' | 'index';
  /** The table a b-tree belongs to (itself for a table). */
  table: string;
  rootPage: number;
  /** Leaf cells in key order, as SQLite would return them. */
  cells: RawCell[];
}

const PAGE_KINDS = { interiorIndex: 2, interiorTable: 5, leafIndex: 10, leafTable: 13 } as const;

export function readSqliteFile(path: string): Map<string, RawTree> {
  return new SqliteFile(readFileSync(path)).trees();
}

class SqliteFile {
  private readonly pageSize: number;
  private readonly usable: number;

  constructor(private readonly bytes: Buffer) {
    if (bytes.subarray(0, 16).toString('latin1') !== 'SQLite format 3\u0000')
      throw new Error('not a SQLite database file');
    const size = bytes.readUInt16BE(16);
    this.pageSize = size === 1 ? 65536 : size;
    this.usable = this.pageSize - bytes[20];
  }

  trees(): Map<string, RawTree> {
    const trees = new Map<string, RawTree>();
    // sqlite_schema: type, name, tbl_name, rootpage, sql
    for (const cell of this.walk(1)) {
      const [type, name, table, rootPage] = cell.values as [string, string, string, number];
      if ((type !== 'table' && type !== 'index') || !rootPage) continue;
      trees.set(name, {
        name,
        kind: type,
        table,
        rootPage: Number(rootPage),
        cells: this.walk(Number(rootPage)),
      });
    }
    return trees;
  }

  private page(n: number): Buffer {
    return this.bytes.subarray((n - 1) * this.pageSize, n * this.pageSize);
  }

  /** Every leaf cell under a root page, in key order. */
  private walk(root: number): RawCell[] {
    const cells: RawCell[] = [];
    const visit = (n: number) => {
      const page = this.page(n);
      const header = n === 1 ? 100 : 0;
      const kind = page[header];
      const count = page.readUInt16BE(header + 3);
      const interior = kind === PAGE_KINDS.interiorIndex || kind === PAGE_KINDS.interiorTable;
      const pointers = header + (interior ? 12 : 8);
      for (let i = 0; i < count; i++) {
        const offset = page.readUInt16BE(pointers + 2 * i);
        if (interior) {
          const child = page.readUInt32BE(offset);
          if (kind === PAGE_KINDS.interiorIndex) {
            // An interior index cell holds a key of its own, between its two subtrees.
            visit(child);
            cells.push({ page: n, offset, values: this.record(page, offset + 4, false) });
          } else {
            visit(child);
          }
        } else if (kind === PAGE_KINDS.leafIndex) {
          cells.push({ page: n, offset, values: this.record(page, offset, false) });
        } else if (kind === PAGE_KINDS.leafTable) {
          cells.push({ page: n, offset, values: this.record(page, offset, true) });
        } else {
          throw new Error(`page ${n}: unknown b-tree page kind ${kind}`);
        }
      }
      if (interior) visit(page.readUInt32BE(header + 8));
    };
    visit(root);
    return cells;
  }

  /** Decodes a cell's record, following overflow pages when it does not fit its page. */
  private record(page: Buffer, at: number, tableLeaf: boolean): unknown[] {
    const [payloadSize, afterSize] = varint(page, at);
    // A table leaf's cell carries the rowid next.
    const p = tableLeaf ? varint(page, afterSize)[1] : afterSize;
    const size = Number(payloadSize);
    const local = this.localSize(size, tableLeaf);
    let payload: Buffer;
    if (local === size) {
      payload = page.subarray(p, p + size);
    } else {
      const parts = [page.subarray(p, p + local)];
      let next = page.readUInt32BE(p + local);
      let left = size - local;
      while (next !== 0 && left > 0) {
        const overflow = this.page(next);
        const take = Math.min(left, this.usable - 4);
        parts.push(overflow.subarray(4, 4 + take));
        left -= take;
        next = overflow.readUInt32BE(0);
      }
      payload = Buffer.concat(parts);
    }
    return decodeRecord(payload);
  }

  private localSize(size: number, tableLeaf: boolean): number {
    const u = this.usable;
    const max = tableLeaf ? u - 35 : Math.floor(((u - 12) * 64) / 255) - 23;
    if (size <= max) return size;
    const min = Math.floor(((u - 12) * 32) / 255) - 23;
    const k = min + ((size - min) % (u - 4));
    return k <= max ? k : min;
  }
}

function varint(bytes: Buffer, at: number): [bigint, number] {
  let value = 0n;
  for (let i = 0; i < 8; i++) {
    const byte = bytes[at + i];
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) return [value, at + i + 1];
  }
  return [(value << 8n) | BigInt(bytes[at + 8]), at + 9];
}

function decodeRecord(payload: Buffer): unknown[] {
  const [headerSize, start] = varint(payload, 0);
  const types: number[] = [];
  for (let p = start; p < Number(headerSize);) {
    const [type, next] = varint(payload, p);
    types.push(Number(type));
    p = next;
  }
  const values: unknown[] = [];
  let p = Number(headerSize);
  for (const type of types) {
    if (type === 0) values.push(null);
    else if (type >= 1 && type <= 6) {
      const width = [0, 1, 2, 3, 4, 6, 8][type];
      values.push(Number(payload.readIntBE(p, Math.min(width, 6))));
      if (width === 8) values[values.length - 1] = Number(payload.readBigInt64BE(p));
      p += width;
    } else if (type === 7) {
      values.push(payload.readDoubleBE(p));
      p += 8;
    } else if (type === 8 || type === 9) values.push(type - 8);
    else if (type >= 12) {
      const length = type % 2 === 0 ? (type - 12) / 2 : (type - 13) / 2;
      const bytes = payload.subarray(p, p + length);
      values.push(type % 2 === 0 ? Buffer.from(bytes) : bytes.toString('utf8'));
      p += length;
    } else throw new Error(`unknown serial type ${type}`);
  }
  return values;
}
