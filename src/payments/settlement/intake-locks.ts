import { Tx } from '../../database/tx';

/** PostgreSQL advisory lock classes of the intake (two-key form: class, hashtext(key)). */
const REFERENCE = 7_220_201;
const BALANCE_CAP = 7_220_202;
const MAILBOX = 7_220_203;
const PENDING_LOCK_WAIT_MS = 100;

/** The settlement found the pending tables in use; it runs again shortly. */
export class PendingTablesBusy extends Error {}

/**
 * Locks of the intake that must leave no trace in any row: advisory locks,
 * held to the end of the transaction (a row lock would write the locker's
 * transaction id into the row, where it stays: a link to what else that
 * transaction wrote). On SQLite, where one writer runs at a time, there is
 * nothing to lock.
 */
export const IntakeLocks = {
  /** One channel reference is taken in by one transaction at a time. */
  async reference(tx: Tx, channel: string, externalRef: string): Promise<void> {
    if (tx.dialect !== 'postgres') return;
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
      REFERENCE,
      `${channel}|${externalRef}`,
    ]);
  },

  /**
   * Before a single payment's balance-cap check: shares the cap with other
   * single payments and excludes batches, then holds the mailbox.
   */
  async capOfMailbox(tx: Tx, mailbox: string): Promise<void> {
    if (tx.dialect !== 'postgres') return;
    await tx.query('SELECT pg_advisory_xact_lock_shared($1)', [BALANCE_CAP]);
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MAILBOX, mailbox]);
  },

  /**
   * Before a batch's first balance-cap check: the batch holds every mailbox
   * (one lock, not one per mailbox: PostgreSQL's lock table is small).
   */
  async capOfAll(tx: Tx): Promise<void> {
    if (tx.dialect !== 'postgres') return;
    await tx.query('SELECT pg_advisory_xact_lock($1)', [BALANCE_CAP]);
  },

  /**
   * The settlement's hold on the pending tables (PostgreSQL): nobody writes or
   * reads them until it commits, so what it reads is all there is, and it may
   * TRUNCATE them. Waiting at most briefly: a long transaction that read them
   * (a bank import) would otherwise queue every payment behind this lock.
   */
  async pendingTables(tx: Tx): Promise<void> {
    if (tx.dialect !== 'postgres') return;
    await tx.execute(`SET LOCAL lock_timeout = '${PENDING_LOCK_WAIT_MS}ms'`);
    try {
      await tx.execute('LOCK TABLE pending_credit, pending_payment IN ACCESS EXCLUSIVE MODE');
    } catch (error) {
      const code = (error as { driverError?: { code?: string } }).driverError?.code;
      if (code === '55P03') throw new PendingTablesBusy();
      throw error;
    }
    await tx.execute('SET LOCAL lock_timeout = 0');
  },
};
