import { Day } from '../common/day';
import { placeholders } from '../database/sql';
import { Tx } from '../database/tx';

/**
 * Reserves: a code's keyed hash and a balance, on the payment side only. The
 * intake credits them; withdrawals debit them; nothing here names a mailbox.
 */
export const ReserveRepository = {
  async insert(tx: Tx, reserve: { codeHash: string; currency: string; expiresOn: Day }) {
    await tx.execute(
      'INSERT INTO token_reserve (reserve_hash, balance_minor, currency, expires_on) VALUES ($1, 0, $2, $3)',
      [reserve.codeHash, reserve.currency, reserve.expiresOn],
    );
  },

  /** Which of these hashes are reserves that can still be paid and withdrawn from. */
  async findLive(tx: Tx, codeHashes: readonly string[], today: Day): Promise<string[]> {
    if (codeHashes.length === 0) return [];
    const rows = await tx.query<{ reserve_hash: string }>(
      `SELECT reserve_hash FROM token_reserve WHERE expires_on >= $1
          AND reserve_hash IN (${placeholders(codeHashes.length, 2)})`,
      [today, ...codeHashes],
    );
    return rows.map((r) => r.reserve_hash);
  },

  async credit(tx: Tx, codeHash: string, amountMinor: number, today: Day): Promise<boolean> {
    const n = await tx.execute(
      'UPDATE token_reserve SET balance_minor = balance_minor + $2 WHERE reserve_hash = $1 AND expires_on >= $3',
      [codeHash, amountMinor, today],
    );
    return n === 1;
  },

  /**
   * Takes the amount from the reserve if it holds that much: one conditional
   * UPDATE, so two withdrawals racing (two instances) cannot both overdraw it.
   * Undefined when the reserve is unknown, expired or short.
   */
  async debit(
    tx: Tx,
    codeHash: string,
    amountMinor: number,
    today: Day,
  ): Promise<number | undefined> {
    const [row] = await tx.query<{ balance_minor: number | string }>(
      `UPDATE token_reserve SET balance_minor = balance_minor - $2
        WHERE reserve_hash = $1 AND expires_on >= $3 AND balance_minor >= $2 RETURNING balance_minor`,
      [codeHash, amountMinor, today],
    );
    return row ? Number(row.balance_minor) : undefined;
  },

  async find(
    tx: Tx,
    codeHash: string,
    today: Day,
  ): Promise<{ balanceMinor: number; currency: string; expiresOn: Day } | undefined> {
    const [row] = await tx.query<{
      balance_minor: number | string;
      currency: string;
      expires_on: string;
    }>(
      'SELECT balance_minor, currency, expires_on FROM token_reserve WHERE reserve_hash = $1 AND expires_on >= $2',
      [codeHash, today],
    );
    return row
      ? {
          balanceMinor: Number(row.balance_minor),
          currency: row.currency,
          expiresOn: row.expires_on,
        }
      : undefined;
  },

  /** Deletes expired reserves; says what balance they still held, per currency. */
  async expire(
    tx: Tx,
    today: Day,
  ): Promise<{ currency: string; reserves: number; amountMinor: number }[]> {
    const rows = await tx.query<{ currency: string; n: number | string; amount: number | string }>(
      `SELECT currency, COUNT(*) AS n, SUM(balance_minor) AS amount FROM token_reserve
        WHERE expires_on < $1 AND balance_minor > 0 GROUP BY currency`,
      [today],
    );
    await tx.execute('DELETE FROM token_reserve WHERE expires_on < $1', [today]);
    return rows.map((r) => ({
      currency: r.currency,
      reserves: Number(r.n),
      amountMinor: Number(r.amount),
    }));
  },

  /** What all live reserves hold, per currency. */
  async outstanding(tx: Tx): Promise<Map<string, number>> {
    const rows = await tx.query<{ currency: string; amount: number | string }>(
      'SELECT currency, SUM(balance_minor) AS amount FROM token_reserve GROUP BY currency',
    );
    return new Map(rows.map((r) => [r.currency, Number(r.amount)]));
  },
};
