import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Transactions } from '../../src/database/transactions';
import { count, creditedTo, issueCode, registerMailbox } from '../support/builders';
import { aCamtDocument, AnEntry } from '../support/camt-builder';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * A long import is written in parts, each one transaction, ending when another
 * write waits: writes that arrive meanwhile (a code for a user waiting in the
 * webmail) go between two parts instead of waiting for the whole file, and a
 * file refused half-way keeps the parts before the refusal, each whole; the
 * corrected file credits the rest, every booking exactly once.
 */
describe('a long bank import, written in parts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const upload = (body: string) =>
    t.http
      .post('/v1/bank-statements')
      .set(t.auth('importer'))
      .set('content-type', 'application/xml')
      .send(body);

  /** Payments committed so far, read beside the writer (a read does not queue behind it). */
  const committed = async () => {
    const [row] = await t.app
      .get(Transactions)
      .read((tx) => tx.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM payment'));
    return Number(row.n);
  };

  /** `entries` bookings, those at the given positions paying the given codes. */
  function statement(
    entries: number,
    paying: Map<number, string>,
    overrides: (i: number) => AnEntry = () => ({}),
  ): AnEntry[] {
    return Array.from({ length: entries }, (_, i) => ({
      ustrd: [paying.has(i) ? `Aufladung ${paying.get(i)}` : `Rechnung ${i}`],
      amount: '12.00',
      ...overrides(i),
    }));
  }

  it('answers writes while a long import runs (on SQLite between two of its parts) and credits every booking once', async () => {
    const paying = new Map<number, string>();
    const ids: string[] = [];
    for (let i = 0; i < 3000; i += 300) {
      const id = await registerMailbox(t);
      ids.push(id);
      paying.set(i, await issueCode(t, id));
    }
    const xml = aCamtDocument(statement(3000, paying));
    const before = await committed();
    let answered = false;
    const importing = upload(xml).then((res) => {
      answered = true;
      return res;
    });
    // Users keep asking for codes while the import runs. On SQLite each waits
    // for a part to end, not for the file: some come back between two parts,
    // with the import's first parts in the books and the import still running.
    // On PostgreSQL they wait for nothing.
    let whileImporting = 0;
    let betweenParts = 0;
    while (!answered) {
      const code = await issueCode(t, await registerMailbox(t));
      expect(code).toMatch(/^[A-Z0-9-]+$/);
      if (answered) break;
      whileImporting++;
      if ((await committed()) > before) betweenParts++;
    }
    if (t.db.dialect === 'sqlite') expect(betweenParts).toBeGreaterThan(0);
    else expect(whileImporting).toBeGreaterThan(2);

    const res = await importing;
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      entries: 3000,
      credits: { credited: 10, unmatched: 2990, duplicate: 0 },
    });
    if (t.db.dialect === 'sqlite') expect(res.body.parts).toBeGreaterThan(1);
    for (const id of ids) expect(await creditedTo(t, id)).toBe(1200);

    const again = await upload(xml);
    expect(again.body.credits).toEqual({ credited: 0, unmatched: 0, duplicate: 3000 });
    for (const id of ids) expect(await creditedTo(t, id)).toBe(1200);
  });

  it('keeps the parts before a refusal whole and says so; the corrected file credits the rest once', async () => {
    // Parts of 500 entries whatever else happens.
    const small = await startTestApp({ env: { BANK_IMPORT_PART_ENTRIES: '500' } });
    try {
      const send = (body: string) =>
        small.http
          .post('/v1/bank-statements')
          .set(small.auth('importer'))
          .set('content-type', 'application/xml')
          .send(body);
      const early = await registerMailbox(small);
      const late = await registerMailbox(small);
      const paying = new Map([
        [10, await issueCode(small, early)],
        [2900, await issueCode(small, late)],
      ]);
      const refs = Array.from({ length: 3000 }, (_, i) => `PARTS-${Date.now().toString(36)}-${i}`);
      // A camt.052 entry without a status is refused where it stands: in the sixth part.
      const broken = aCamtDocument(
        statement(3000, paying, (i) => ({ ref: refs[i], status: i === 2800 ? null : 'BOOK' })),
        { type: '052' },
      );
      const refused = await send(broken);
      expect(refused.status).toBe(422);
      expect(refused.body.detail).toMatch(
        /entry without Sts; the 2500 entries before it were imported in 5 part\(s\) and stay/,
      );
      expect(await creditedTo(small, early)).toBe(1200);
      expect(await creditedTo(small, late)).toBe(0);
      expect(await count(small, 'payment')).toBe(2500);

      const corrected = aCamtDocument(
        statement(3000, paying, (i) => ({ ref: refs[i], status: 'BOOK' })),
        { type: '052' },
      );
      const res = await send(corrected);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        credits: { credited: 1, unmatched: 499, duplicate: 2500 },
        parts: 6,
      });
      expect(await creditedTo(small, early)).toBe(1200);
      expect(await creditedTo(small, late)).toBe(1200);
      expect(await count(small, 'payment')).toBe(3000);
    } finally {
      await small.close();
    }
  });
});
