import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/**
 * Closing a mailbox erases its ledger, but its credits were real: the journal
 * keeps the payments. So that the books still balance day by day, closing adds
 * the erased entries to per-day, per-kind, per-channel totals here. No mailbox,
 * no row per entry: only sums that mix every mailbox closed.
 */
export class ClosedLedgerTotals1764000000202 implements MigrationInterface {
  name = 'ClosedLedgerTotals1764000000202';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'ledger_closed_total',
        withoutRowid: true,
        columns: [
          { name: 'booked_on', type: 'varchar', length: '10', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '8', isPrimary: true },
          { name: 'channel', type: 'varchar', length: '16', isPrimary: true },
          { name: 'entries', type: 'integer' },
          { name: 'amount_minor', type: 'bigint' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('ledger_closed_total');
  }
}
