import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

const key = (name: string, isNullable = false) => ({
  name,
  type: 'varchar',
  length: '64',
  isNullable,
});

const entryAndDetail = [
  new TableIndex({
    name: 'bank_booking_entry',
    columnNames: ['entry_key'],
    isUnique: true,
    where: 'entry_key IS NOT NULL',
  }),
  new TableIndex({
    name: 'bank_booking_detail',
    columnNames: ['detail_key'],
    isUnique: true,
    where: 'detail_key IS NOT NULL',
  }),
];

/**
 * A bank booking's record keyed by its content digest (then its payment, as
 * one content may be two bookings): the lookup by content reads the table
 * itself, and every bank payment writes one sorted structure less (four to
 * three: the table, its entry and detail references). Nothing asks for a
 * booking by its payment alone. The keys stay keyed digests, so the table's
 * order says nothing of the order the bookings arrived in. Records whose
 * journal row retention deleted (it left them behind until this release) are
 * not copied: their digests of payer accounts and texts outlived the voucher.
 */
export class BankBookingByContent1764000001800 implements MigrationInterface {
  name = 'BankBookingByContent1764000001800';

  async up(queryRunner: QueryRunner): Promise<void> {
    await this.relay(queryRunner, ['content_key', 'payment_id'], []);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await this.relay(
      queryRunner,
      ['payment_id'],
      [new TableIndex({ name: 'bank_booking_by_content', columnNames: ['content_key'] })],
    );
  }

  /** Copies the records into a table of the new shape, then drops the old one (and its indexes). */
  private async relay(
    queryRunner: QueryRunner,
    primary: string[],
    indices: TableIndex[],
  ): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'bank_booking_relaid',
        withoutRowid: true,
        columns: [
          { ...key('content_key'), isPrimary: primary.includes('content_key') },
          {
            name: 'payment_id',
            type: 'varchar',
            length: '36',
            isPrimary: primary.includes('payment_id'),
          },
          key('entry_key', true),
          key('detail_key', true),
        ],
      }),
    );
    await queryRunner.query(
      `INSERT INTO bank_booking_relaid (content_key, payment_id, entry_key, detail_key)
        SELECT content_key, payment_id, entry_key, detail_key FROM bank_booking b
         WHERE EXISTS (SELECT 1 FROM payment p WHERE p.id = b.payment_id)`,
    );
    await queryRunner.query('DROP TABLE bank_booking');
    await queryRunner.query('ALTER TABLE bank_booking_relaid RENAME TO bank_booking');
    for (const index of [...indices, ...entryAndDetail])
      await queryRunner.createIndex('bank_booking', index);
  }
}
