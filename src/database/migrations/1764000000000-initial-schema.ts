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

/**
 * The first schema. Two sides that share nothing: the mailbox side (mailbox,
 * ledger_entry, topup_code), keyed by pseudonyms, and the payment side
 * (payment), keyed by random ids. No column, key or index joins them, and no
 * row carries a time: money moves on days. Tables are WITHOUT ROWID on SQLite
 * so that neither a rowid nor the physical order reveals insertion order.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'mailbox',
        withoutRowid: true,
        columns: [{ name: 'pseudonym', type: 'varchar', length: '64', isPrimary: true }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'ledger_entry',
        withoutRowid: true,
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'mailbox', type: 'varchar', length: '64' },
          { name: 'kind', type: 'varchar', length: '8' },
          { name: 'channel', type: 'varchar', length: '16' },
          ...money,
          day('booked_on'),
        ],
        indices: [
          new TableIndex({
            name: 'ledger_entry_by_mailbox',
            columnNames: ['mailbox', 'booked_on'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'topup_code',
        withoutRowid: true,
        columns: [
          { name: 'code_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'mailbox', type: 'varchar', length: '64' },
          { name: 'country', type: 'varchar', length: '2', isNullable: true },
          day('expires_on'),
        ],
        indices: [
          new TableIndex({ name: 'topup_code_by_mailbox', columnNames: ['mailbox'] }),
          new TableIndex({ name: 'topup_code_by_expiry', columnNames: ['expires_on'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'payment',
        withoutRowid: true,
        columns: [
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
        ],
        uniques: [
          new TableUnique({ name: 'payment_once', columnNames: ['channel', 'external_ref'] }),
        ],
        indices: [
          new TableIndex({ name: 'payment_by_status', columnNames: ['status', 'booked_on'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'idempotent_request',
        withoutRowid: true,
        columns: [
          { name: 'key_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'fingerprint', type: 'varchar', length: '64' },
          { name: 'status_code', type: 'integer' },
          { name: 'body', type: 'text' },
          day('created_on'),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'idempotent_request',
      'payment',
      'topup_code',
      'ledger_entry',
      'mailbox',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}
