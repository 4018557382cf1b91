import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * Pending PayPal orders. A row links an order (keyed hash of PayPal's order id)
 * to the internal top-up code that is the order's reference (keyed hash of the
 * code); the code's own row names the mailbox, as for any open code. Nothing
 * here names a mailbox, a payer or a time, and the row is deleted in the
 * transaction that credits the capture (or when the order expires), so once a
 * payment is credited no row links it back. WITHOUT ROWID, as every table.
 */
export class PayPalOrders1764000000100 implements MigrationInterface {
  name = 'PayPalOrders1764000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'paypal_order',
        withoutRowid: true,
        columns: [
          { name: 'order_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'code_hash', type: 'varchar', length: '64' },
          { name: 'amount_minor', type: 'bigint' },
          { name: 'currency', type: 'varchar', length: '3' },
          // created, then pending once PayPal answered a capture with PENDING.
          { name: 'state', type: 'varchar', length: '16' },
          // Part of PayPal-Request-Id: a retry after a decline is a new capture.
          { name: 'capture_attempt', type: 'integer', default: 0 },
          { name: 'expires_on', type: 'varchar', length: '10' },
        ],
        indices: [new TableIndex({ name: 'paypal_order_by_expiry', columnNames: ['expires_on'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('paypal_order');
  }
}
