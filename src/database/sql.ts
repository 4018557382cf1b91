import type { Tx } from './transactions';

/** `$start, $start+1, …` for `count` values. */
export function placeholders(count: number, start = 1): string {
  return Array.from({ length: count }, (_, i) => `$${start + i}`).join(', ');
}

/**
 * A set of values bound as one JSON parameter: `x IN ${inJson(tx, 2)}` with
 * `JSON.stringify(values)` as $2. The statement's text is the same for any
 * number of values, so it is prepared once (an IN list of n placeholders would
 * be a new statement, and a new query plan in memory, for every n).
 */
export function inJson(tx: Pick<Tx, 'dialect'>, parameter: number): string {
  return tx.dialect === 'sqlite'
    ? `(SELECT value FROM json_each($${parameter}))`
    : `(SELECT json_array_elements_text($${parameter}::json))`;
}

const CHUNKS = [16, 4, 1];

/** The SQL of each (statement, chunk size), built once. */
const statements = new Map<string, string>();

/**
 * Inserts many rows with multi-row VALUES, in chunks of fixed sizes so that
 * only a handful of distinct statements is ever prepared. `suffix` follows the
 * VALUES (ON CONFLICT …, RETURNING …); the rows RETURNING yields are collected.
 */
export async function insertRows<T = Record<string, unknown>>(
  tx: Tx,
  head: string,
  width: number,
  rows: readonly unknown[][],
  suffix = '',
): Promise<T[]> {
  const returned: T[] = [];
  let at = 0;
  while (at < rows.length) {
    const size = CHUNKS.find((c) => c <= rows.length - at)!;
    const key = `${head}\u0000${width}\u0000${size}\u0000${suffix}`;
    let sql = statements.get(key);
    if (!sql) {
      const values = Array.from(
        { length: size },
        (_, row) => `(${placeholders(width, row * width + 1)})`,
      );
      sql = `${head} VALUES ${values.join(', ')} ${suffix}`;
      statements.set(key, sql);
    }
    returned.push(...(await tx.query<T>(sql, rows.slice(at, at + size).flat())));
    at += size;
  }
  return returned;
}
