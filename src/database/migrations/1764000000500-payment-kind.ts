import { MigrationInterface, QueryRunner } from 'typeorm';

const JOURNALS = ['payment', 'pending_payment'];

/**
 * A journal row says what it is: `credit` (money in, to be credited or
 * resolved), `reversal` (a bank's or PayPal's reversal), `refund` or
 * `dispute` (PayPal's), set when the payment is taken in. Existing rows get it
 * from what they kept: PayPal's reference prefixes, a bank booking's direction
 * in its reference, or the unmatched reason.
 */
export class PaymentKind1764000000500 implements MigrationInterface {
  name = 'PaymentKind1764000000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of JOURNALS) {
      await queryRunner.query(
        `ALTER TABLE ${table} ADD COLUMN kind varchar(16) NOT NULL DEFAULT 'credit'`,
      );
      await queryRunner.query(
        `UPDATE ${table} SET kind = CASE
           WHEN channel = 'paypal' AND external_ref LIKE 'refund:%' THEN 'refund'
           WHEN channel = 'paypal' AND external_ref LIKE 'dispute:%' THEN 'dispute'
           ELSE 'reversal' END
         WHERE (channel = 'paypal' AND (external_ref LIKE 'refund:%' OR external_ref LIKE 'reversal:%'
                                        OR external_ref LIKE 'dispute:%'))
            OR (channel = 'bank' AND (external_ref LIKE '%/RCRDT/%' OR external_ref LIKE '%/RDBIT/%'))
            OR reason = 'reversal'`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of JOURNALS) await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN kind`);
  }
}
