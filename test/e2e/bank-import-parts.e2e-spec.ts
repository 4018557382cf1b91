import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Transactions } from '../../src/database/transactions';
import { creditedTo, issueCode, registerMailbox } from '../support/builders';
import { aCamtDocument, AnEntry } from '../support/camt-builder';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * A long import is written in parts, each one transaction: writes that arrive
 * meanwhile (a code for a user waiting in the webmail) go between two parts
 * instead of waiting for the whole file, and a file refused half-way keeps the
 * parts before the refusal, each whole; the corrected file credits the rest,
 * every booking exactly once.
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

  it('issues a code between two parts while the import runs, and credits every booking once', async () => {
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
    // The first part is in the books and the import goes on.
    while ((await committed()) === before && !answered)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(answered).toBe(false);
    const waiting = await registerMailbox(t);
    const code = await issueCode(t, waiting);
    // The code came while the import was still running, not after it.
    expect(answered).toBe(false);
    expect(code).toMatch(/^[A-Z0-9-]+$/);

    const res = await importing;
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      entries: 3000,
      credits: { credited: 10, unmatched: 2990, duplicate: 0 },
    });
    expect(res.body.parts).toBeGreaterThan(1);
    for (const id of ids) expect(await creditedTo(t, id)).toBe(1200);

    const again = await upload(xml);
    expect(again.body.credits).toEqual({ credited: 0, unmatched: 0, duplicate: 3000 });
    for (const id of ids) expect(await creditedTo(t, id)).toBe(1200);
  });

  it('keeps the parts before a refusal whole and says so; the corrected file credits the rest once', async () => {
    const early = await registerMailbox(t);
    const late = await registerMailbox(t);
    const paying = new Map([
      [10, await issueCode(t, early)],
      [1900, await issueCode(t, late)],
    ]);
    const refs = Array.from({ length: 2000 }, (_, i) => `PARTS-${Date.now().toString(36)}-${i}`);
    // A camt.052 entry without a status is refused where it stands.
    const broken = aCamtDocument(
      statement(2000, paying, (i) => ({ ref: refs[i], status: i === 1500 ? null : 'BOOK' })),
      { type: '052' },
    );
    const refused = await upload(broken);
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(
      /entry without Sts; the (\d+) entries before it were imported in (\d+) part\(s\) and stay/,
    );
    const written = Number(/the (\d+) entries/.exec(refused.body.detail)![1]);
    expect(written).toBeGreaterThan(10);
    expect(written).toBeLessThanOrEqual(1500);
    expect(await creditedTo(t, early)).toBe(1200);
    expect(await creditedTo(t, late)).toBe(0);

    const corrected = aCamtDocument(
      statement(2000, paying, (i) => ({ ref: refs[i], status: 'BOOK' })),
      { type: '052' },
    );
    const res = await upload(corrected);
    expect(res.status).toBe(201);
    expect(res.body.credits).toEqual({
      credited: 1,
      unmatched: 2000 - written - 1,
      duplicate: written,
    });
    expect(await creditedTo(t, early)).toBe(1200);
    expect(await creditedTo(t, late)).toBe(1200);
  });
});
