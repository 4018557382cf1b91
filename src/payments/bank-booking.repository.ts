import { Tx } from '../database/tx';
import { BookingIdentity } from './received-payment';

interface Row {
  payment_id: string;
  content_key: string;
  entry_key: string | null;
  detail_key: string | null;
}

/**
 * Which bank payment a booking is (docs/decisions/0008-booking-identity.md):
 * the same entry reference, or the same detail reference, is the same booking;
 * the same content (account, day, amount, direction, payer, texts, and which
 * occurrence of it in its file) is the same booking unless both carry a
 * reference of one kind and those differ. A booking found again lends the one
 * recorded the references it lacked, so the next message finds it by them.
 */
export const BankBookingRepository = {
  async find(tx: Tx, identity: BookingIdentity): Promise<string | undefined> {
    // One statement for the three keys (an index each): a bank import asks
    // for every payment, and nearly always finds nothing.
    const rows = await tx.query<Row>(
      `SELECT payment_id, content_key, entry_key, detail_key FROM bank_booking
        WHERE entry_key = $1 OR detail_key = $2 OR content_key = $3 ORDER BY payment_id`,
      [identity.entry, identity.detail, identity.content],
    );
    if (rows.length === 0) return undefined;
    const same =
      rows.find((r) => identity.entry !== null && r.entry_key === identity.entry) ??
      rows.find((r) => identity.detail !== null && r.detail_key === identity.detail) ??
      rows.find(
        (r) =>
          r.content_key === identity.content &&
          !(identity.entry !== null && r.entry_key !== null) &&
          !(identity.detail !== null && r.detail_key !== null),
      );
    if (!same) return undefined;
    await this.lend(tx, same, identity);
    return same.payment_id;
  },

  async insert(tx: Tx, paymentId: string, identity: BookingIdentity): Promise<void> {
    await tx.execute(
      'INSERT INTO bank_booking (content_key, payment_id, entry_key, detail_key) VALUES ($1, $2, $3, $4)',
      [identity.content, paymentId, identity.entry, identity.detail],
    );
  },

  /**
   * Adds the references a booking found again carries and its record lacks.
   * The record is named by its key (content, then payment).
   */
  async lend(tx: Tx, record: Row, identity: BookingIdentity): Promise<void> {
    const keyOf = [record.content_key, record.payment_id];
    if (identity.entry !== null)
      await tx.execute(
        `UPDATE bank_booking SET entry_key = $3
          WHERE content_key = $1 AND payment_id = $2 AND entry_key IS NULL
            AND NOT EXISTS (SELECT 1 FROM bank_booking b WHERE b.entry_key = $3)`,
        [...keyOf, identity.entry],
      );
    if (identity.detail !== null)
      await tx.execute(
        `UPDATE bank_booking SET detail_key = $3
          WHERE content_key = $1 AND payment_id = $2 AND detail_key IS NULL
            AND NOT EXISTS (SELECT 1 FROM bank_booking b WHERE b.detail_key = $3)`,
        [...keyOf, identity.detail],
      );
  },

  /**
   * Deletes the bookings whose journal row is gone (retention): their keyed
   * digests cover the payer's account, the texts, the day and the amount, a
   * voucher's details that must not outlive it. Reads every booking (none is
   * keyed by its payment): the caller runs it when journal rows went.
   */
  purgeWithoutPayment(tx: Tx): Promise<number> {
    return tx.execute(
      'DELETE FROM bank_booking WHERE NOT EXISTS (SELECT 1 FROM payment p WHERE p.id = bank_booking.payment_id)',
    );
  },
};
