import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BankInboxJob, QUIET_MS } from '../../src/bank/bank-inbox.job';
import { creditedTo, issueCode, registerMailbox } from '../support/builders';
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
});
