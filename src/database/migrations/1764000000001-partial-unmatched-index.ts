import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * Staff list unmatched payments; nobody lists credited ones by status. Indexing
 * only the unmatched rows spares every credit of a bank import one index write.
 */
export class PartialUnmatchedIndex1764000000001 implements MigrationInterface {
  name = 'PartialUnmatchedIndex1764000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('payment', 'payment_by_status');
    await queryRunner.createIndex(
      'payment',
      new TableIndex({
        name: 'payment_unmatched',
        columnNames: ['booked_on', 'id'],
        where: "status = 'unmatched'",
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('payment', 'payment_unmatched');
    await queryRunner.createIndex(
      'payment',
      new TableIndex({ name: 'payment_by_status', columnNames: ['status', 'booked_on'] }),
    );
  }
}
