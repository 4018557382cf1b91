import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { BankImportService } from '../../src/bank/bank-import.service';
import { MaintenanceJob } from '../../src/retention/maintenance.job';
import { TopupCodesService } from '../../src/codes/topup-codes.service';
import { KeyedHash } from '../../src/config/keyed-hash';
import { Transactions } from '../../src/database/transactions';
import { MailboxesService } from '../../src/mailboxes/mailboxes.service';
import { aMailboxId } from '../support/builders';
import { aCamtDocument } from '../support/camt-builder';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';
import { redeemedCodes, runFullFlow, spellings } from './support/full-flow';
import { deletedOpenFiles, filesUnder, Haystack, liveRowsAsText, whereFound } from './support/scan';

/**
 * DESIGN.md, invariant 3: a redeemed code is gone from disk, not just from
 * queries. On SQLite the test reads the raw bytes of the database file, its
 * -wal and -shm, and the logs; on PostgreSQL, whose files belong to the server,
 * it reads every live row and then what VACUUM leaves behind
 * (docs/postgres-retention.md says what the server's WAL and backups still hold).
 */
describe('unlinkability on disk', () => {
  const canonical = (code: string) => code.replaceAll('-', '');

  it('leaves no redeemed code, no hash of one and no mailbox id in the database files or the logs', async () => {
    const db = await createTestDatabase();
    const t = await startTestApp({ db });
    try {
      const trace = await runFullFlow(t, { bulk: 60 });
      const hash = t.app.get(KeyedHash);
      const logs: Haystack = { name: 'logs', bytes: Buffer.from(t.logs.join('\n'), 'utf8') };
      // SQLite: every file of the data folder, as a thief would copy it off a running
      // server (billing.sqlite, -wal, -shm). PostgreSQL: every live row.
      const stored = db.dialect === 'sqlite' ? filesUnder(db.dir) : await liveRowsAsText(db.url);
      const haystacks = [...stored, logs];
      if (db.dialect === 'sqlite') {
        expect(stored.map((f) => f.name)).toContain('billing.sqlite');
      }

      // The scan finds what is there: the open codes' hashes and a live pseudonym;
      // on SQLite one in the database file, the other in the WAL.
      const openHash = hash.code(canonical(trace.openCode));
      const lateHash = hash.code(canonical(trace.lateCode));
      expect(whereFound(stored, hash.mailbox(trace.openMailboxId))).not.toEqual([]);
      if (db.dialect === 'sqlite') {
        expect(whereFound(stored, openHash)).toContainEqual(
          expect.stringMatching(/^billing\.sqlite@/),
        );
        expect(whereFound(stored, lateHash)).toContainEqual(
          expect.stringMatching(/^billing\.sqlite-wal@/),
        );
      } else {
        for (const live of [openHash, lateHash]) {
          expect(whereFound(stored, live)).toEqual([expect.stringMatching(/^topup_code@/)]);
        }
      }

      const codes = redeemedCodes(trace);
      expect(codes.length).toBeGreaterThan(60);
      for (const code of codes) {
        for (const spelling of spellings(code)) {
          expect(whereFound(haystacks, spelling), spelling).toEqual([]);
        }
        const codeHash = hash.code(canonical(code));
        expect(whereFound(haystacks, codeHash), `hash of ${code}`).toEqual([]);
        expect(whereFound(haystacks, Buffer.from(codeHash, 'hex')), `raw hash of ${code}`).toEqual(
          [],
        );
      }
      for (const id of trace.mailboxIds) {
        expect(whereFound(haystacks, id), id).toEqual([]);
        expect(whereFound(haystacks, encodeURIComponent(id)), id).toEqual([]);
      }
      // A closed mailbox leaves not even its pseudonym.
      expect(whereFound(stored, hash.mailbox(trace.closedMailboxId))).toEqual([]);
      // Invariant 5: payer details stay only until the payment is resolved, and
      // credited payments never keep them.
      for (const payer of trace.payers) {
        expect(whereFound(haystacks, payer.name), payer.name).toEqual([]);
        expect(whereFound(haystacks, payer.iban), payer.iban).toEqual([]);
      }
    } finally {
      await t.close();
      await db.drop();
    }
  });

  it('keeps no copy of a redeemed code outside the live rows: no journal in a temporary file (SQLite), no dead tuple after VACUUM (PostgreSQL)', async () => {
    const db = await createTestDatabase();
    const t = await startTestApp({ db });
    const work = mkdtempSync(join(tmpdir(), 'billing-privacy-'));
    try {
      const hash = t.app.get(KeyedHash);
      // Enough codes that the tables span many pages, and an import that touches
      // most of them: SQLite then journals far more than its in-memory threshold.
      const mailboxes = t.app.get(MailboxesService);
      const issuer = t.app.get(TopupCodesService);
      const ids = Array.from({ length: 150 }, () => aMailboxId());
      await Promise.all(ids.map((id) => mailboxes.register(id)));
      const codes = (
        await Promise.all(ids.flatMap((id) => [issuer.issue(id, 'DE'), issuer.issue(id, null)]))
      ).map((issued) => issued.code);
      const bank = t.app.get(BankImportService);
      const transactions = t.app.get(Transactions);
      const statement = (name: string, paid: string[]) => {
        const path = join(work, name);
        writeFileSync(path, aCamtDocument(paid.map((code) => ({ ustrd: [code] }))));
        return { path, size: 0 };
      };
      const hashesIn = (files: readonly Haystack[], paid: string[]) =>
        paid.filter((code) => whereFound(files, hash.code(canonical(code))).length > 0);

      /**
       * Imports a statement (one part: 100 entries) sharing a group commit with
       * another unit, so that the part runs in a savepoint, whose journal is what
       * could spill (the CLI, the inbox and uploads write parts alone and keep
       * none), and, in the same database transaction right after it, looks at the
       * deleted files this process holds open: SQLite's temporary journals live
       * there until the COMMIT. A unit holding the writer makes both queue up
       * together behind it.
       */
      const importAndLook = async (paid: string[], name: string) => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let started!: () => void;
        const holds = new Promise<void>((resolve) => (started = resolve));
        const holding = transactions.run(async () => {
          started();
          await gate;
        });
        await holds;
        const imported = bank.importSources(bank.expand([statement(name, paid)]), {
          alone: false,
        });
        while (transactions.queueDepth === 0) await new Promise((r) => setTimeout(r, 5));
        const seen = transactions.run(async () => deletedOpenFiles());
        release();
        const [report, files] = await Promise.all([imported, seen, holding]);
        expect(report.credits.credited).toBe(paid.length);
        expect(report.parts).toBe(1);
        return files;
      };

      if (db.dialect === 'sqlite') {
        const raw = sqliteOf(t);
        const configured = raw.pragma('temp_store', { simple: true });
        if (deletedOpenFiles() === undefined) {
          // Not Linux: no /proc to look through; the setting is what keeps journals in memory.
          expect(configured).toBe(2);
          return;
        }
        // The look works: with temporary files on disk (SQLite's default), the
        // savepoint journal of the import holds the rows it deleted, hashes and all.
        raw.pragma('temp_store = FILE');
        const control = codes.slice(0, 100);
        const spilled = await importAndLook(control, 'control.xml');
        raw.pragma(`temp_store = ${configured}`);
        expect(hashesIn(spilled!, control).length).toBeGreaterThan(0);

        // As the service runs: nothing of the import's deleted rows reaches a file.
        const paid = codes.slice(100, 200);
        const files = await importAndLook(paid, 'statement.xml');
        expect(hashesIn(files!, paid)).toEqual([]);
        expect(configured).toBe(2); // MEMORY
        return;
      }

      // PostgreSQL keeps a deleted row as a dead tuple until VACUUM.
      await bank.importFiles([statement('statement.xml', codes.slice(0, 200))]);
      await t.close();
      const client = new Client({ connectionString: db.url });
      await client.connect();
      try {
        await untilAlone(client);
        await client.query('VACUUM topup_code');
        const { rows } = await client.query<{ dead: string; deleted: string }>(
          `SELECT n_dead_tup AS dead, n_tup_del AS deleted FROM pg_stat_user_tables WHERE relname = 'topup_code'`,
        );
        expect(Number(rows[0].deleted)).toBeGreaterThanOrEqual(200);
        expect(Number(rows[0].dead)).toBe(0);
        const live = await client.query<{ n: string }>(
          'SELECT COUNT(*) AS n FROM topup_code WHERE code_hash = ANY($1)',
          [codes.slice(0, 200).map((code) => hash.code(canonical(code)))],
        );
        expect(Number(live.rows[0].n)).toBe(0);
      } finally {
        await client.end();
      }
    } finally {
      await t.close().catch(() => undefined);
      await db.drop();
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('keeps no waiting row after the settlement and no redeemed code in the files after the daily purge: the database file (SQLite), the relation files of the data directory (PostgreSQL)', async () => {
    const db = await createTestDatabase();
    const t = await startTestApp({ db });
    try {
      const trace = await runFullFlow(t, { bulk: 60 });
      const hash = t.app.get(KeyedHash);
      const redeemed = redeemedCodes(trace).map((code) => hash.code(canonical(code)));
      const waiting = trace.mailboxIds.map((id) => hash.mailbox(id));
      expect(redeemed.length).toBeGreaterThan(60);
      if (db.dialect === 'sqlite') {
        // The settlement deleted the waiting rows (secure_delete) and the
        // purge leaves nothing of a redeemed code in any file of the folder.
        await t.app.get(MaintenanceJob).purge();
        const files = filesUnder(db.dir);
        expect(whereFound(files, hash.code(canonical(trace.openCode)))).not.toEqual([]);
        for (const codeHash of redeemed) expect(whereFound(files, codeHash)).toEqual([]);
        return;
      }
      const server = new Client({ connectionString: db.url });
      await server.connect();
      try {
        const files = async () => {
          // Dirty pages reach the files at a checkpoint.
          await server.query('CHECKPOINT');
          return postgresFiles(server);
        };
        // Right after the settlement (a plain VACUUM), the pending tables are
        // new, empty files; freed space of the code tables may still hold bytes.
        const settled = await files();
        const pending = settled.relations.filter((f) => /^pending_/.test(f.name));
        expect(pending.map((f) => f.name).sort()).toEqual(
          expect.arrayContaining(['pending_credit', 'pending_payment']),
        );
        for (const id of waiting) expect(whereFound(pending, id)).toEqual([]);
        const lingering = redeemed.filter((h) => whereFound(settled.relations, h).length > 0);

        // The daily purge writes the code tables anew: no redeemed hash is left in any relation file.
        expect((await t.app.get(MaintenanceJob).purge()).compacted).toBe(true);
        const compacted = await files();
        expect(whereFound(compacted.relations, hash.code(canonical(trace.openCode)))).not.toEqual(
          [],
        );
        for (const codeHash of redeemed)
          expect(whereFound(compacted.relations, codeHash)).toEqual([]);
        // The WAL still holds them until its segments are recycled (docs/postgres-retention.md).
        const inWal = redeemed.filter((h) => whereFound(compacted.wal, h).length > 0);
        if (process.env.PRIVACY_REPORT)
          console.info(
            `redeemed code hashes: ${redeemed.length}; in relation files after the settlement's VACUUM: ${lingering.length}; after the purge's VACUUM FULL: 0; in pg_wal: ${inWal.length}`,
          );
      } finally {
        await server.end();
      }
    } finally {
      await t.close();
      await db.drop();
    }
  });
});

function sqliteOf(t: TestApp): BetterSqlite3.Database {
  return (t.app.get(DataSource).driver as unknown as { databaseConnection: BetterSqlite3.Database })
    .databaseConnection;
}

/**
 * Waits until no other session is connected to the test database: a backend
 * hands its statistics over when it exits, so only then do the counters of
 * pg_stat_user_tables include every delete the service made.
 */
async function untilAlone(client: Client): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await client.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    if (Number(rows[0].n) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the service still holds connections to the test database');
}

/**
 * The files of the test database as the server keeps them: every table's and
 * index's relation files (by name), and the WAL segments (shared by the server).
 */
async function postgresFiles(client: Client): Promise<{ relations: Haystack[]; wal: Haystack[] }> {
  const { rows: settings } = await client.query<{ data_directory: string }>('SHOW data_directory');
  const dir = settings[0].data_directory;
  const { rows } = await client.query<{ name: string; path: string }>(
    `SELECT c.relname AS name, pg_relation_filepath(c.oid) AS path
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i', 't')`,
  );
  const relations: Haystack[] = [];
  for (const { name, path } of rows) {
    // A relation over 1 GB continues in path.1, path.2 …
    for (let segment = 0; ; segment++) {
      const file = join(dir, segment === 0 ? path : `${path}.${segment}`);
      if (!existsSync(file)) break;
      relations.push({ name, bytes: readFileSync(file) });
    }
  }
  const wal = readdirSync(join(dir, 'pg_wal'))
    .filter((f) => /^[0-9A-F]{24}$/.test(f))
    .map((f) => ({ name: `pg_wal/${f}`, bytes: readFileSync(join(dir, 'pg_wal', f)) }));
  return { relations, wal };
}
