import { Day } from '../common/day';
import { Tx } from '../database/tx';

type Counter = 'token_issued' | 'token_redeemed';

/**
 * What the token flow counts for the books: tokens withdrawn and redeemed per
 * day and denomination, reserve balances written off, and the nonces of spent
 * tokens (until their key can no longer redeem). Counts, never rows per token
 * on the withdrawal side: a row per signature would be a list to match against.
 */
export const TokenBooksRepository = {
  async count(
    tx: Tx,
    table: Counter,
    day: Day,
    denominationMinor: number,
    currency: string,
    tokens: number,
  ): Promise<void> {
    await tx.execute(
      `INSERT INTO ${table} (day, denomination_minor, currency, tokens) VALUES ($1, $2, $3, $4)
       ON CONFLICT (day, denomination_minor, currency) DO UPDATE SET tokens = ${table}.tokens + excluded.tokens`,
      [day, denominationMinor, currency, tokens],
    );
  },

  async writeOff(
    tx: Tx,
    day: Day,
    currency: string,
    reserves: number,
    amountMinor: number,
  ): Promise<void> {
    await tx.execute(
      `INSERT INTO token_write_off (day, currency, reserves, amount_minor) VALUES ($1, $2, $3, $4)
       ON CONFLICT (day, currency) DO UPDATE SET reserves = token_write_off.reserves + excluded.reserves,
         amount_minor = token_write_off.amount_minor + excluded.amount_minor`,
      [day, currency, reserves, amountMinor],
    );
  },

  /**
   * Records the nonces as spent. Returns how many were new: fewer than given
   * means a token was spent before (or twice in the request), and the caller
   * rolls back. Two instances racing for one nonce: the primary key lets one in.
   */
  async spend(tx: Tx, nonces: readonly string[], forgetAfter: Day): Promise<number> {
    let inserted = 0;
    for (const nonce of nonces) {
      inserted += await tx.execute(
        'INSERT INTO token_spent (nonce, forget_after) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [nonce, forgetAfter],
      );
    }
    return inserted;
  },

  async forgetSpent(tx: Tx, today: Day): Promise<number> {
    return tx.execute('DELETE FROM token_spent WHERE forget_after < $1', [today]);
  },

  async counts(
    tx: Tx,
    table: Counter,
    from: Day,
    to: Day,
  ): Promise<{ day: Day; denominationMinor: number; currency: string; tokens: number }[]> {
    const rows = await tx.query<{
      day: string;
      denomination_minor: number | string;
      currency: string;
      tokens: number | string;
    }>(
      `SELECT day, denomination_minor, currency, tokens FROM ${table}
        WHERE day >= $1 AND day <= $2 ORDER BY day, denomination_minor`,
      [from, to],
    );
    return rows.map((r) => ({
      day: r.day,
      denominationMinor: Number(r.denomination_minor),
      currency: r.currency,
      tokens: Number(r.tokens),
    }));
  },

  /** The value of all tokens issued up to and including a day, per currency. */
  async issuedValueUpTo(tx: Tx, to: Day): Promise<Map<string, number>> {
    const rows = await tx.query<{ currency: string; amount: number | string }>(
      `SELECT currency, SUM(tokens * denomination_minor) AS amount FROM token_issued WHERE day <= $1 GROUP BY currency`,
      [to],
    );
    return new Map(rows.map((r) => [r.currency, Number(r.amount)]));
  },

  /** Tokens issued per key still known: a denomination's count over the key's days of signing. */
  async issuedPerKey(
    tx: Tx,
  ): Promise<
    { denominationMinor: number; notBefore: Day; signUntil: Day; tokensIssued: number }[]
  > {
    const rows = await tx.query<{
      denomination_minor: number | string;
      not_before: string;
      sign_until: string;
      tokens: number | string | null;
    }>(
      `SELECT k.denomination_minor, k.not_before, k.sign_until,
              (SELECT SUM(i.tokens) FROM token_issued i
                WHERE i.denomination_minor = k.denomination_minor AND i.currency = k.currency
                  AND i.day >= k.not_before AND i.day <= k.sign_until) AS tokens
         FROM token_key k ORDER BY k.denomination_minor, k.not_before`,
    );
    return rows.map((r) => ({
      denominationMinor: Number(r.denomination_minor),
      notBefore: r.not_before,
      signUntil: r.sign_until,
      tokensIssued: Number(r.tokens ?? 0),
    }));
  },

  async writeOffs(
    tx: Tx,
    from: Day,
    to: Day,
  ): Promise<{ day: Day; currency: string; reserves: number; amountMinor: number }[]> {
    const rows = await tx.query<{
      day: string;
      currency: string;
      reserves: number | string;
      amount_minor: number | string;
    }>(
      'SELECT day, currency, reserves, amount_minor FROM token_write_off WHERE day >= $1 AND day <= $2 ORDER BY day',
      [from, to],
    );
    return rows.map((r) => ({
      day: r.day,
      currency: r.currency,
      reserves: Number(r.reserves),
      amountMinor: Number(r.amount_minor),
    }));
  },
};

/** What the journal and the ledger say of the token flow, per day (for the tokens report). */
export const TokenFlowRepository = {
  /** Payments credited to reserves, per day credited. */
  async reserveCredits(
    tx: Tx,
    from: Day,
    to: Day,
  ): Promise<{ day: Day; payments: number; amountMinor: number }[]> {
    const rows = await tx.query<{ day: string; n: number | string; amount: number | string }>(
      `SELECT settled_on AS day, COUNT(*) AS n, SUM(amount_minor) AS amount FROM payment
        WHERE status = 'reserved' AND settled_on >= $1 AND settled_on <= $2 GROUP BY settled_on`,
      [from, to],
    );
    return rows.map((r) => ({ day: r.day, payments: Number(r.n), amountMinor: Number(r.amount) }));
  },

  async reserveCreditsUpTo(tx: Tx, to: Day): Promise<number> {
    const [row] = await tx.query<{ amount: number | string | null }>(
      `SELECT SUM(amount_minor) AS amount FROM payment WHERE status = 'reserved' AND settled_on <= $1`,
      [to],
    );
    return Number(row?.amount ?? 0);
  },

  async writtenOffUpTo(tx: Tx, to: Day): Promise<number> {
    const [row] = await tx.query<{ amount: number | string | null }>(
      'SELECT SUM(amount_minor) AS amount FROM token_write_off WHERE day <= $1',
      [to],
    );
    return Number(row?.amount ?? 0);
  },

  /** Ledger credits by redemption, closed mailboxes' included. */
  async ledgerCredits(
    tx: Tx,
    from: Day,
    to: Day,
  ): Promise<{ day: Day; entries: number; amountMinor: number }[]> {
    const rows = await tx.query<{ day: string; n: number | string; amount: number | string }>(
      `SELECT day, SUM(n) AS n, SUM(amount) AS amount FROM (
         SELECT booked_on AS day, COUNT(*) AS n, SUM(amount_minor) AS amount FROM ledger_entry
          WHERE channel = 'token' AND kind = 'credit' AND booked_on >= $1 AND booked_on <= $2
          GROUP BY booked_on
         UNION ALL
         SELECT booked_on AS day, entries AS n, amount_minor AS amount FROM ledger_closed_total
          WHERE channel = 'token' AND kind = 'credit' AND booked_on >= $1 AND booked_on <= $2
       ) t GROUP BY day`,
      [from, to],
    );
    return rows.map((r) => ({ day: r.day, entries: Number(r.n), amountMinor: Number(r.amount) }));
  },
};
