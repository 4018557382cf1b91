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

/** Longest stretch a chunked write keeps the event loop to itself. */
const YIELD_MS = 5;
let ranSince = performance.now();

/**
 * Between two chunks of one write: lets the requests that arrived meanwhile be
 * read (reads answer from their own connection; writes queue) once the loop
 * has been held YIELD_MS. A bank import part writes 10,000 credits in one go.
 */
async function breathe(): Promise<void> {
  if (performance.now() - ranSince < YIELD_MS) return;
  await new Promise((resolve) => setImmediate(resolve));
  ranSince = performance.now();
}

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
    if (start > 0) await breathe();
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
    if (start > 0) await breathe();
    const chunk = values.slice(start, start + ROWS_PER_STATEMENT);
    changed += await tx.execute(statement(chunk.map((_, i) => `$${i + 1}`).join(', ')), chunk);
  }
  return changed;
}
