import { Day } from '../common/day';
import { Tx } from '../database/tx';
import type { PaymentSource } from './paypal.gateway';

/**
 * The expiry of an order whose capture PayPal holds as pending, and of its
 * code: the last day there is. Only PayPal's completion or denial ends them.
 */
export const UNTIL_PAYPAL_DECIDES: Day = '9999-12-31';

export interface PendingOrder {
  orderHash: string;
  /** What the order was made for: its capture is credited as this channel. */
  source: PaymentSource;
  codeHash: string;
  amountMinor: number;
  currency: string;
  state: 'created' | 'pending';
  captureAttempt: number;
  expiresOn: Day;
}

interface Row {
  order_hash: string;
  source: PaymentSource;
  code_hash: string;
  amount_minor: number | string;
  currency: string;
  state: 'created' | 'pending';
  capture_attempt: number | string;
  expires_on: Day;
}

const COLUMNS =
  'order_hash, source, code_hash, amount_minor, currency, state, capture_attempt, expires_on';

const toOrder = (r: Row): PendingOrder => ({
  orderHash: r.order_hash,
  source: r.source === 'card' ? 'card' : 'paypal',
  codeHash: r.code_hash,
  amountMinor: Number(r.amount_minor),
  currency: r.currency,
  state: r.state,
  captureAttempt: Number(r.capture_attempt),
  expiresOn: r.expires_on,
});

/**
 * Pending PayPal orders: order (keyed hash) -> internal code (keyed hash). A
 * row lives from order creation until its capture is credited, denied, or it
 * expires; nothing in it names a mailbox.
 */
export const PayPalOrderRepository = {
  async insert(tx: Tx, order: Omit<PendingOrder, 'state' | 'captureAttempt'>): Promise<void> {
    await tx.execute(
      `INSERT INTO paypal_order (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, 'created', 0, $6)`,
      [
        order.orderHash,
        order.source,
        order.codeHash,
        order.amountMinor,
        order.currency,
        order.expiresOn,
      ],
    );
  },

  /** An order that may still be captured today (a look, not a claim). */
  async findOpen(tx: Tx, orderHash: string, today: Day): Promise<PendingOrder | undefined> {
    const [row] = await tx.query<Row>(
      `SELECT ${COLUMNS} FROM paypal_order WHERE order_hash = $1 AND expires_on >= $2`,
      [orderHash, today],
    );
    return row && toOrder(row);
  },

  /**
   * Reads the order and, on PostgreSQL, locks it: of a capture and a webhook
   * settling one order at once, the second waits and then finds it gone.
   */
  async lock(tx: Tx, orderHash: string): Promise<PendingOrder | undefined> {
    const [row] = await tx.query<Row>(
      `SELECT ${COLUMNS} FROM paypal_order WHERE order_hash = $1${tx.forUpdate}`,
      [orderHash],
    );
    return row && toOrder(row);
  },

  /**
   * PayPal holds the money and decides later, however late: the order and its
   * code stop expiring, so the completion still finds its live code. The
   * order's own row and the code's are the link there was already; nothing new.
   */
  async markPending(tx: Tx, orderHash: string): Promise<void> {
    await tx.execute(
      `UPDATE topup_code SET expires_on = $2
        WHERE code_hash = (SELECT code_hash FROM paypal_order WHERE order_hash = $1)`,
      [orderHash, UNTIL_PAYPAL_DECIDES],
    );
    await tx.execute(
      `UPDATE paypal_order SET state = 'pending', expires_on = $2 WHERE order_hash = $1`,
      [orderHash, UNTIL_PAYPAL_DECIDES],
    );
  },

  async nextCaptureAttempt(tx: Tx, orderHash: string): Promise<void> {
    await tx.execute(
      `UPDATE paypal_order SET capture_attempt = capture_attempt + 1 WHERE order_hash = $1 AND state = 'created'`,
      [orderHash],
    );
  },

  async delete(tx: Tx, orderHash: string): Promise<boolean> {
    return (await tx.execute('DELETE FROM paypal_order WHERE order_hash = $1', [orderHash])) === 1;
  },

  async purgeExpired(tx: Tx, today: Day): Promise<number> {
    return tx.execute('DELETE FROM paypal_order WHERE expires_on < $1', [today]);
  },

  /** The pending orders of a mailbox's open codes, when the mailbox is closed. */
  eraseMailbox(tx: Tx, mailbox: string): Promise<number> {
    return tx.execute(
      'DELETE FROM paypal_order WHERE code_hash IN (SELECT code_hash FROM topup_code WHERE mailbox = $1)',
      [mailbox],
    );
  },
};
