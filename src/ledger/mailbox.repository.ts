import { Tx } from '../database/tx';

/** Mailboxes exist only as keyed pseudonyms (DESIGN.md, invariant 2). */
export const MailboxRepository = {
  /** True when the mailbox is new. */
  async insert(tx: Tx, pseudonym: string): Promise<boolean> {
    const rows = await tx.query(
      'INSERT INTO mailbox (pseudonym) VALUES ($1) ON CONFLICT (pseudonym) DO NOTHING RETURNING pseudonym',
      [pseudonym],
    );
    return rows.length === 1;
  },

  /** Reads the mailbox and, on PostgreSQL, locks it for the rest of the transaction. */
  async lock(tx: Tx, pseudonym: string): Promise<boolean> {
    const rows = await tx.query(
      `SELECT pseudonym FROM mailbox WHERE pseudonym = $1${tx.forUpdate}`,
      [pseudonym],
    );
    return rows.length === 1;
  },

  /**
   * Keeps the sealed mailbox id that events need, unless one is kept already
   * (a mailbox registered before events were configured gets it on its next PUT).
   */
  async seal(tx: Tx, pseudonym: string, sealedId: string): Promise<void> {
    await tx.execute(
      'UPDATE mailbox SET sealed_id = $2 WHERE pseudonym = $1 AND sealed_id IS NULL',
      [pseudonym, sealedId],
    );
  },

  async delete(tx: Tx, pseudonym: string): Promise<boolean> {
    return (await tx.execute('DELETE FROM mailbox WHERE pseudonym = $1', [pseudonym])) === 1;
  },
};
