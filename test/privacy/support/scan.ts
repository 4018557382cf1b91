import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

/** Bytes to search, named by where they came from. */
export interface Haystack {
  name: string;
  bytes: Buffer;
}

/** Every file under a folder, raw: the database, its -wal and -shm, and whatever else lies there. */
export function filesUnder(dir: string): Haystack[] {
  const found: Haystack[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...filesUnder(path));
    else found.push({ name: entry, bytes: readFileSync(path) });
  }
  return found;
}

/** Where a needle stands, if anywhere: `billing.sqlite-wal@81920`. */
export function whereFound(haystacks: readonly Haystack[], needle: string | Buffer): string[] {
  const bytes = typeof needle === 'string' ? Buffer.from(needle, 'utf8') : needle;
  return haystacks
    .map((h) => ({ name: h.name, at: h.bytes.indexOf(bytes) }))
    .filter((h) => h.at >= 0)
    .map((h) => `${h.name}@${h.at}`);
}

/**
 * Files this process holds open although they were deleted: where SQLite keeps
 * its temporary files (statement and savepoint journals, spilled sorts) while
 * it uses them. Read through /proc, so only on Linux; undefined elsewhere.
 */
export function deletedOpenFiles(): Haystack[] | undefined {
  if (!existsSync('/proc/self/fd')) return undefined;
  const found: Haystack[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed while we looked
    }
    if (!target.endsWith(' (deleted)')) continue;
    try {
      found.push({ name: target, bytes: readFileSync(`/proc/self/fd/${fd}`) });
    } catch {
      // a socket or pipe, or closed meanwhile
    }
  }
  return found;
}

/** Every live row of every table, as text: what a query of the database can still find. */
export async function liveRowsAsText(url: string): Promise<Haystack[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    );
    const found: Haystack[] = [];
    for (const { name } of tables) {
      const { rows } = await client.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM "${name}" t`,
      );
      found.push({ name, bytes: Buffer.from(rows.map((r) => r.row).join('\n'), 'utf8') });
    }
    return found;
  } finally {
    await client.end();
  }
}
