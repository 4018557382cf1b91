import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BankInboxJob, QUIET_MS } from '../../src/bank/bank-inbox.job';
import { count, creditedTo, issueCode, registerMailbox } from '../support/builders';
import { aCamtDocument } from '../support/camt-builder';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, onPostgres, TestDatabase } from '../support/test-database';

describe('the scheduled bank inbox', () => {
  let db: TestDatabase;
  let inbox: string;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    inbox = mkdtempSync(join(tmpdir(), 'billing-inbox-'));
    a = await startTestApp({ db, env: { BANK_INBOX_DIR: inbox } });
    // A second instance on the same PostgreSQL; on SQLite (one instance by design) the same one.
    b = onPostgres ? await startTestApp({ db, env: { BANK_INBOX_DIR: inbox } }) : a;
  });
  afterAll(async () => {
    await a.close();
    if (b !== a) await b.close();
    await db.drop();
  });

  const later = () => Date.now() + QUIET_MS + 1000;
  const write = (name: string, content: string, ageMs = QUIET_MS * 2) => {
    writeFileSync(join(inbox, name), content);
    const when = new Date(Date.now() - ageMs);
    utimesSync(join(inbox, name), when, when);
  };

  it('imports quiet files, archives them, puts unreadable ones in failed/ with the reason, and waits for growing ones', async () => {
    const id = await registerMailbox(a);
    write('2026-11-24.xml', aCamtDocument([{ ustrd: [await issueCode(a, id)] }]));
    write('broken.xml', '<Document><Ntry>');
    write('still-writing.xml', aCamtDocument([]).slice(0, 50), 0);

    const run = await a.app.get(BankInboxJob).tick(Date.now());
    expect(run).toMatchObject({ imported: 1, failed: 1, waiting: 1 });
    expect(run!.report.credits.credited).toBe(1);
    expect(await creditedTo(a, id)).toBe(1200);
    expect(readdirSync(join(inbox, 'archive'))).toEqual(['2026-11-24.xml']);
    expect(readdirSync(join(inbox, 'failed')).sort()).toEqual([
      'broken.xml',
      'broken.xml.error.txt',
    ]);
    expect(readFileSync(join(inbox, 'failed', 'broken.xml.error.txt'), 'utf8')).toMatch(
      /broken\.xml:\d+:/,
    );
    expect(existsSync(join(inbox, 'still-writing.xml'))).toBe(true);

    // The same file name again later: archived beside the first, never over it.
    write('2026-11-24.xml', aCamtDocument([{ ustrd: ['again'] }]));
    await a.app.get(BankInboxJob).tick(later());
    expect(readdirSync(join(inbox, 'archive')).sort()).toEqual([
      '2026-11-24.1.xml',
      '2026-11-24.xml',
    ]);
  });

  it('runs on one instance at a time', async () => {
    const id = await registerMailbox(a);
    write('race.xml', aCamtDocument([{ ustrd: [await issueCode(a, id)] }]));
    const runs = await Promise.all([
      a.app.get(BankInboxJob).tick(later()),
      b.app.get(BankInboxJob).tick(later()),
    ]);
    expect(runs.filter((r) => r === undefined)).toHaveLength(1);
    expect(runs.find((r) => r !== undefined)!.imported).toBeGreaterThanOrEqual(1);
    expect(await creditedTo(a, id)).toBe(1200);
    expect(readdirSync(join(inbox, 'archive'))).toContain('race.xml');
  });

  describe('a file whose import fails on something that is no refusal of the file', () => {
    // The database refuses one amount, as it would on any fault of its own: the
    // import fails with the driver's error, not with a domain error.
    const REFUSED = '42.42';
    beforeAll(async () => {
      if (onPostgres) {
        await a.sql(
          `CREATE FUNCTION refuse_4242() RETURNS trigger AS $fn$ BEGIN
             IF NEW.amount_minor = 4242 THEN RAISE EXCEPTION 'refused by the test trigger'; END IF;
             RETURN NEW; END $fn$ LANGUAGE plpgsql`,
        );
        await a.sql(
          'CREATE TRIGGER refuse_4242 BEFORE INSERT ON payment FOR EACH ROW EXECUTE FUNCTION refuse_4242()',
        );
      } else {
        await a.sql(
          `CREATE TRIGGER refuse_4242 BEFORE INSERT ON payment WHEN NEW.amount_minor = 4242
           BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END`,
        );
      }
    });
    afterAll(async () => {
      await a.sql('DROP TRIGGER refuse_4242' + (onPostgres ? ' ON payment' : ''));
      if (onPostgres) await a.sql('DROP FUNCTION refuse_4242');
    });

    it('goes to failed/ with its reason once, is never retried, and the log says failed without naming anything', async () => {
      const id = await registerMailbox(a);
      const code = await issueCode(a, id);
      const other = await registerMailbox(a);
      const otherCode = await issueCode(a, other);
      const payer = { debtorName: 'Gundula Gaukeley', debtorIban: 'DE75512108001245126199' };
      // File names can hold account numbers: this one does.
      const crashing = 'DE75512108001245126199-crash.xml';
      write(crashing, aCamtDocument([{ ...payer, ustrd: [code] }, { amount: REFUSED }]));
      write('z-fine.xml', aCamtDocument([{ ustrd: [otherCode] }]));
      const paymentsBefore = await count(a, 'payment');
      const logsBefore = a.logs.length;

      const run = await a.app.get(BankInboxJob).tick(later());
      expect(run).toMatchObject({ imported: 1, failed: 1 });
      expect(readdirSync(join(inbox, 'failed'))).toEqual(
        expect.arrayContaining([crashing, `${crashing}.error.txt`]),
      );
      expect(existsSync(join(inbox, crashing))).toBe(false);
      // Nothing of the failed file was kept; the next file of the run was imported.
      expect(await creditedTo(a, id)).toBe(0);
      expect(await creditedTo(a, other)).toBe(1200);
      expect(await count(a, 'payment')).toBe(paymentsBefore + 1);

      const why = readFileSync(join(inbox, 'failed', `${crashing}.error.txt`), 'utf8');
      expect(why).toMatch(
        /^the import stopped on an unexpected error \((QueryFailedError|SqliteError)[^)]*\); the parts of this file written before it stay imported/,
      );
      const logged = a.logs.slice(logsBefore).join('\n');
      for (const secret of [
        why.trim(),
        'refused by the test trigger',
        crashing,
        code,
        payer.debtorName,
        payer.debtorIban,
      ])
        expect(logged, secret).not.toContain(secret);
      const lines = a.logs
        .slice(logsBefore)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.job === 'bank-inbox');
      expect(lines.map((l) => l.msg)).toEqual([
        'bank statement failed; moved to failed/',
        'bank inbox: statements failed',
      ]);
      expect(lines[1]).toMatchObject({ imported: 1, failed: 1 });

      // The next run finds nothing left to try.
      const next = await a.app.get(BankInboxJob).tick(later());
      expect(next).toMatchObject({ imported: 0, failed: 0 });
      expect(await count(a, 'payment')).toBe(paymentsBefore + 1);
    });

    it('moves a link to nothing to failed/ and goes on with the other files', async () => {
      const id = await registerMailbox(a);
      symlinkSync(join(inbox, 'no-such-file.xml'), join(inbox, 'dangling.xml'));
      write('zz-after.xml', aCamtDocument([{ ustrd: [await issueCode(a, id)] }]));
      const run = await a.app.get(BankInboxJob).tick(later());
      expect(run).toMatchObject({ imported: 1, failed: 1 });
      expect(await creditedTo(a, id)).toBe(1200);
      expect(readFileSync(join(inbox, 'failed', 'dangling.xml.error.txt'), 'utf8')).toMatch(
        /unexpected error \(Error ENOENT\)/,
      );
    });
  });
});
