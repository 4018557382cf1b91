import { request } from 'node:http';
import { AddressInfo } from 'node:net';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

/**
 * An uploaded statement is spooled to DATA_DIR/spool with payer names, IBANs
 * and codes in clear. Whatever way the upload ends (answered, refused, or the
 * process killed), the file is overwritten before it is removed. The tests
 * keep a second name for the file (a hard link, outside the spool folder):
 * removing the spool's name leaves the bytes readable through it, so only an
 * overwrite empties it.
 */
describe('the upload spool', () => {
  const secret = 'Zofia Przybylska-Nakamura DE89370400440532013000 K7QM-2XPF-9D3A';

  it('erases, at start-up, a statement a killed process left in the spool', async () => {
    const db = await createTestDatabase();
    const spool = join(db.dir, 'spool', 'upload-left');
    mkdirSync(spool, { recursive: true });
    writeFileSync(join(spool, 'upload'), `<Document>${secret.repeat(100)}</Document>`);
    const kept = join(db.dir, 'kept-link');
    linkSync(join(spool, 'upload'), kept);
    const t = await startTestApp({ db });
    try {
      expect(readdirSync(join(db.dir, 'spool'))).toEqual([]);
      const bytes = readFileSync(kept);
      expect(bytes.length).toBeGreaterThan(1000);
      expect(bytes.every((b) => b === 0)).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('erases an upload that is refused halfway (over the limit)', async () => {
    const t = await startTestApp({ env: { BANK_UPLOAD_LIMIT_BYTES: '65536' } });
    try {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = t.app.getHttpServer().address() as AddressInfo;
      const spool = join(t.db.dir, 'spool');
      const kept = join(t.db.dir, 'kept-link');
      // Takes a second name for the spooled file as soon as it appears.
      mkdirSync(spool, { recursive: true });
      const linked = new Promise<void>((done) => {
        const look = setInterval(() => {
          for (const dir of readdirSync(spool)) {
            const file = join(spool, dir, 'upload');
            if (existsSync(file) && readFileSync(file).length > 0) {
              linkSync(file, kept);
              clearInterval(look);
              done();
              return;
            }
          }
        }, 1);
      });
      const chunk = Buffer.from(`<Ustrd>${secret}</Ustrd>`.repeat(50));
      const status = await new Promise<number>((done, fail) => {
        const req = request(
          {
            port,
            host: '127.0.0.1',
            // No keep-alive: the service closes with no connection left open.
            agent: false,
            method: 'POST',
            path: '/v1/bank-statements',
            headers: { ...t.auth('importer'), 'content-type': 'application/xml' },
          },
          (res) => {
            res.resume();
            done(res.statusCode ?? 0);
          },
        );
        req.on('error', fail);
        req.write(chunk);
        void linked.then(() => {
          for (let sent = chunk.length; sent <= 70_000; sent += chunk.length) req.write(chunk);
          req.end();
        });
      });
      expect(status).toBe(413);
      expect(readdirSync(spool)).toEqual([]);
      const bytes = readFileSync(kept);
      expect(bytes.length).toBeGreaterThan(0);
      expect(bytes.every((b) => b === 0)).toBe(true);
    } finally {
      await t.close();
    }
  });
});
