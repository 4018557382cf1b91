import { Tx } from '../database/tx';

/** What readiness reads: applied migrations, and whether a row still waits for the settlement. */
export const ReadinessRepository = {
  async appliedMigrations(tx: Tx): Promise<Set<string>> {
    const rows = await tx.query<{ name: string }>('SELECT name FROM migrations');
    return new Set(rows.map((r) => r.name));
  },

  /**
   * A write the database must accept (a read-only PostgreSQL, a standby, is
   * refused here) that changes nothing.
   */
  async write(tx: Tx): Promise<void> {
    await tx.execute('DELETE FROM idempotent_request WHERE 1 = 0');
  },

  /** The id of some row waiting for the settlement, or undefined when none waits. */
  async anyPending(tx: Tx): Promise<string | undefined> {
    const rows = await tx.query<{ id: string }>(
      `SELECT id FROM (SELECT id FROM pending_credit LIMIT 1) AS c
       UNION ALL SELECT id FROM (SELECT id FROM pending_payment LIMIT 1) AS p`,
    );
    return rows[0]?.id;
  },

  /** Whether that row still waits: every settlement empties both tables. */
  async stillPending(tx: Tx, id: string): Promise<boolean> {
    const rows = await tx.query(
      `SELECT 1 AS waiting FROM pending_credit WHERE id = $1
       UNION ALL SELECT 1 AS waiting FROM pending_payment WHERE id = $1`,
      [id],
    );
    return rows.length > 0;
  },
};
