import { Day } from '../common/day';
import { placeholders } from '../database/sql';
import { Tx } from '../database/transactions';

export interface LiveCode {
  codeHash: string;
  mailbox: string;
  country: string | null;
}

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

  async countOpen(tx: Tx, mailbox: string, today: Day): Promise<number> {
    const [row] = await tx.query<{ n: number | string }>(
      'SELECT COUNT(*) AS n FROM topup_code WHERE mailbox = $1 AND expires_on >= $2',
      [mailbox, today],
    );
    return Number(row.n);
  },

  /** Which of these hashes are live codes today (no lock: a look, not a claim). */
  async findLive(tx: Tx, codeHashes: readonly string[], today: Day): Promise<string[]> {
    if (codeHashes.length === 0) return [];
    const rows = await tx.query<{ code_hash: string }>(
      `SELECT code_hash FROM topup_code WHERE expires_on >= $1 AND code_hash IN (${placeholders(codeHashes.length, 2)})`,
      [today, ...codeHashes],
    );
    return rows.map((r) => r.code_hash);
  },

  /**
   * Claims a live code: deletes it and says whose it was. Of two transactions
   * racing for one code (two instances, capture and webhook), exactly one gets
   * the row; the other gets nothing and must not credit.
   */
  async take(tx: Tx, codeHash: string, today: Day): Promise<LiveCode | undefined> {
    const [row] = await tx.query<{ code_hash: string; mailbox: string; country: string | null }>(
      'DELETE FROM topup_code WHERE code_hash = $1 AND expires_on >= $2 RETURNING code_hash, mailbox, country',
      [codeHash, today],
    );
    return row
      ? { codeHash: row.code_hash, mailbox: row.mailbox, country: row.country }
      : undefined;
  },

  async purgeExpired(tx: Tx, today: Day): Promise<number> {
    return tx.execute('DELETE FROM topup_code WHERE expires_on < $1', [today]);
  },

  async eraseMailbox(tx: Tx, mailbox: string): Promise<number> {
    return tx.execute('DELETE FROM topup_code WHERE mailbox = $1', [mailbox]);
  },
};
