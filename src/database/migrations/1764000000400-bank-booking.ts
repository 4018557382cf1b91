import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

const key = (name: string, isNullable = false) => ({
  name,
  type: 'varchar',
  length: '64',
  isNullable,
});

/**
 * The identity of a bank booking across camt.052, camt.054 and camt.053
 * (docs/decisions/0008-booking-identity.md): per bank payment its keyed
 * content digest and, where the bank gave them, its entry and detail
 * references. Payment side only, like the journal row it names.
 */
export class BankBooking1764000000400 implements MigrationInterface {
  name = 'BankBooking1764000000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'bank_booking',
        withoutRowid: true,
        columns: [
          { name: 'payment_id', type: 'varchar', length: '36', isPrimary: true },
          key('content_key'),
          key('entry_key', true),
          key('detail_key', true),
        ],
        indices: [
          new TableIndex({ name: 'bank_booking_by_content', columnNames: ['content_key'] }),
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
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('bank_booking');
  }
}
