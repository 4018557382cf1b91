import { Tx } from '../database/tx';

export interface StaffSessionRow {
  idHash: string;
  accountId: string;
  createdAt: number;
  lastSeenAt: number;
}

/** Sessions, named by a SHA-256 of the cookie's value: a copy of the table opens none. */
export const StaffSessionRepository = {
  async insert(tx: Tx, row: StaffSessionRow): Promise<void> {
    await tx.execute(
      'INSERT INTO staff_session (id_hash, account_id, created_at, last_seen_at) VALUES ($1, $2, $3, $4)',
      [row.idHash, row.accountId, row.createdAt, row.lastSeenAt],
    );
  },

  async find(tx: Tx, idHash: string): Promise<StaffSessionRow | undefined> {
    const rows = await tx.query<Record<string, unknown>>(
      'SELECT id_hash, account_id, created_at, last_seen_at FROM staff_session WHERE id_hash = $1',
      [idHash],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      idHash: row.id_hash as string,
      accountId: row.account_id as string,
      createdAt: Number(row.created_at),
      lastSeenAt: Number(row.last_seen_at),
    };
  },

  touch(tx: Tx, idHash: string, at: number): Promise<number> {
    return tx.execute('UPDATE staff_session SET last_seen_at = $2 WHERE id_hash = $1', [
      idHash,
      at,
    ]);
  },

  remove(tx: Tx, idHash: string): Promise<number> {
    return tx.execute('DELETE FROM staff_session WHERE id_hash = $1', [idHash]);
  },

  removeAllOf(tx: Tx, accountId: string): Promise<number> {
    return tx.execute('DELETE FROM staff_session WHERE account_id = $1', [accountId]);
  },

  removeStale(tx: Tx, idleBefore: number, createdBefore: number): Promise<number> {
    return tx.execute('DELETE FROM staff_session WHERE last_seen_at < $1 OR created_at < $2', [
      idleBefore,
      createdBefore,
    ]);
  },
};
