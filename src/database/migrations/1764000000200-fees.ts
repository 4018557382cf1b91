import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

const day = (name: string, isNullable = false) => ({
  name,
  type: 'varchar',
  length: '10',
  isNullable,
});
const mailbox = { name: 'mailbox', type: 'varchar', length: '64' };

/**
 * Monthly fees, on the mailbox side. fee_account holds each mailbox's period
 * schedule: the anchor day its periods are counted from (the registration day,
 * or the day a suspended mailbox paid again), how many periods have been
 * charged since, the next due day (derived, for the daily run's index) and the
 * day it was suspended. fee_charge has one row per mailbox and period: its key
 * is what makes a second run for the same day charge nothing twice. Days only.
 */
export class Fees1764000000200 implements MigrationInterface {
  name = 'Fees1764000000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'fee_account',
        withoutRowid: true,
        columns: [
          { ...mailbox, isPrimary: true },
          day('anchor_on'),
          { name: 'periods', type: 'integer', default: 0 },
          day('next_due_on'),
          day('suspended_on', true),
        ],
        indices: [new TableIndex({ name: 'fee_account_by_due', columnNames: ['next_due_on'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'fee_charge',
        withoutRowid: true,
        columns: [
          { ...mailbox, isPrimary: true },
          { ...day('due_on'), isPrimary: true },
        ],
      }),
    );
    // Mailboxes registered before fees existed: their periods start on the day
    // this runs (a day, checked, so it can stand in the SQL of both dialects).
    const today = new Date().toISOString().slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new Error(`not a day: ${today}`);
    await queryRunner.query(
      `INSERT INTO fee_account (mailbox, anchor_on, periods, next_due_on)
       SELECT pseudonym, '${today}', 0, '${today}' FROM mailbox`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('fee_charge');
    await queryRunner.dropTable('fee_account');
  }
}
