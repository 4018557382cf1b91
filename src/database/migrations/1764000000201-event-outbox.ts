import { MigrationInterface, QueryRunner, Table, TableColumn, TableUnique } from 'typeorm';

/**
 * Events to the webmail backend. The outbox is written in the transaction of
 * the credit or debit it reports and a row is deleted once delivered. A row
 * holds the mailbox's pseudonym, the event type and a day: no amount, no
 * payment id, no time. At most one row per mailbox and type waits (a newer
 * event replaces an undelivered one), so a receiver that is down for long
 * leaves a bounded outbox. The mailbox id the receiver needs is sealed
 * (AES-256-GCM under a subkey of SECRET_KEY) on the mailbox row, only while
 * events are configured: a stolen database alone still names no mailbox.
 */
export class EventOutbox1764000000201 implements MigrationInterface {
  name = 'EventOutbox1764000000201';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'event_outbox',
        withoutRowid: true,
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'mailbox', type: 'varchar', length: '64' },
          { name: 'type', type: 'varchar', length: '32' },
          { name: 'event_on', type: 'varchar', length: '10' },
        ],
        uniques: [new TableUnique({ name: 'event_outbox_once', columnNames: ['mailbox', 'type'] })],
      }),
    );
    await queryRunner.addColumn(
      'mailbox',
      new TableColumn({ name: 'sealed_id', type: 'text', isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('mailbox', 'sealed_id');
    await queryRunner.dropTable('event_outbox');
  }
}
