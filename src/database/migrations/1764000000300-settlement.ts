import { randomUUID } from 'node:crypto';
import { MigrationInterface, QueryRunner, Table, TableIndex, TableUnique } from 'typeorm';

const day = (name: string, isNullable = false) => ({
  name,
  type: 'varchar',
  length: '10',
  isNullable,
});
const money = [
  { name: 'amount_minor', type: 'bigint' },
  { name: 'currency', type: 'varchar', length: '3' },
];

/** The journal's columns, for the journal rows that wait for the next settlement. */
const journalColumns = [
  { name: 'id', type: 'varchar', length: '36', isPrimary: true },
  { name: 'channel', type: 'varchar', length: '16' },
  { name: 'external_ref', type: 'varchar', length: '255' },
  ...money,
  day('booked_on'),
  day('settled_on', true),
  { name: 'status', type: 'varchar', length: '16' },
  { name: 'reason', type: 'varchar', length: '32', isNullable: true },
  { name: 'country', type: 'varchar', length: '2', isNullable: true },
  { name: 'payer_name', type: 'varchar', length: '255', isNullable: true },
  { name: 'payer_iban', type: 'varchar', length: '64', isNullable: true },
  { name: 'payer_country', type: 'varchar', length: '2', isNullable: true },
  { name: 'remittance', type: 'text', isNullable: true },
  day('resolved_on', true),
];

/** The mailbox-side tables that a credit wrote to in the transaction of its payment. */
const RELAID = ['ledger_entry', 'event_outbox', 'mailbox'];

/**
 * Settlement (docs/decisions/0005-settlement.md). A credit and its journal row
 * are no longer written in one transaction one after the other; one side of a
 * single payment waits in a pending table until the next settlement writes it
 * with the others of its batch, in random order:
 *
 * - pending_credit: credits of cash letters and staff resolutions, whose
 *   journal rows are written at once. The code stays reserved here (one row per
 *   code) until the settlement deletes it with the credit.
 * - pending_payment: journal rows of PayPal captures, whose credits are written
 *   at once.
 * - anonymity_group: how many credits each settlement batch holds per day,
 *   channel and amount: the anonymity sets the reconciliation reports.
 *
 * Rows written before this migration were written one payment at a time, the
 * credit beside its journal row: on PostgreSQL they share xmin, on SQLite cell
 * order pairs them. So the migration lays the mailbox side out anew, in random
 * order, in one statement per table (one xmin, one command id, no order), and
 * records those credits' anonymity sets as they now are: all credits of a day
 * with their channel and amount.
 */
export class Settlement1764000000300 implements MigrationInterface {
  name = 'Settlement1764000000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'pending_credit',
        withoutRowid: true,
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'code_hash', type: 'varchar', length: '64' },
          { name: 'mailbox', type: 'varchar', length: '64' },
          { name: 'channel', type: 'varchar', length: '16' },
          ...money,
          day('booked_on'),
        ],
        uniques: [new TableUnique({ name: 'pending_credit_code', columnNames: ['code_hash'] })],
        indices: [new TableIndex({ name: 'pending_credit_by_mailbox', columnNames: ['mailbox'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'pending_payment',
        withoutRowid: true,
        columns: journalColumns,
        uniques: [
          new TableUnique({
            name: 'pending_payment_once',
            columnNames: ['channel', 'external_ref'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'anonymity_group',
        withoutRowid: true,
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          day('booked_on'),
          { name: 'channel', type: 'varchar', length: '16' },
          { name: 'amount_minor', type: 'bigint' },
          { name: 'credits', type: 'integer' },
        ],
        indices: [new TableIndex({ name: 'anonymity_group_by_day', columnNames: ['booked_on'] })],
      }),
    );

    const legacy = (await queryRunner.query(
      `SELECT settled_on AS day, channel, amount_minor AS amount, COUNT(*) AS n FROM payment
        WHERE status = 'credited' AND settled_on IS NOT NULL GROUP BY settled_on, channel, amount_minor`,
    )) as { day: string; channel: string; amount: number | string; n: number | string }[];
    for (const group of legacy) {
      await queryRunner.query(
        'INSERT INTO anonymity_group (id, booked_on, channel, amount_minor, credits) VALUES ($1, $2, $3, $4, $5)',
        [randomUUID(), group.day, group.channel, Number(group.amount), Number(group.n)],
      );
    }

    const postgres = queryRunner.connection.options.type === 'postgres';
    for (const table of RELAID) {
      const scratch = `relay_${table}`;
      await queryRunner.query(
        postgres
          ? `CREATE TEMPORARY TABLE ${scratch} ON COMMIT DROP AS SELECT * FROM ${table}`
          : `CREATE TABLE ${scratch} AS SELECT * FROM ${table}`,
      );
      // TRUNCATE gives the PostgreSQL table new files: the old rows' bytes
      // leave the data directory with the old files, not just their visibility.
      await queryRunner.query(postgres ? `TRUNCATE ${table}` : `DELETE FROM ${table}`);
      await queryRunner.query(`INSERT INTO ${table} SELECT * FROM ${scratch} ORDER BY random()`);
      if (!postgres) await queryRunner.query(`DROP TABLE ${scratch}`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('anonymity_group');
    await queryRunner.dropTable('pending_payment');
    await queryRunner.dropTable('pending_credit');
  }
}
