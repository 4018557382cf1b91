import { Day } from '../common/day';
import { Tx } from '../database/tx';
import { ROWS_PER_STATEMENT } from '../database/rows';
import { PaymentKind, UnmatchedReason } from './received-payment';
import { Channel } from '../ledger/channel';

/** `reserved`: credited to a token reserve (src/tokens), a payment-side balance, not a mailbox. */
export type PaymentStatus = 'credited' | 'reserved' | 'unmatched' | 'refunded' | 'kept';

export interface NewPayment {
  id: string;
  channel: Channel;
  kind: PaymentKind;
  externalRef: string;
  amountMinor: number;
  currency: string;
  bookedOn: Day;
  settledOn: Day | null;
  status: PaymentStatus;
  reason: UnmatchedReason | null;
  country: string | null;
  payerName: string | null;
  payerIban: string | null;
  payerCountry: string | null;
  remittance: string | null;
}

export interface UnmatchedPayment {
  id: string;
  channel: Channel;
  kind: PaymentKind;
  amountMinor: number;
  currency: string;
  bookedOn: Day;
  payerName: string | null;
  payerIban: string | null;
  remittance: string | null;
  reason: UnmatchedReason;
}

interface UnmatchedRow {
  id: string;
  channel: Channel;
  kind: PaymentKind;
  amount_minor: number | string;
  currency: string;
  booked_on: Day;
  payer_name: string | null;
  payer_iban: string | null;
  remittance: string | null;
  reason: UnmatchedReason;
}

const toUnmatched = (r: UnmatchedRow): UnmatchedPayment => ({
  id: r.id,
  channel: r.channel,
  kind: r.kind,
  amountMinor: Number(r.amount_minor),
  currency: r.currency,
  bookedOn: r.booked_on,
  payerName: r.payer_name,
  payerIban: r.payer_iban,
  remittance: r.remittance,
  reason: r.reason,
});

/** The journal's columns, in the order journalValues gives them. */
export const JOURNAL_COLUMNS = [
  'id',
  'channel',
  'kind',
  'external_ref',
  'amount_minor',
  'currency',
  'booked_on',
  'settled_on',
  'status',
  'reason',
  'country',
  'payer_name',
  'payer_iban',
  'payer_country',
  'remittance',
] as const;

export function journalValues(p: NewPayment): unknown[] {
  return [
    p.id,
    p.channel,
    p.kind,
    p.externalRef,
    p.amountMinor,
    p.currency,
    p.bookedOn,
    p.settledOn,
    p.status,
    p.reason,
    p.country,
    p.payerName,
    p.payerIban,
    p.payerCountry,
    p.remittance,
  ];
}

/** A journal row as the database returns it. */
export interface JournalRow {
  id: string;
  channel: Channel;
  kind: PaymentKind;
  external_ref: string;
  amount_minor: number | string;
  currency: string;
  booked_on: Day;
  settled_on: Day | null;
  status: PaymentStatus;
  reason: UnmatchedReason | null;
  country: string | null;
  payer_name: string | null;
  payer_iban: string | null;
  payer_country: string | null;
  remittance: string | null;
}

export function fromJournalRow(r: JournalRow): NewPayment {
  return {
    id: r.id,
    channel: r.channel,
    kind: r.kind,
    externalRef: r.external_ref,
    amountMinor: Number(r.amount_minor),
    currency: r.currency,
    bookedOn: r.booked_on,
    settledOn: r.settled_on,
    status: r.status,
    reason: r.reason,
    country: r.country,
    payerName: r.payer_name,
    payerIban: r.payer_iban,
    payerCountry: r.payer_country,
    remittance: r.remittance,
  };
}

const UNMATCHED_COLUMNS =
  'id, channel, kind, amount_minor, currency, booked_on, payer_name, payer_iban, remittance, reason';

