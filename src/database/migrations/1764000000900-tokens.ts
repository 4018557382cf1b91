import { MigrationInterface, QueryRunner, Table, TableIndex, TableUnique } from 'typeorm';

const day = (name: string) => ({ name, type: 'varchar', length: '10' });

/**
 * Blind-signed tokens (docs/decisions/0011-blind-signed-tokens.md). The payment
 * side: reserves (a code's keyed hash and a balance, no mailbox), what was
 * withdrawn from them per day and denomination, and what expired unspent. The
 * mailbox side: the nonces of redeemed tokens. The issuer's keys, one per
 * denomination and epoch, private halves encrypted under a subkey of SECRET_KEY.
 * No table has a column that the other side also has.
 */
export class Tokens1764000000900 implements MigrationInterface {
  name = 'Tokens1764000000900';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'token_key',
        columns: [
          { name: 'key_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'denomination_minor', type: 'bigint' },
          { name: 'currency', type: 'varchar', length: '3' },
          { name: 'public_key', type: 'text' },
          { name: 'private_key', type: 'text' },
          day('not_before'),
          day('sign_until'),
          day('redeem_until'),
        ],
        uniques: [
          new TableUnique({
            name: 'token_key_epoch',
            columnNames: ['denomination_minor', 'currency', 'not_before'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'token_reserve',
        withoutRowid: true,
        columns: [
          { name: 'reserve_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'balance_minor', type: 'bigint', default: 0 },
          { name: 'currency', type: 'varchar', length: '3' },
          day('expires_on'),
        ],
        indices: [new TableIndex({ name: 'token_reserve_by_expiry', columnNames: ['expires_on'] })],
      }),
    );
    // Counts per day and denomination: withdrawn from reserves, redeemed by mailboxes.
    for (const name of ['token_issued', 'token_redeemed']) {
      await queryRunner.createTable(
        new Table({
          name,
          columns: [
            { ...day('day'), isPrimary: true },
            { name: 'denomination_minor', type: 'bigint', isPrimary: true },
            { name: 'currency', type: 'varchar', length: '3', isPrimary: true },
            { name: 'tokens', type: 'bigint' },
          ],
        }),
      );
    }
    await queryRunner.createTable(
      new Table({
        name: 'token_write_off',
        columns: [
          { ...day('day'), isPrimary: true },
          { name: 'currency', type: 'varchar', length: '3', isPrimary: true },
          { name: 'reserves', type: 'bigint' },
          { name: 'amount_minor', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'token_spent',
        withoutRowid: true,
        columns: [
          { name: 'nonce', type: 'varchar', length: '64', isPrimary: true },
          day('forget_after'),
        ],
        indices: [new TableIndex({ name: 'token_spent_by_expiry', columnNames: ['forget_after'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const name of [
      'token_spent',
      'token_write_off',
      'token_redeemed',
      'token_issued',
      'token_reserve',
      'token_key',
    ])
      await queryRunner.dropTable(name);
  }
}
