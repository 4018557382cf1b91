import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Which payment source a pending PayPal order was made for: `paypal` (the
 * wallet) or `card` (PayPal's card fields), so that its capture is credited
 * as the channel it is. Nothing of the card or the payer is kept.
 */
export class PayPalOrderSource1764000000800 implements MigrationInterface {
  name = 'PayPalOrderSource1764000000800';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'paypal_order',
      new TableColumn({ name: 'source', type: 'varchar', length: '8', default: "'paypal'" }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('paypal_order', 'source');
  }
}
