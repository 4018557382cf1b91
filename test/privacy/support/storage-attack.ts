import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Client } from 'pg';
import { RawCell, readSqliteFile } from './sqlite-pages';

/**
 * The attacker of DESIGN.md's invariant 7: someone with a copy of the database
 * (and, on PostgreSQL, SQL access with every system column and a pg_dump) who
 * tries to pair payments in the journal with the ledger credits they paid for,
 * from what the storage engine records on its own: the order rows arrived in,
 * transaction and command ids, physical positions. Values that the design
 * shares on purpose (day, channel, amount) are equal for every credit of a
 * test, so only the engine's records are left to tell them apart.
 *
 * Each attack ranks the journal rows and the ledger rows of one anonymity set
 * by one of those records and pairs them rank by rank. It scores how many pairs
 * are right.
 */
export interface Credit {
  /** The journal row's id. */
  paymentId: string;
  /** The pseudonym of the mailbox it credited. */
  mailbox: string;
}

export interface AttackResult {
  attack: string;
  paired: number;
  of: number;
}

/**
 * Under a pairing that carries no information (a uniformly random one-to-one
 * pairing of n rows), the number of right pairs k has P(k >= m) <= 1/m!, and
 * about 1 right pair is what chance gives. Ten or more right pairs in one
 * attack happen by chance at most once in 3.6 million attacks; a run of the
 * tests makes about 700 per database, so a false alarm comes about once in
 * 5,000 runs, while the layouts these tests were written against paired every
 * credit (24 of 24, 16 of 16).
 */
export const CHANCE_BOUND = 9;

type Rank = (number | bigint | string)[];

interface Ranked {
  attack: string;
  payments: Map<string, Rank>;
  mailboxes: Map<string, Rank>;
}

/** Pairs rank by rank (ties broken by id, which is random) and counts the right pairs. */
function score(ranked: Ranked, credits: readonly Credit[]): AttackResult {
  const compare = (a: [string, Rank], b: [string, Rank]) => {
    for (let i = 0; i < Math.max(a[1].length, b[1].length); i++) {
      const x = a[1][i];
      const y = b[1][i];
      if (x === y) continue;
      if (x === undefined) return -1;
      if (y === undefined) return 1;
      return x < y ? -1 : 1;
    }
    return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
  };
  const order = (m: Map<string, Rank>, keys: string[]) =>
    keys
      .filter((k) => m.has(k))
      .map((k) => [k, m.get(k)!] as [string, Rank])
      .sort(compare)
      .map(([k]) => k);
  const payments = order(
    ranked.payments,
    credits.map((c) => c.paymentId),
  );
  const mailboxes = order(
    ranked.mailboxes,
    credits.map((c) => c.mailbox),
  );
  if (payments.length !== credits.length || mailboxes.length !== credits.length) {
    throw new Error(
      `${ranked.attack}: found ${payments.length} journal rows and ${mailboxes.length} ledger rows of ${credits.length} credits`,
    );
  }
  const truth = new Map(credits.map((c) => [c.paymentId, c.mailbox]));
  const paired = payments.filter((p, i) => truth.get(p) === mailboxes[i]).length;
  return { attack: ranked.attack, paired, of: credits.length };
}

// --- SQLite ------------------------------------------------------------------

/** Orders of cells that follow the order they arrived in, under different readings. */
const CELL_ORDERS: Record<string, (c: RawCell) => Rank> = {
  'page, then offset downwards': (c) => [c.page, -c.offset],
  'page, then offset upwards': (c) => [c.page, c.offset],
  'offset downwards': (c) => [-c.offset, c.page],
  'page downwards, then offset downwards': (c) => [-c.page, -c.offset],
};

/**
 * Reads the database file (with its WAL applied, as a copy of a running
 * server's folder would be read) and attacks with every pair of b-trees that
 * hold a journal row's id or a mailbox's pseudonym, under every cell order.
 */
