import { Tx } from '../database/tx';

export interface DraftRow {
  id: string;
  enteredBy: string;
  enteredAt: number;
  receivedOn: string;
  currency: string;
  letters: number;
  sealedEntries: string;
}

/** What anyone may see of a waiting batch: not its letters, not their sum. */
export interface DraftView {
  batchId: string;
  enteredBy: string;
  enteredAt: string;
  receivedOn: string;
  currency: string;
  letters: number;
}

const toRow = (r: Record<string, unknown>): DraftRow => ({
  id: r.id as string,
  enteredBy: r.entered_by as string,
  enteredAt: Number(r.entered_at),
  receivedOn: r.received_on as string,
  currency: r.currency as string,
  letters: Number(r.letters),
  sealedEntries: r.sealed_entries as string,
});

export const CashBatchDraftRepository = {
  async insert(tx: Tx, row: DraftRow): Promise<void> {
    await tx.execute(
      `INSERT INTO cash_batch_draft (id, entered_by, entered_at, received_on, currency, letters,
         sealed_entries, failed_confirmations) VALUES ($1, $2, $3, $4, $5, $6, $7, 0)`,
      [
        row.id,
        row.enteredBy,
        row.enteredAt,
        row.receivedOn,
        row.currency,
        row.letters,
        row.sealedEntries,
      ],
    );
  },

  async find(tx: Tx, id: string): Promise<DraftRow | undefined> {
    const rows = await tx.query<Record<string, unknown>>(
      'SELECT * FROM cash_batch_draft WHERE id = $1',
      [id],
    );
    return rows[0] ? toRow(rows[0]) : undefined;
  },

  async all(tx: Tx): Promise<DraftRow[]> {
    return (
      await tx.query<Record<string, unknown>>('SELECT * FROM cash_batch_draft ORDER BY entered_at')
    ).map(toRow);
  },

  countFailure(tx: Tx, id: string): Promise<number> {
    return tx.execute(
      'UPDATE cash_batch_draft SET failed_confirmations = failed_confirmations + 1 WHERE id = $1',
      [id],
    );
  },

  remove(tx: Tx, id: string): Promise<number> {
    return tx.execute('DELETE FROM cash_batch_draft WHERE id = $1', [id]);
  },

  view(row: DraftRow): DraftView {
    return {
      batchId: row.id,
      enteredBy: row.enteredBy,
      enteredAt: new Date(row.enteredAt).toISOString(),
      receivedOn: row.receivedOn,
      currency: row.currency,
      letters: row.letters,
    };
  },
};
