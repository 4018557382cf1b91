import { afterEach, describe, expect, it } from 'vitest';
import { BankImportService } from '../../src/bank/bank-import.service';
import { creditedTo, issueCode, registerMailbox } from '../support/builders';
import { aCamtDocument } from '../support/camt-builder';
import { onPostgres } from '../support/test-database';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Where an upload is imported: on SQLite on the import thread (its own
 * BankImportService), unless BANK_IMPORT_THREAD=false puts it on the service's
 * thread, as PostgreSQL always does. Either way the booking is credited once.
 */
describe('the import thread setting', () => {
  let t: TestApp | undefined;
  afterEach(() => t?.close());

  async function uploadOnce(env: Record<string, string>) {
    t = await startTestApp({ env });
    const app = t;
    const bank = app.app.get(BankImportService);
    const importFiles = bank.importFiles.bind(bank);
    let onServiceThread = 0;
    bank.importFiles = (files) => {
      onServiceThread++;
      return importFiles(files);
    };
    const id = await registerMailbox(app);
    const code = await issueCode(app, id);
    const upload = () =>
      app.http
        .post('/v1/bank-statements')
        .set(app.auth('importer'))
        .set('content-type', 'application/xml')
        .send(aCamtDocument([{ ustrd: [`Aufladung ${code}`], amount: '12.00', ref: `T-${id}` }]));
    const first = await upload();
    expect(first.status, first.text).toBe(201);
    expect(first.body.credits).toEqual({ credited: 1, unmatched: 0, duplicate: 0 });
    expect((await upload()).body.credits).toEqual({ credited: 0, unmatched: 0, duplicate: 1 });
    expect(await creditedTo(app, id)).toBe(1200);
    return onServiceThread;
  }

  it(`by default imports ${onPostgres ? 'on the service thread (PostgreSQL)' : 'on the import thread'}`, async () => {
    expect(await uploadOnce({})).toBe(onPostgres ? 2 : 0);
  });

  it('with BANK_IMPORT_THREAD=false imports on the service thread', async () => {
    expect(await uploadOnce({ BANK_IMPORT_THREAD: 'false' })).toBe(2);
  });
});
