import { Tx } from '../database/tx';

/** Hits per limit ("bucket"), window and keyed key, shared by the instances of one database. */
export const RateLimitWindowRepository = {
  /**
   * Counts one hit, in one statement, unless the key has used up `limit` in
   * this window already: true when it was counted.
   */
  async hitBelow(
    tx: Tx,
    bucket: string,
    windowStart: number,
    keyHash: string,
    limit: number,
  ): Promise<boolean> {
    if (limit <= 0) return false;
    const rows = await tx.query(
      `INSERT INTO rate_limit_window (bucket, window_start, limited_key, hits) VALUES ($1, $2, $3, 1)
       ON CONFLICT (bucket, window_start, limited_key)
       DO UPDATE SET hits = rate_limit_window.hits + 1 WHERE rate_limit_window.hits < $4
       RETURNING hits`,
      [bucket, windowStart, keyHash, limit],
    );
    return rows.length > 0;
  },

  /** Counts `n` hits at once, past the limit if need be. */
  async add(
    tx: Tx,
    bucket: string,
    windowStart: number,
    keyHash: string,
    n: number,
  ): Promise<void> {
    await tx.execute(
      `INSERT INTO rate_limit_window (bucket, window_start, limited_key, hits) VALUES ($1, $2, $3, $4)
       ON CONFLICT (bucket, window_start, limited_key)
       DO UPDATE SET hits = rate_limit_window.hits + excluded.hits`,
      [bucket, windowStart, keyHash, n],
    );
  },

  async hits(tx: Tx, bucket: string, windowStart: number, keyHash: string): Promise<number> {
    const [row] = await tx.query<{ hits: number | string }>(
      'SELECT hits FROM rate_limit_window WHERE bucket = $1 AND window_start = $2 AND limited_key = $3',
      [bucket, windowStart, keyHash],
    );
    return row ? Number(row.hits) : 0;
  },

  /** Deletes the counts of the limit's windows before this one. */
  async deleteBefore(tx: Tx, bucket: string, windowStart: number): Promise<number> {
    return tx.execute('DELETE FROM rate_limit_window WHERE bucket = $1 AND window_start < $2', [
      bucket,
      windowStart,
    ]);
  },
};