/** The payment journal: every payment received, kept for bookkeeping, linked to no mailbox. */
export const PaymentRepository = {
  async findByRef(tx: Tx, channel: Channel, externalRef: string): Promise<string | undefined> {
    const [row] = await tx.query<{ id: string }>(
      'SELECT id FROM payment WHERE channel = $1 AND external_ref = $2',
      [channel, externalRef],
    );
    return row?.id;
  },

  /** What the journal says of a payment taken before, if it holds it. */
  async entryByRef(
    tx: Tx,
    channel: Channel,
    externalRef: string,
  ): Promise<{ id: string; status: PaymentStatus; reason: UnmatchedReason | null } | undefined> {
    const [row] = await tx.query<{
      id: string;
      status: PaymentStatus;
      reason: UnmatchedReason | null;
    }>('SELECT id, status, reason FROM payment WHERE channel = $1 AND external_ref = $2', [
      channel,
      externalRef,
    ]);
    return row;
  },

  /** Records a payment once; false when the channel's reference is already taken. */
  async insertOnce(tx: Tx, p: NewPayment): Promise<boolean> {
    // Told by the count of rows changed: RETURNING makes SQLite collect each row first.
    const inserted = await tx.execute(
      `INSERT INTO payment (${JOURNAL_COLUMNS.join(', ')})
       VALUES (${JOURNAL_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (channel, external_ref) DO NOTHING`,
      journalValues(p),
    );
    return inserted === 1;
  },

  /**
   * Records journal rows that waited for a settlement, one multi-row statement
   * per chunk, in the order given (the caller's random one). Returns how many
   * were new: a reference recorded already is skipped, never written twice.
   */
  async insertSettled(tx: Tx, payments: readonly NewPayment[]): Promise<number> {
    let inserted = 0;
    for (let start = 0; start < payments.length; start += ROWS_PER_STATEMENT) {
      const chunk = payments.slice(start, start + ROWS_PER_STATEMENT);
      const params: unknown[] = [];
      const tuples = chunk.map((p) => {
        const first = params.length;
        params.push(...journalValues(p));
        return `(${JOURNAL_COLUMNS.map((_, i) => `$${first + i + 1}`).join(', ')})`;
      });
      inserted += (
        await tx.query(
          `INSERT INTO payment (${JOURNAL_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}
           ON CONFLICT (channel, external_ref) DO NOTHING RETURNING id`,
          params,
        )
      ).length;
    }
    return inserted;
  },

  async lockUnmatched(tx: Tx, id: string): Promise<UnmatchedPayment | undefined> {
    const [row] = await tx.query<UnmatchedRow>(
      `SELECT ${UNMATCHED_COLUMNS} FROM payment WHERE id = $1 AND status = 'unmatched'${tx.forUpdate}`,
      [id],
    );
    return row && toUnmatched(row);
  },

  async exists(tx: Tx, id: string): Promise<boolean> {
    return (await tx.query('SELECT id FROM payment WHERE id = $1', [id])).length === 1;
  },

  async listUnmatched(
    tx: Tx,
    limit: number,
    after?: { bookedOn: Day; id: string },
  ): Promise<UnmatchedPayment[]> {
    const rows = await tx.query<UnmatchedRow>(
      after
        ? `SELECT ${UNMATCHED_COLUMNS} FROM payment WHERE status = 'unmatched' AND (booked_on > $1 OR (booked_on = $1 AND id > $2)) ORDER BY booked_on, id LIMIT $3`
        : `SELECT ${UNMATCHED_COLUMNS} FROM payment WHERE status = 'unmatched' ORDER BY booked_on, id LIMIT $1`,
      after ? [after.bookedOn, after.id, limit] : [limit],
    );
    return rows.map(toUnmatched);
  },

  /** Settles an unmatched payment: payer details and the code's spelling go. */
  async resolve(
    tx: Tx,
    id: string,
    outcome: {
      status: Exclude<PaymentStatus, 'unmatched'>;
      settledOn: Day | null;
      resolvedOn: Day;
      country?: string | null;
      remittance: string | null;
    },
  ): Promise<void> {
    await tx.execute(
      `UPDATE payment SET status = $2, settled_on = $3, resolved_on = $4, country = COALESCE($5, country),
         remittance = $6, reason = NULL, payer_name = NULL, payer_iban = NULL
       WHERE id = $1 AND status = 'unmatched'`,
      [
        id,
        outcome.status,
        outcome.settledOn,
        outcome.resolvedOn,
        outcome.country ?? null,
        outcome.remittance,
      ],
    );
  },

  /** Payer details go once a payment is settled; unmatched ones keep them for staff. */
  forgetSettledPayers(tx: Tx): Promise<number> {
    return tx.execute(
      `UPDATE payment SET payer_name = NULL, payer_iban = NULL
        WHERE status <> 'unmatched' AND (payer_name IS NOT NULL OR payer_iban IS NOT NULL)`,
    );
  },

  /**
   * Deletes settled rows all of whose days lie before `keepFrom`. An unmatched
   * payment is money still held for someone: it stays until staff resolve it.
   */
  purgeSettledBefore(tx: Tx, keepFrom: Day): Promise<number> {
    return tx.execute(
      `DELETE FROM payment WHERE status <> 'unmatched' AND booked_on < $1
          AND (settled_on IS NULL OR settled_on < $1) AND (resolved_on IS NULL OR resolved_on < $1)`,
      [keepFrom],
    );
  },
};
