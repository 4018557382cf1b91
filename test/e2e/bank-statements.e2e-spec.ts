import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { creditedTo, count, issueCode, registerMailbox } from '../support/builders';
import { aCamtDocument, aBankRef } from '../support/camt-builder';
import { startTestApp, TestApp } from '../support/test-app';

describe('bank statements', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const upload = (body: string | Buffer, type = 'application/xml', key?: string) => {
    const req = t.http
      .post('/v1/bank-statements')
      .set(t.auth('importer'))
      .set('content-type', type);
    if (key) req.set('idempotency-key', key);
    return req.send(body);
  };

  it('credits booked credits with live codes and reports every entry', async () => {
    const a = await registerMailbox(t);
    const b = await registerMailbox(t);
    const codeA = await issueCode(t, a, { country: 'DE' });
    const codeB = await issueCode(t, b);
    const [b1, b2, b3] = codeB.split('-');
    const xml = aCamtDocument([
      { ustrd: [`SVWZ+Aufladung ${codeA}`], amount: '12.00' },
      // split over two Ustrd lines, in lower case, the way banks cut lines
      {
        ustrd: [`Mailbox ${b1.toLowerCase()}-${b2.slice(0, 2)}`, `${b2.slice(2)}-${b3} danke`],
        amount: '6.50',
      },
      { ustrd: ['Rechnung 2026-11'], amount: '30.00' },
      { creditDebit: 'DBIT', amount: '5.00' },
      { status: 'PDNG', ustrd: [codeA] },
    ]);
    const res = await upload(xml);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      files: 1,
      statements: 1,
      entries: 5,
      credits: { credited: 2, unmatched: 1, duplicate: 0 },
      ignored: { debits: 1, notBooked: 1 },
      parts: 1,
    });
    expect(await creditedTo(t, a)).toBe(1200);
    expect(await creditedTo(t, b)).toBe(650);
    const rows = await t.sql<{ remittance: string; payer_name: string | null }>(
      "SELECT remittance, payer_name FROM payment WHERE channel = 'bank' AND status = 'credited'",
    );
    expect(rows.map((r) => r.remittance).sort()).toEqual([
      'Mailbox [code] danke',
      'SVWZ+Aufladung [code]',
    ]);
    expect(rows.every((r) => r.payer_name === null)).toBe(true);
  });

  it('credits nothing twice when the same bookings come again, or first in camt.052/054 and later in camt.053', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const ref = aBankRef();
    const entry = { ref, ustrd: [code], amount: '10.00' };
    const intraday = await upload(aCamtDocument([entry], { type: '052' }));
    expect(intraday.body.credits).toEqual({ credited: 1, unmatched: 0, duplicate: 0 });
    const notification = await upload(aCamtDocument([entry], { type: '054' }));
    const statement = await upload(aCamtDocument([entry], { type: '053' }));
    expect(notification.body.credits).toEqual({ credited: 0, unmatched: 0, duplicate: 1 });
    expect(statement.body.credits).toEqual({ credited: 0, unmatched: 0, duplicate: 1 });
    expect(await creditedTo(t, id)).toBe(1000);
    expect(
      await count(t, 'payment', "channel = 'bank' AND external_ref LIKE $1", [`%/${ref}/%`]),
    ).toBe(1);
  });

  it('records a reversal as unmatched and never credits it', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const res = await upload(
      aCamtDocument([{ creditDebit: 'DBIT', reversal: true, ustrd: [code] }]),
    );
    expect(res.body.credits).toEqual({ credited: 0, unmatched: 1, duplicate: 0 });
    expect(await creditedTo(t, id)).toBe(0);
    const list = await t.http.get('/v1/unmatched-payments?limit=500').set(t.auth('staff'));
    expect(list.body.items.some((i: { reason: string }) => i.reason === 'reversal')).toBe(true);
  });

  it('imports nothing from a file that breaks off in the middle, and names the line', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const before = await count(t, 'payment');
    const xml = aCamtDocument([{ ustrd: [code] }, { ustrd: ['second'] }, { ustrd: ['third'] }]);
    const res = await upload(xml.slice(0, Math.floor(xml.length * 0.8)));
    expect(res.status).toBe(422);
    expect(res.body.type).toMatch(/statement-rejected$/);
    expect(res.body.detail).toMatch(/:\d+:/);
    expect(await count(t, 'payment')).toBe(before);
    expect(await creditedTo(t, id)).toBe(0);
  });

  it.each([
    ['malformed XML', '<Document><oops></Document>', /statement-rejected$/],
    [
      'a document that is not CAMT',
      '<?xml version="1.0"?><html><body/></html>',
      /statement-rejected$/,
    ],
    [
      'an unknown namespace',
      '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.056.001.08"><X/></Document>',
      /statement-rejected$/,
    ],
    [
      'a DTD with entities',
      '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document>&x;</Document>',
      /statement-rejected$/,
    ],
  ])('refuses %s with 422 and imports nothing', async (_name, body, type) => {
    const before = await count(t, 'payment');
    const res = await upload(body);
    expect(res.status).toBe(422);
    expect(res.body.type).toMatch(type);
    expect(res.text).not.toContain('root:');
    expect(await count(t, 'payment')).toBe(before);
  });

  it('refuses other content types with 415 or 400', async () => {
    const res = await t.http
      .post('/v1/bank-statements')
      .set(t.auth('importer'))
      .set('content-type', 'text/plain')
      .send('hello');
    expect([400, 415]).toContain(res.status);
  });

  it('imports a ZIP of statements as one import', async () => {
    const a = await registerMailbox(t);
    const b = await registerMailbox(t);
    const dir = mkdtempSync(join(tmpdir(), 'billing-zip-'));
    writeFileSync(join(dir, 'one.xml'), aCamtDocument([{ ustrd: [await issueCode(t, a)] }]));
    writeFileSync(
      join(dir, 'two.xml'),
      aCamtDocument([{ ustrd: [await issueCode(t, b)] }], { type: '054' }),
    );
    execFileSync('python3', [
      '-c',
      `import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED); z.write(sys.argv[2],'one.xml'); z.write(sys.argv[3],'two.xml'); z.close()`,
      join(dir, 's.zip'),
      join(dir, 'one.xml'),
      join(dir, 'two.xml'),
    ]);
    const res = await upload(readFileSync(join(dir, 's.zip')), 'application/zip');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      files: 2,
      credits: { credited: 2, unmatched: 0, duplicate: 0 },
    });
    expect(await creditedTo(t, a)).toBe(1200);
    expect(await creditedTo(t, b)).toBe(1200);
  });

  it('replays an upload sent again with its Idempotency-Key, and refuses the key for another file', async () => {
    const id = await registerMailbox(t);
    const xml = aCamtDocument([{ ustrd: [await issueCode(t, id)] }]);
    const first = await upload(xml, 'application/xml', 'import-2026-11-24');
    const again = await upload(xml, 'application/xml', 'import-2026-11-24');
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await upload(
      aCamtDocument([{ ustrd: ['other'] }]),
      'application/xml',
      'import-2026-11-24',
    );
    expect(other.status).toBe(422);
    expect(await creditedTo(t, id)).toBe(1200);
  });

  it('refuses a booked credit without booking or value date with 422 naming the file and line', async () => {
    const before = await count(t, 'payment');
    const fixture = readFileSync(
      join(__dirname, '../fixtures/camt/camt053-booked-credit-without-dates.xml'),
    );
    const res = await upload(fixture);
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: expect.stringMatching(/statement-rejected$/),
      status: 422,
      // The upload is spooled to a file named "upload"; line 33 is the second Ntry.
      detail: expect.stringMatching(/^upload:33: .*BookgDt or ValDt/),
      errors: [{ path: 'upload', message: 'bank.missing-booking-day' }],
    });
    expect(await count(t, 'payment')).toBe(before);
  });

  it('credits nothing from a file with a dateless booked credit, and keeps its codes live', async () => {
    const [a, b] = [await registerMailbox(t), await registerMailbox(t)];
    const [codeA, codeB] = [await issueCode(t, a), await issueCode(t, b)];
    const before = await count(t, 'payment');
    const dated = { ustrd: [codeA], ref: aBankRef() };
    const res = await upload(aCamtDocument([dated, { ustrd: [codeB], bookingDate: null }]));
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'upload', message: 'bank.missing-booking-day' }]);
    expect(await count(t, 'payment')).toBe(before);
    expect([await creditedTo(t, a), await creditedTo(t, b)]).toEqual([0, 0]);
    // The bank's corrected file credits both: nothing of the refused one was kept.
    const fixed = await upload(aCamtDocument([dated, { ustrd: [codeB] }]));
    expect(fixed.body.credits).toEqual({ credited: 2, unmatched: 0, duplicate: 0 });
    expect([await creditedTo(t, a), await creditedTo(t, b)]).toEqual([1200, 1200]);
  });

  it("fits a broken file's overlong payer name, account and bank reference into the journal", async () => {
    // ISO allows 140, 34 and 35 characters and the reader four times as many; the
    // journal holds 255, 64 and 255 (PostgreSQL refused longer ones with a 500).
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const long = {
      debtorName: `${'Ä'.repeat(254)}😀 and more`,
      debtorIban: 'DE'.repeat(40),
      ref: `R-${'9'.repeat(138)}`,
    };
    // With the statement's account, the booking's reference passes 255 characters.
    const account = 'DE'.repeat(60);
    const xml = aCamtDocument(
      [
        { ...long, ustrd: ['Aufladung ohne Code'] },
        { ...long, ref: `C-${'9'.repeat(138)}`, ustrd: [code], amount: '7.00' },
      ],
      { account },
    );
    const first = await upload(xml);
    expect(first.status).toBe(201);
    expect(first.body.credits).toEqual({ credited: 1, unmatched: 1, duplicate: 0 });
    const [row] = await t.sql<{ payer_name: string; payer_iban: string | null; ref: string }>(
      "SELECT payer_name, payer_iban, external_ref AS ref FROM payment WHERE channel = 'bank' AND payer_name LIKE $1",
      ['ÄÄÄ%'],
    );
    expect(row.payer_name).toBe(`${'Ä'.repeat(254)}😀`);
    expect(row.payer_iban).toBeNull();
    expect(row.ref).toMatch(/^digest:[0-9a-f]{64}$/);
    // The same file again: both bookings are recognised, no money moves twice.
    const again = await upload(xml);
    expect(again.body.credits).toEqual({ credited: 0, unmatched: 0, duplicate: 2 });
    expect(await creditedTo(t, id)).toBe(700);
  });

  it('refuses a bank reference longer than the reader takes with 422 naming file and line', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const before = await count(t, 'payment');
    const res = await upload(aCamtDocument([{ ustrd: [code], ref: `R-${'9'.repeat(300)}` }]));
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      detail: 'upload:9: AcctSvcrRef is longer than 140 characters',
      errors: [{ path: 'upload', message: 'camt.field-too-long' }],
    });
    expect(await count(t, 'payment')).toBe(before);
    expect(await creditedTo(t, id)).toBe(0);
  });

  it('books all credits of one import on one day', async () => {
    const ids = [await registerMailbox(t), await registerMailbox(t)];
    const xml = aCamtDocument([
      { ustrd: [await issueCode(t, ids[0])], bookingDate: '2026-11-20' },
      { ustrd: [await issueCode(t, ids[1])], bookingDate: '2026-11-23' },
    ]);
    await upload(xml);
    for (const id of ids) {
      const ledger = await t.http.get(`/v1/mailboxes/${id}/ledger`).set(t.auth('webmail'));
      expect(ledger.body.entries).toEqual([
        expect.objectContaining({ channel: 'bank', date: t.clock.today() }),
      ]);
    }
  });
});
