import { Day } from '../common/day';
import { Tx } from '../database/transactions';
import { Channel, UnmatchedReason } from './received-payment';

export type PaymentStatus = 'credited' | 'unmatched' | 'refunded' | 'kept';

export interface NewPayment {
  id: string;
  channel: Channel;
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
  amountMinor: Number(r.amount_minor),
  currency: r.currency,
  bookedOn: r.booked_on,
  payerName: r.payer_name,
  payerIban: r.payer_iban,
  remittance: r.remittance,
  reason: r.reason,
});

const UNMATCHED_COLUMNS =
  'id, channel, amount_minor, currency, booked_on, payer_name, payer_iban, remittance, reason';

/** The payment journal: every payment received, kept for bookkeeping, linked to no mailbox. */
export const PaymentRepository = {
  async findByRef(tx: Tx, channel: Channel, externalRef: string): Promise<string | undefined> {
    const [row] = await tx.query<{ id: string }>(
      'SELECT id FROM payment WHERE channel = $1 AND external_ref = $2',
      [channel, externalRef],
    );
    return row?.id;
  },

  /** Records a payment once; false when the channel's reference is already taken. */
  async insertOnce(tx: Tx, p: NewPayment): Promise<boolean> {
    const rows = await tx.query(
      `INSERT INTO payment (id, channel, external_ref, amount_minor, currency, booked_on, settled_on, status, reason,
         country, payer_name, payer_iban, payer_country, remittance)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (channel, external_ref) DO NOTHING RETURNING id`,
      [
        p.id,
        p.channel,
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
      ],
    );
    return rows.length === 1;
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
};
