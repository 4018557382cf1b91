import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import { FileTypeValidator } from '@nestjs/common';
import Fastify from 'fastify';
import semver from 'semver';

const ROOT = resolve(__dirname, '../..');

interface LockEntry {
  version: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}

/**
 * npm ci warned about runtime packages that declare Node >= 22 while the
 * service runs on Node 20.19+. package.json overrides three of them to releases
 * that declare Node 20; these tests hold that, and run the path of each parent
 * that reaches the overridden package, on the Node running them.
 */
describe('runtime packages on this Node', () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };

  it(`all declare an engine range that takes Node ${process.version}`, () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.dev)
      .filter(([, entry]) => {
        const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        return range !== undefined && !semver.satisfies(process.version, range);
      })
      .map(([path, entry]) => `${path.replace(/^.*node_modules\//, '')}@${entry.version}`);
    expect(refusing).toEqual([]);
  });

  it('@fastify/static names a download with content-disposition', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'billing-static-'));
    writeFileSync(join(dir, 'ledger.csv'), 'kind,amount\n');
    const app = Fastify();
    await app.register(fastifyStatic, { root: dir, serve: false });
    app.get('/file', (_request, reply) => reply.download('ledger.csv', 'Grüße ledger.csv'));
    try {
      const res = await app.inject({ url: '/file' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="Gr??e ledger.csv"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20ledger.csv`,
      );
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("light-my-request (Fastify's inject) sends cookies with cookie", async () => {
    const app = Fastify();
    app.get('/', (request) => ({ cookie: request.headers.cookie }));
    const res = await app.inject({ url: '/', cookies: { a: '1', b: 'x y' } });
    expect(res.json()).toEqual({ cookie: 'a=1; b=x%20y' });
    await app.close();
  });

  it("Nest's FileTypeValidator reads magic numbers with file-type", async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const validator = new FileTypeValidator({ fileType: 'image/png' });
    expect(await validator.isValid({ buffer: png, mimetype: 'image/png' } as never)).toBe(true);
    expect(
      await validator.isValid({
        buffer: Buffer.from('GIF89a....'),
        mimetype: 'image/png',
      } as never),
    ).toBe(false);
  });
});
