import type BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { aCashPayment, creditedTo, issueCode, registerMailbox } from '../support/builders';
import { startTestApp, TestApp } from '../support/test-app';

function rawSqlite(t: TestApp): BetterSqlite3.Database {
  return (t.app.get(DataSource).driver as unknown as { databaseConnection: BetterSqlite3.Database })
    .databaseConnection;
}

/** New sessions pick up a changed database default; pooled ones keep the old. */
async function reconnect(t: TestApp): Promise<void> {
  const dataSource = t.app.get(DataSource);
  await dataSource.destroy();
  await dataSource.initialize();
}

describe('operations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves OpenAPI built from the zod schemas', async () => {
    const res = await t.http.get('/docs-json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/mailboxes/{mailboxId}',
        '/v1/cash-payments',
        '/v1/cash-batches',
        '/v1/unmatched-payments',
      ]),
    );
    const body = doc.paths['/v1/cash-payments'].post.requestBody.content['application/json'].schema;
    const schema = body.$ref ? doc.components.schemas[body.$ref.split('/').pop()] : body;
    expect(schema.required).toEqual(
      expect.arrayContaining(['code', 'amountMinor', 'currency', 'receivedOn']),
    );
    expect(schema.additionalProperties).toBe(false);
    expect((await t.http.get('/docs')).status).toBe(200);
  });

  it('refuses bodies over the limit with 413 problem+json', async () => {
    const res = await t.http
      .post('/v1/cash-payments')
      .set(t.auth('staff'))
      .set('content-type', 'application/json')
      .send(JSON.stringify({ ...aCashPayment(), code: 'x'.repeat(t.config.bodyLimitBytes) }));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const res = await t.http
      .post('/v1/cash-payments')
      .set(t.auth('staff'))
      .set('content-type', 'application/json')
      .send('{"code":');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('answers unknown routes with 404 problem+json that does not echo the path', async () => {
    const res = await t.http.get('/v1/mailboxes/secret-mailbox/nothing').set(t.auth('webmail'));
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('secret-mailbox');
  });

  it('keeps codes, mailbox ids, names and IBANs out of every log line of a whole flow', async () => {
    const debug = await startTestApp({ logLevel: 'trace' });
    try {
      const id = await registerMailbox(debug, 'very.private.person@example.org');
      const code = await issueCode(debug, id, { country: 'DE' });
      await debug.http
        .post('/v1/cash-payments')
        .set(debug.auth('staff'))
        .send(aCashPayment({ code }));
      await debug.http
        .post('/v1/cash-payments')
        .set(debug.auth('staff'))
        .send(aCashPayment({ code: 'K7QM-2XPF-9D3A' }));
      await debug.http.get(`/v1/mailboxes/${id}/ledger`).set(debug.auth('webmail'));
      await debug.http.get(`/v1/mailboxes/${id}/nowhere`).set(debug.auth('webmail'));
      await debug.http.delete(`/v1/mailboxes/${id}`).set(debug.auth('webmail'));
      await debug.http
        .get('/v1/unmatched-payments')
        .set('authorization', 'Bearer wrong-key-0123456789abcdef');
      const text = debug.logs.join('\n');
      expect(debug.logs.some((l) => l.includes('"route":"/v1/cash-payments"'))).toBe(true);
      for (const secret of [
        id,
        'very.private.person',
        code,
        code.replaceAll('-', ''),
        debug.keys.staff,
        debug.keys.webmail,
        'wrong-key-0123456789abcdef',
        '127.0.0.1',
        '::1',
        '::ffff',
      ]) {
        expect(text, secret).not.toContain(secret);
      }
      expect(text).not.toMatch(/remoteAddress|"ip"|hostname|x-forwarded/i);
    } finally {
      await debug.close();
    }
  });

  it('reports 503 on /health when the database does not answer, and 200 again when it does', async () => {
    const other = await startTestApp();
    try {
      expect((await other.http.get('/health')).status).toBe(200);
      await other.app.get(DataSource).destroy();
      const res = await other.http.get('/health');
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toContain('application/problem+json');
    } finally {
      await other.close().catch(() => undefined);
    }
  });

  it('answers 503, not 500, and credits nothing when the database goes read-only', async () => {
    const other = await startTestApp();
    try {
      const id = await registerMailbox(other);
      const code = await issueCode(other, id);
      const readOnly = async (on: boolean) => {
        if (other.db.dialect === 'sqlite')
          return rawSqlite(other).pragma(`query_only = ${on ? 'ON' : 'OFF'}`);
        const client = new Client({ connectionString: other.db.url });
        await client.connect();
        await client.query('SET default_transaction_read_only = off');
        const name = new URL(other.db.url).pathname.slice(1);
        await client.query(
          `ALTER DATABASE ${name} SET default_transaction_read_only = ${on ? 'on' : 'off'}`,
        );
        await client.end();
        await reconnect(other);
      };
      await readOnly(true);
      const res = await other.http
        .post('/v1/cash-payments')
        .set(other.auth('staff'))
        .send(aCashPayment({ code }));
      expect(res.status).toBe(503);
      expect(res.body.type).toMatch(/unavailable$/);
      await readOnly(false);
      expect(await creditedTo(other, id)).toBe(0);
      const paid = await other.http
        .post('/v1/cash-payments')
        .set(other.auth('staff'))
        .send(aCashPayment({ code }));
      expect(paid.body.status).toBe('credited');
      expect(await creditedTo(other, id)).toBe(1200);
    } finally {
      await other.close();
    }
  });
});
