import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/**
 * Rate limit counts shared by the instances on one PostgreSQL database: hits
 * per limit, window and keyed key (an HMAC under a subkey of SECRET_KEY of a
 * credential's digest or a mailbox pseudonym, never an id, address or name).
 * Rows of past windows are deleted as the next window begins.
 */
export class RateLimitWindow1764000001710 implements MigrationInterface {
  name = 'RateLimitWindow1764000001710';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'rate_limit_window',
        withoutRowid: true,
        columns: [
          { name: 'bucket', type: 'varchar', length: '32', isPrimary: true },
          { name: 'window_start', type: 'bigint', isPrimary: true },
          { name: 'limited_key', type: 'varchar', length: '64', isPrimary: true },
          { name: 'hits', type: 'integer' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('rate_limit_window');
  }
}
