import {
  collect,
  damaged,
  hostileEntry,
  manyUstrd,
  splitRemittance,
  statementHead,
  statementTail,
  zipOf,
} from '../support/camt-hostile';
import { creditedTo, count, issueCode, registerMailbox } from '../support/builders';
import { aBankRef, aCamtDocument } from '../support/camt-builder';
import { startTestApp, TestApp } from '../support/test-app';

const MiB = 1024 * 1024;

/**
 * What one upload may make the service do and store (issue 11, items 6, 8 and
 * 13), through HTTP on the configured database: every refusal is a typed
 * problem that names the file, and nothing of a refused upload is kept.
 */
describe('bank statement limits', () => {
  let t: TestApp;
  // The ZIP cases run on a service whose files and archives may unpack to
  // 4 MiB, so that the sizes are quick to reach; the others on the defaults.
  let small: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    small = await startTestApp({ db: t.db, env: { BANK_FILE_LIMIT_BYTES: String(4 * MiB) } });
  });
  afterAll(async () => {
    await small.close();
    await t.close();
  });

  const upload = (body: string | Buffer, type = 'application/xml', to = t) =>
    to.http
      .post('/v1/bank-statements')
      .set(to.auth('importer'))
      .set('content-type', type)
      .send(body);
  const uploadZip = (body: Buffer) => upload(body, 'application/zip', small);

  /** A statement with one live code, padded with comments to about `bytes`. */
  async function paddedWithCode(bytes: number) {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const entry = hostileEntry(1, `<Ustrd>${code}</Ustrd>`).replace('H-1', aBankRef());
    const padding = `<!--${' '.repeat(1017)}-->`;
    const xml = statementHead() + entry + padding.repeat(Math.ceil(bytes / 1024)) + statementTail();
    return { id, xml };
  }

  describe('remittance text', () => {
    it('refuses 16 M characters of Ustrd cut by comments with 422 naming file and line, storing nothing', async () => {
      const before = await count(t, 'payment');
      const xml = collect(splitRemittance(16 * MiB, 1024, 'comment'));
      const res = await upload(xml);
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        type: expect.stringMatching(/statement-rejected$/),
        detail: 'upload:5: Ustrd is longer than 560 characters',
        errors: [{ path: 'upload', message: 'camt.field-too-long' }],
      });
      expect(await count(t, 'payment')).toBe(before);
    });

    it('refuses the same text in a 170 KB ZIP before unpacking it, by its ratio', async () => {
      const before = await count(t, 'payment');
      const zip = await zipOf([
        { name: 'split.xml', chunks: () => splitRemittance(60 * MiB, 1024, 'comment') },
      ]);
      expect(zip.length).toBeLessThan(200 * 1024);
      const res = await upload(zip, 'application/zip');
      expect(res.status).toBe(413);
      expect(res.body.errors).toEqual([{ path: 'split.xml', message: 'bank.zip-ratio' }]);
      expect(await count(t, 'payment')).toBe(before);
    });

    it('refuses a million Ustrd lines in one detail with 422, and credits nothing of the file', async () => {
      const id = await registerMailbox(t);
      const code = await issueCode(t, id);
      const good = hostileEntry(1, `<Ustrd>${code}</Ustrd>`).replace('H-1', aBankRef());
      const lines = collect(manyUstrd(1_000_000)).toString();
      const xml = lines.replace('<Ntry>', `${good}<Ntry>`);
      const before = await count(t, 'payment');
      const res = await upload(
        await zipOf([{ name: 'lines.xml', chunks: () => [Buffer.from(xml)] }]),
        'application/zip',
      );
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ path: 'lines.xml', message: 'camt.too-many-repeats' }]);
      expect(await count(t, 'payment')).toBe(before);
      expect(await creditedTo(t, id)).toBe(0);
    });

    it('stores the most remittance a detail may carry, whole, and never more', async () => {
      const line = (i: number) => `${String(i).padStart(2, '0')}${'r'.repeat(558)}`;
      const ustrd = Array.from({ length: 20 }, (_, i) => line(i));
      const ref = aBankRef();
      const res = await upload(aCamtDocument([{ ref, ustrd }]));
      expect(res.status).toBe(201);
      expect(res.body.credits).toEqual({ credited: 0, unmatched: 1, duplicate: 0 });
      const [row] = await t.sql<{ remittance: string }>(
        "SELECT remittance FROM payment WHERE channel = 'bank' AND external_ref LIKE $1",
        [`%/${ref}/%`],
      );
      expect(row.remittance).toBe(ustrd.join(' '));
      expect(row.remittance).toHaveLength(20 * 560 + 19);
    });
  });

  describe('ZIP archives', () => {
    it('refuses members that each fit but together unpack beyond BANK_FILE_LIMIT_BYTES, and credits none', async () => {
      const a = await paddedWithCode(3 * MiB);
      const b = await paddedWithCode(3 * MiB);
      const zip = await zipOf([
        { name: 'a.xml', chunks: () => [Buffer.from(a.xml)], store: true },
        { name: 'b.xml', chunks: () => [Buffer.from(b.xml)], store: true },
      ]);
      const before = await count(t, 'payment');
      const res = await uploadZip(zip);
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({
        type: expect.stringMatching(/payload-too-large$/),
        detail: `the archive unpacks to more than ${4 * MiB} bytes`,
        errors: [{ path: 'b.xml', message: 'bank.zip-unpacked-size' }],
      });
      expect(await count(t, 'payment')).toBe(before);
      expect([await creditedTo(t, a.id), await creditedTo(t, b.id)]).toEqual([0, 0]);
      // Each on its own is an ordinary import.
      for (const one of [a, b])
        expect((await upload(one.xml, 'application/xml', small)).status).toBe(201);
      expect([await creditedTo(t, a.id), await creditedTo(t, b.id)]).toEqual([1200, 1200]);
    });

    it('refuses an archive that unpacks to more than 200 times its size, and credits nothing', async () => {
      const a = await paddedWithCode(3 * MiB);
      const zip = await zipOf([{ name: 'a.xml', chunks: () => [Buffer.from(a.xml)] }]);
      expect(3 * MiB).toBeGreaterThan(200 * zip.length);
      const res = await uploadZip(zip);
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({
        detail: `the archive unpacks to more than 200 times its size of ${zip.length} bytes`,
        errors: [{ path: 'a.xml', message: 'bank.zip-ratio' }],
      });
      expect(await creditedTo(t, a.id)).toBe(0);
    });

    it('reads a small archive whatever its ratio', async () => {
      const a = await paddedWithCode(512 * 1024);
      const zip = await zipOf([{ name: 'a.xml', chunks: () => [Buffer.from(a.xml)] }]);
      expect(a.xml.length).toBeGreaterThan(200 * zip.length);
      const res = await uploadZip(zip);
      expect(res.status).toBe(201);
      expect(await creditedTo(t, a.id)).toBe(1200);
    });

    it('refuses a damaged member with 422 naming it, not a 500', async () => {
      const a = await paddedWithCode(64 * 1024);
      const zip = damaged(await zipOf([{ name: 'a.xml', chunks: () => [Buffer.from(a.xml)] }]));
      const res = await uploadZip(zip);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({
        type: expect.stringMatching(/statement-rejected$/),
        detail: expect.stringMatching(/^a\.xml: the ZIP member is damaged: /),
        errors: [{ path: 'a.xml', message: 'bank.zip-damaged' }],
      });
      expect(await creditedTo(t, a.id)).toBe(0);
    });
  });

  describe('entries without Sts', () => {
    it('credits a camt.053 entry without Sts as booked and warns of it in the report', async () => {
      const id = await registerMailbox(t);
      const code = await issueCode(t, id);
      const res = await upload(
        aCamtDocument([
          { ustrd: ['Miete'] },
          { ustrd: [code], status: null },
          { ustrd: ['ohne Code'], status: null },
        ]),
      );
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        files: 1,
        statements: 1,
        entries: 3,
        credits: { credited: 1, unmatched: 2, duplicate: 0 },
        ignored: { debits: 0, notBooked: 0 },
        parts: 1,
        warnings: [
          {
            code: 'camt.missing-status-read-as-booked',
            file: 'upload',
            line: 26,
            entries: 2,
            detail:
              'upload:26: 2 entries without Sts read as booked (a camt.053 reports booked entries)',
          },
        ],
      });
      expect(await creditedTo(t, id)).toBe(1200);
    });

    it.each(['052', '054'] as const)(
      'refuses a camt.%s entry without Sts with 422 naming the line, and credits nothing of it',
      async (type) => {
        const id = await registerMailbox(t);
        const code = await issueCode(t, id);
        const before = await count(t, 'payment');
        const res = await upload(
          aCamtDocument([{ ustrd: ['Miete'] }, { ustrd: [code], status: null }], { type }),
        );
        expect(res.status).toBe(422);
        expect(res.body).toMatchObject({
          detail: 'upload:26: entry without Sts',
          errors: [{ path: 'upload', message: 'camt.missing-status' }],
        });
        expect(await count(t, 'payment')).toBe(before);
        expect(await creditedTo(t, id)).toBe(0);
      },
    );
  });
});
