import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DatabaseConfig } from '../../src/config/app-config';
import { createDataSource } from '../../src/database/data-source.factory';
import { MIGRATIONS } from '../../src/database/migrations';
import { BankBookingByContent1764000001800 } from '../../src/database/migrations/1764000001800-bank-booking-by-content';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const RECORDS = [
  // One content, two bookings (their entry references differ), and a record with neither reference.
  {
    payment_id: 'a0000000-0000-4000-8000-000000000001',
    content_key: 'c1',
    entry_key: 'e1',
    detail_key: null,
  },
  {
    payment_id: 'a0000000-0000-4000-8000-000000000002',
    content_key: 'c1',
    entry_key: 'e2',
    detail_key: 'd2',
  },
  {
    payment_id: 'a0000000-0000-4000-8000-000000000003',
    content_key: 'c3',
    entry_key: null,
    detail_key: null,
  },
];

const ORPHAN = {
  payment_id: 'a0000000-0000-4000-8000-000000000009',
  content_key: 'c9',
  entry_key: 'e9',
  detail_key: 'd9',
};

/**
 * Migration 1800 re-keys bank_booking by its content digest: the records of
 * a database in service stay, each with its references, and their uniqueness
 * rules stay; one whose journal row is gone is not kept; the way back restores
 * the payment key.
 */
describe('bank_booking keyed by content (migration 1800)', () => {
  let db: TestDatabase;
  let config: DatabaseConfig;
  const open = async (migrations: (typeof MIGRATIONS)[number][]): Promise<DataSource> => {
    const source = new DataSource({ ...createDataSource(config).options, migrations });
    await source.initialize();
    await source.runMigrations({ transaction: 'all' });
    return source;
  };
  /** A statement with $n placeholders, as SQLite's driver (positional ?) or PostgreSQL's takes them. */
  const run = (source: DataSource, sql: string, params: unknown[]) =>
    source.query(db.dialect === 'sqlite' ? sql.replace(/\$\d+/g, '?') : sql, params);
  const records = (source: DataSource) =>
    source.query(
      'SELECT payment_id, content_key, entry_key, detail_key FROM bank_booking ORDER BY payment_id',
    );
  /** The columns of bank_booking's primary key, in order. */
  const primaryKey = async (source: DataSource): Promise<string[]> => {
    if (db.dialect === 'sqlite') {
      const columns = (await source.query(`PRAGMA table_info('bank_booking')`)) as {
        name: string;
        pk: number;
      }[];
      return columns
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name);
    }
    const rows = (await source.query(
      `SELECT a.attname AS name FROM pg_index i
         JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = 'bank_booking'::regclass AND i.indisprimary ORDER BY k.n`,
    )) as { name: string }[];
    return rows.map((r) => r.name);
  };
  const indexes = async (source: DataSource): Promise<string[]> => {
    const rows = (await source.query(
      db.dialect === 'sqlite'
        ? `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'bank_booking' AND sql IS NOT NULL`
        : `SELECT indexname AS name FROM pg_indexes WHERE tablename = 'bank_booking' AND indexname NOT LIKE 'PK_%'`,
    )) as { name: string }[];
    return rows.map((r) => r.name).sort();
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    config =
      db.dialect === 'sqlite'
        ? { type: 'sqlite', path: join(db.dir, 'billing.sqlite') }
        : { type: 'postgres', url: db.url };
  });
  afterAll(() => db.drop());

  it('keeps every record of a journal row and its references, drops the others, refuses a reference twice, and goes back', async () => {
    const at = MIGRATIONS.indexOf(BankBookingByContent1764000001800);
    expect(at).toBe(MIGRATIONS.length - 1);
    const before = await open(MIGRATIONS.slice(0, at));
    for (const [i, r] of RECORDS.entries())
      await run(
        before,
        `INSERT INTO payment (id, channel, kind, external_ref, amount_minor, currency, booked_on, status)
          VALUES ($1, 'bank', 'credit', $2, 1000, 'EUR', '2026-11-02', 'credited')`,
        [r.payment_id, `DE02120300000000202051/REF-${i}/2026-11-02/1000EUR/CRDT/0`],
      );
    // Retention before this release deleted journal rows and left their bookings.
    for (const r of [...RECORDS, ORPHAN])
      await run(
        before,
        'INSERT INTO bank_booking (payment_id, content_key, entry_key, detail_key) VALUES ($1, $2, $3, $4)',
        [r.payment_id, r.content_key, r.entry_key, r.detail_key],
      );
    expect(await primaryKey(before)).toEqual(['payment_id']);
    await before.destroy();

    const after = await open(MIGRATIONS);
    try {
      expect(await records(after)).toEqual(RECORDS);
      expect(await primaryKey(after)).toEqual(['content_key', 'payment_id']);
      expect(await indexes(after)).toEqual(['bank_booking_detail', 'bank_booking_entry']);
      await expect(
        run(
          after,
          'INSERT INTO bank_booking (payment_id, content_key, entry_key) VALUES ($1, $2, $3)',
          ['a0000000-0000-4000-8000-000000000004', 'c4', 'e2'],
        ),
      ).rejects.toThrow(/unique/i);

      await after.undoLastMigration({ transaction: 'all' });
      expect(await records(after)).toEqual(RECORDS);
      expect(await primaryKey(after)).toEqual(['payment_id']);
      expect(await indexes(after)).toEqual([
        'bank_booking_by_content',
        'bank_booking_detail',
        'bank_booking_entry',
      ]);
    } finally {
      await after.destroy();
    }
  });
});