export function attackSqliteFile(path: string, credits: readonly Credit[]): AttackResult[] {
  const trees = readSqliteFile(withWal(path));
  const paymentSide: { name: string; cells: Map<string, RawCell> }[] = [];
  const mailboxSide: { name: string; cells: Map<string, RawCell> }[] = [];
  const ids = new Set(credits.map((c) => c.paymentId));
  const pseudonyms = new Set(credits.map((c) => c.mailbox));
  for (const tree of trees.values()) {
    const byPayment = new Map<string, RawCell>();
    const byMailbox = new Map<string, RawCell>();
    for (const cell of tree.cells) {
      for (const value of cell.values) {
        if (typeof value !== 'string') continue;
        if (ids.has(value)) byPayment.set(value, cell);
        // A mailbox with more than one row in a tree (codes, events) is ranked by its first.
        if (pseudonyms.has(value) && !byMailbox.has(value)) byMailbox.set(value, cell);
      }
    }
    if (byPayment.size > 0) paymentSide.push({ name: tree.name, cells: byPayment });
    if (byMailbox.size > 0) mailboxSide.push({ name: tree.name, cells: byMailbox });
  }
  const results: AttackResult[] = [];
  for (const p of paymentSide) {
    for (const m of mailboxSide) {
      if (p.cells.size < credits.length || m.cells.size < credits.length) continue;
      for (const [reading, rank] of Object.entries(CELL_ORDERS)) {
        results.push(
          score(
            {
              attack: `${p.name} x ${m.name}: ${reading}`,
              payments: new Map([...p.cells].map(([k, c]) => [k, rank(c)])),
              mailboxes: new Map([...m.cells].map(([k, c]) => [k, rank(c)])),
            },
            credits,
          ),
        );
      }
    }
  }
  for (const p of paymentSide.filter((t) => t.name === 'payment')) {
    for (const m of mailboxSide.filter((t) => t.name === 'ledger_entry')) {
      results.push(
        concordance(`${p.name} x ${m.name}: agreeing cell orders`, p.cells, m.cells, credits),
      );
    }
  }
  if (!results.some((r) => r.attack.startsWith('payment x ledger_entry')))
    throw new Error('the journal and the ledger were not both found in the file');
  return results;
}

/**
 * Cells of one page arrived in the order of their offsets (downwards), but a
 * page split lays a page out anew and across pages there is no order. So the
 * attacker knows, for some pairs of journal rows and some pairs of ledger rows,
 * which came first; it looks for the pairing under which the most of those
 * orders agree (a local search from many starts) and takes it.
 */
function concordance(
  attack: string,
  paymentCells: Map<string, RawCell>,
  mailboxCells: Map<string, RawCell>,
  credits: readonly Credit[],
): AttackResult {
  const payments = credits.map((c) => paymentCells.get(c.paymentId)!);
  const mailboxes = [...new Set(credits.map((c) => c.mailbox))];
  const ledger = mailboxes.map((m) => mailboxCells.get(m)!);
  const n = payments.length;
  const before = (cells: RawCell[]) =>
    cells.map((a) => cells.map((b) => (a.page !== b.page ? 0 : Math.sign(a.offset - b.offset))));
  const p = before(payments);
  const m = before(ledger);
  const agreement = (sigma: number[]) => {
    let sum = 0;
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) sum += p[i][j] * m[sigma[i]][sigma[j]];
    return sum;
  };
  let random = 1;
  const next = () => (random = (random * 48271) % 2147483647) / 2147483647;
  let best = { sigma: [] as number[], value: -Infinity };
  for (let start = 0; start < 40; start++) {
    const sigma = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0 && start > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [sigma[i], sigma[j]] = [sigma[j], sigma[i]];
    }
    let value = agreement(sigma);
    for (let improved = true; improved;) {
      improved = false;
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          [sigma[i], sigma[j]] = [sigma[j], sigma[i]];
          const swapped = agreement(sigma);
          if (swapped > value) {
            value = swapped;
            improved = true;
          } else [sigma[i], sigma[j]] = [sigma[j], sigma[i]];
        }
      }
    }
    if (value > best.value) best = { sigma: [...sigma], value };
  }
  const paired = credits.filter((c, i) => mailboxes[best.sigma[i]] === c.mailbox).length;
  return { attack, paired, of: n };
}

/**
 * The database as of its last committed WAL frame: what SQLite would read. The
 * frames' older versions are not used here (the byte scans look at them).
 */
function withWal(path: string): string {
  const wal = `${path}-wal`;
  if (!existsSync(wal)) return path;
  const log = readFileSync(wal);
  if (log.length < 32) return path;
  const db = Buffer.from(readFileSync(path));
  const pageSize = log.readUInt32BE(8);
  const salt = log.subarray(16, 24);
  const latest = new Map<number, Buffer>();
  let pending = new Map<number, Buffer>();
  let size = db.length;
  for (let at = 32; at + 24 + pageSize <= log.length; at += 24 + pageSize) {
    if (!log.subarray(at + 8, at + 16).equals(salt)) break;
    pending.set(log.readUInt32BE(at), log.subarray(at + 24, at + 24 + pageSize));
    const commit = log.readUInt32BE(at + 4);
    if (commit !== 0) {
      for (const [n, page] of pending) latest.set(n, page);
      pending = new Map();
      size = commit * pageSize;
    }
  }
  const out = Buffer.alloc(Math.max(size, db.length));
  db.copy(out);
  for (const [n, page] of latest) page.copy(out, (n - 1) * pageSize);
  const copy = `${path}.attacker-view`;
  writeFileSync(copy, out.subarray(0, size));
  return copy;
}

// --- PostgreSQL --------------------------------------------------------------

interface SystemColumns {
  key: string;
  xmin: bigint;
  cmin: number;
  ctid: [number, number];
}

