import { randomInt } from 'node:crypto';
import { Tx } from './tx';

/**
 * Rows in an order nobody can predict or reproduce (crypto-random
 * Fisher-Yates): the order in which a storage engine lays out rows that were
 * written together must say nothing about which of them belong together.
 */
export function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    const kept = out[i];
    out[i] = out[j];
    out[j] = kept;
  }
  return out;
}

/** Rows per multi-row statement: well under both engines' limits on bound values. */
export const ROWS_PER_STATEMENT = 500;

/**
 * Inserts rows with one multi-row statement per chunk, in the order given.
 * `values` gives a row's values in the order of `columns`.
 */
export async function insertRows<T>(
  tx: Tx,
  table: string,
  columns: readonly string[],
  rows: readonly T[],
  values: (row: T) => unknown[],
  suffix = '',
): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const first = params.length;
      params.push(...values(row));
      return `(${columns.map((_, i) => `$${first + i + 1}`).join(', ')})`;
    });
    await tx.execute(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}${suffix}`,
      params,
    );
  }
}

/** Runs `statement` once per chunk of values, each chunk bound as `$1 … $n`. */
export async function inChunks(
  tx: Tx,
  values: readonly unknown[],
  statement: (placeholders: string) => string,
): Promise<number> {
  let changed = 0;
  for (let start = 0; start < values.length; start += ROWS_PER_STATEMENT) {
    const chunk = values.slice(start, start + ROWS_PER_STATEMENT);
    changed += await tx.execute(statement(chunk.map((_, i) => `$${i + 1}`).join(', ')), chunk);
  }
  return changed;
}
