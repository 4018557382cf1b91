import { Day } from '../common/day';
import { placeholders } from '../database/sql';
import { Tx } from '../database/tx';
import { inChunks } from '../database/rows';

export interface LiveCode {
  codeHash: string;
  mailbox: string;
  country: string | null;
}

/** A code paid by a credit that waits for the next settlement is no longer live. */
const NOT_RESERVED =
  'NOT EXISTS (SELECT 1 FROM pending_credit p WHERE p.code_hash = topup_code.code_hash)';

/**
 * Pending links from a code (keyed hash) to a mailbox (pseudonym). A link lives
 * only until the code is redeemed or expires; then the row is deleted.
 */
export const TopupCodeRepository = {
  async insert(
    tx: Tx,
    code: { codeHash: string; mailbox: string; country: string | null; expiresOn: Day },
  ): Promise<void> {
    await tx.execute(
      'INSERT INTO topup_code (code_hash, mailbox, country, expires_on) VALUES ($1, $2, $3, $4)',
      [code.codeHash, code.mailbox, code.country, code.expiresOn],
    );
  },

  /** Codes that can still be paid: not expired, not paid and waiting for settlement. */
  async countOpen(tx: Tx, mailbox: string, today: Day): Promise<number> {
    const [row] = await tx.query<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM topup_code WHERE mailbox = $1 AND expires_on >= $2 AND ${NOT_RESERVED}`,
      [mailbox, today],
    );
    return Number(row.n);
  },

  /**
   * Which of these hashes are live codes today: not expired, and not reserved
   * by a credit that waits for settlement (no lock: a look, not a claim).
   */
  async findLive(tx: Tx, codeHashes: readonly string[], today: Day): Promise<string[]> {
    if (codeHashes.length === 0) return [];
    const rows = await tx.query<{ code_hash: string }>(
      `SELECT code_hash FROM topup_code WHERE expires_on >= $1 AND ${NOT_RESERVED}
          AND code_hash IN (${placeholders(codeHashes.length, 2)})`,
      [today, ...codeHashes],
    );
    return rows.map((r) => r.code_hash);
  },

  /**
   * Reads a code that is not expired and locks its row (PostgreSQL) to the end
   * of the transaction, so that whoever claims it next sees what this
   * transaction did. The caller then checks that no settlement waits for it.
   * The lock is written into the row; every claimed code's row is deleted by
   * the transaction that writes its credit, which overwrites it.
   */
  async lockLive(tx: Tx, codeHash: string, today: Day): Promise<LiveCode | undefined> {
    const [row] = await tx.query<{ code_hash: string; mailbox: string; country: string | null }>(
      `SELECT code_hash, mailbox, country FROM topup_code WHERE code_hash = $1 AND expires_on >= $2${tx.forUpdate}`,
      [codeHash, today],
    );
    return row
      ? { codeHash: row.code_hash, mailbox: row.mailbox, country: row.country }
      : undefined;
  },

  /** Whose code this is, without a lock (a look, not a claim). */
  async mailboxOf(tx: Tx, codeHash: string): Promise<string | undefined> {
    const [row] = await tx.query<{ mailbox: string }>(
      'SELECT mailbox FROM topup_code WHERE code_hash = $1',
      [codeHash],
    );
    return row?.mailbox;
  },

  /** Deletes codes whose credits are being written, in the order given. */
  async deleteMany(tx: Tx, codeHashes: readonly string[]): Promise<number> {
    return inChunks(
      tx,
      codeHashes,
      (list) => `DELETE FROM topup_code WHERE code_hash IN (${list})`,
    );
  },

  /**
   * Claims a live code: deletes it and says whose it was. Of two transactions
   * racing for one code (two instances, capture and webhook), exactly one gets
   * the row; the other gets nothing and must not credit.
   */
  async claim(tx: Tx, codeHash: string, today: Day): Promise<LiveCode | undefined> {
    const [row] = await tx.query<{ code_hash: string; mailbox: string; country: string | null }>(
      'DELETE FROM topup_code WHERE code_hash = $1 AND expires_on >= $2 RETURNING code_hash, mailbox, country',
      [codeHash, today],
    );
    return row
      ? { codeHash: row.code_hash, mailbox: row.mailbox, country: row.country }
      : undefined;
  },

  /** Expired codes, but for those whose credit waits for settlement (they are paid). */
  async purgeExpired(tx: Tx, today: Day): Promise<number> {
    return tx.execute(`DELETE FROM topup_code WHERE expires_on < $1 AND ${NOT_RESERVED}`, [today]);
  },

  async eraseMailbox(tx: Tx, mailbox: string): Promise<number> {
    return tx.execute('DELETE FROM topup_code WHERE mailbox = $1', [mailbox]);
  },
};