/** Every table's rows with their system columns, keyed by a journal id or a pseudonym in them. */
async function systemColumns(
  client: Client,
  table: string,
  keyColumn: string,
): Promise<SystemColumns[]> {
  const { rows } = await client.query<{ key: string; xmin: string; cmin: string; ctid: string }>(
    `SELECT ${keyColumn} AS key, xmin::text AS xmin, cmin::text AS cmin, ctid::text AS ctid FROM ${table}`,
  );
  return rows.map((r) => {
    const [page, item] = r.ctid.slice(1, -1).split(',').map(Number);
    return { key: r.key, xmin: BigInt(r.xmin), cmin: Number(r.cmin), ctid: [page, item] };
  });
}

const ROW_ORDERS: Record<string, (r: SystemColumns) => Rank> = {
  'xmin, then cmin, then ctid': (r) => [r.xmin, r.cmin, r.ctid[0], r.ctid[1]],
  'xmin, then ctid': (r) => [r.xmin, r.ctid[0], r.ctid[1]],
  'cmin, then ctid': (r) => [r.cmin, r.ctid[0], r.ctid[1]],
  ctid: (r) => [r.ctid[0], r.ctid[1]],
  'ctid downwards': (r) => [-r.ctid[0], -r.ctid[1]],
};

/**
 * Attacks through system columns (equal xmin first: a journal row whose xmin
 * only one ledger row shares is paired with it; then every order) and through
 * the order of pg_dump's COPY data.
 */
export async function attackPostgres(
  url: string,
  credits: readonly Credit[],
): Promise<AttackResult[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const payments = await systemColumns(client, 'payment', 'id');
    const mailboxSides: Record<string, SystemColumns[]> = {
      ledger_entry: await systemColumns(client, 'ledger_entry', 'mailbox'),
      event_outbox: await systemColumns(client, 'event_outbox', 'mailbox'),
      mailbox: await systemColumns(client, 'mailbox', 'pseudonym'),
    };
    const results: AttackResult[] = [];
    const ids = new Set(credits.map((c) => c.paymentId));
    const pseudonyms = new Set(credits.map((c) => c.mailbox));
    const ours = payments.filter((p) => ids.has(p.key));
    for (const [table, rows] of Object.entries(mailboxSides)) {
      const theirs = new Map<string, SystemColumns>();
      for (const r of rows) if (pseudonyms.has(r.key) && !theirs.has(r.key)) theirs.set(r.key, r);
      if (theirs.size < credits.length) continue;
      results.push(sharedXmin(`payment x ${table}: equal xmin`, ours, theirs, credits));
      for (const [reading, rank] of Object.entries(ROW_ORDERS)) {
        results.push(
          score(
            {
              attack: `payment x ${table}: ${reading}`,
              payments: new Map(ours.map((r) => [r.key, rank(r)])),
              mailboxes: new Map([...theirs].map(([k, r]) => [k, rank(r)])),
            },
            credits,
          ),
        );
      }
    }
    results.push(dumpOrder(url, credits));
    return results;
  } finally {
    await client.end();
  }
}

function sharedXmin(
  attack: string,
  payments: SystemColumns[],
  mailboxes: Map<string, SystemColumns>,
  credits: readonly Credit[],
): AttackResult {
  const truth = new Map(credits.map((c) => [c.paymentId, c.mailbox]));
  let paired = 0;
  for (const p of payments) {
    const same = [...mailboxes.values()].filter((m) => m.xmin === p.xmin);
    if (same.length === 1 && truth.get(p.key) === same[0].key) paired++;
  }
  return { attack, paired, of: credits.length };
}

/** The order pg_dump writes the rows of the journal and of the ledger in. */
function dumpOrder(url: string, credits: readonly Credit[]): AttackResult {
  const dump = execFileSync(
    'pg_dump',
    ['--data-only', '--table=payment', '--table=ledger_entry', `--dbname=${url}`],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  const rowsOf = (table: string, column: string): Map<string, Rank> => {
    const start = dump.search(new RegExp(`^COPY public\\.${table} \\(`, 'm'));
    if (start < 0) throw new Error(`pg_dump wrote no data for ${table}`);
    const header = dump.slice(start, dump.indexOf('\n', start));
    const columns = header.slice(header.indexOf('(') + 1, header.indexOf(')')).split(', ');
    const at = columns.indexOf(column);
    const body = dump.slice(dump.indexOf('\n', start) + 1, dump.indexOf('\n\\.', start));
    const ranks = new Map<string, Rank>();
    body.split('\n').forEach((line, i) => {
      const key = line.split('\t')[at];
      if (!ranks.has(key)) ranks.set(key, [i]);
    });
    return ranks;
  };
  return score(
    {
      attack: 'pg_dump order of payment x ledger_entry',
      payments: rowsOf('payment', 'id'),
      mailboxes: rowsOf('ledger_entry', 'mailbox'),
    },
    credits,
  );
}
