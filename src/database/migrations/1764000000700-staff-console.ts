import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

const id = (name: string) => ({ name, type: 'varchar', length: '64', isPrimary: true });
const time = (name: string, isNullable = false) => ({ name, type: 'bigint', isNullable });

/**
 * The staff console (docs/decisions/0009-staff-console.md): staff accounts
 * (argon2id password hashes, sealed TOTP secrets), server-side sessions named
 * by a SHA-256 of their id, cash batches waiting for a second person (their
 * letters sealed under a subkey of SECRET_KEY, erased at confirmation), and the
 * audit trail, a chain of HMACs. Staff side and payment side only: no table
 * here names a mailbox, and none holds a code in clear.
 */
export class StaffConsole1764000000700 implements MigrationInterface {
  name = 'StaffConsole1764000000700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'staff_account',
        columns: [
          id('id'),
          { name: 'name', type: 'varchar', length: '64', isUnique: true },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'locale', type: 'varchar', length: '8' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'password_hash', type: 'text', isNullable: true },
          { name: 'totp_sealed', type: 'text', isNullable: true },
          { name: 'last_totp_step', type: 'bigint', isNullable: true },
          { name: 'enrol_token_hash', type: 'varchar', length: '64', isNullable: true },
          time('enrol_expires_at', true),
          { name: 'failed_sign_ins', type: 'integer', default: 0 },
          time('locked_until', true),
          time('created_at'),
          time('last_sign_in_at', true),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'staff_session',
        withoutRowid: true,
        columns: [
          id('id_hash'),
          { name: 'account_id', type: 'varchar', length: '64' },
          time('created_at'),
          time('last_seen_at'),
        ],
        indices: [new TableIndex({ name: 'staff_session_account', columnNames: ['account_id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'cash_batch_draft',
        withoutRowid: true,
        columns: [
          id('id'),
          { name: 'entered_by', type: 'varchar', length: '64' },
          time('entered_at'),
          { name: 'received_on', type: 'varchar', length: '10' },
          { name: 'currency', type: 'varchar', length: '3' },
          { name: 'letters', type: 'integer' },
          { name: 'sealed_entries', type: 'text' },
          { name: 'failed_confirmations', type: 'integer', default: 0 },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'audit_record',
        columns: [
          { name: 'seq', type: 'bigint', isPrimary: true },
          time('at'),
          { name: 'actor', type: 'varchar', length: '80' },
          { name: 'action', type: 'varchar', length: '40' },
          { name: 'payment_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'detail', type: 'text' },
          { name: 'prev_hash', type: 'varchar', length: '64' },
          { name: 'hash', type: 'varchar', length: '64' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['audit_record', 'cash_batch_draft', 'staff_session', 'staff_account'])
      await queryRunner.dropTable(table);
  }
}
