import { Day } from '../common/day';
import { Tx } from '../database/tx';

export interface IdempotentAnswer {
  fingerprint: string;
  statusCode: number;
  body: string;
}

/** Answers given to requests with an Idempotency-Key, by the key's keyed hash. */
export const IdempotentRequestRepository = {
  async find(tx: Tx, keyHash: string): Promise<IdempotentAnswer | undefined> {
    const [row] = await tx.query<{
      fingerprint: string;
      status_code: number | string;
      body: string;
    }>('SELECT fingerprint, status_code, body FROM idempotent_request WHERE key_hash = $1', [
      keyHash,
    ]);
    return (
      row && { fingerprint: row.fingerprint, statusCode: Number(row.status_code), body: row.body }
    );
  },

  /** False when another request recorded an answer under this key first. */
  async insertOnce(
    tx: Tx,
    keyHash: string,
    answer: IdempotentAnswer & { createdOn: Day },
  ): Promise<boolean> {
    const inserted = await tx.query(
      `INSERT INTO idempotent_request (key_hash, fingerprint, status_code, body, created_on)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key_hash) DO NOTHING RETURNING key_hash`,
      [keyHash, answer.fingerprint, answer.statusCode, answer.body, answer.createdOn],
    );
    return inserted.length === 1;
  },

  purgeBefore(tx: Tx, before: Day): Promise<number> {
    return tx.execute('DELETE FROM idempotent_request WHERE created_on < $1', [before]);
  },
};
