import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { displayCode, generateCode } from '../../src/codes/code-format';
import { CASH_BATCH_BODY_LIMIT_BYTES, CASH_BATCH_MAX_ENTRIES } from '../../src/cash/cash.schemas';
import { PROBLEM_BASE } from '../../src/common/domain-error';
import { Role } from '../../src/config/config.schema';
import { newPayPalOrderSchema } from '../../src/paypal/paypal.schemas';
import { aCashPayment, creditedTo, count, issueCode, registerMailbox } from '../support/builders';
import { PayPalTestApp, startPayPalTestApp } from '../support/fake-paypal/paypal-test-app';

const ROOT = resolve(__dirname, '../..');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): Record<string, unknown>;
}

/** Plain HTTP, so that a test decides every header (supertest adds a Content-Type of its own). */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<Answer> {
  return new Promise((done, fail) => {
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    // A connection per request: the service closes one after some refusals.
    const options = {
      agent: false,
      host: '127.0.0.1',
      port,
      method,
      path,
      headers: { ...headers, ...length },
    };
    const request = httpRequest(options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        done({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text,
          json: () => JSON.parse(text) as Record<string, unknown>,
        });
      });
    });
    request.on('error', fail);
    if (body !== undefined) request.write(body);
    request.end();
  });
}

describe('the HTTP contract', () => {
  let t: PayPalTestApp;
  let port: number;
  beforeAll(async () => {
    t = await startPayPalTestApp();
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  const as = (role: Role) => ({ authorization: t.auth(role).authorization });
  const json = { 'content-type': 'application/json' };

  describe('JSON bodies', () => {
    it('refuses a member written twice with 400 naming it; nothing recorded, the code stays live', async () => {
      const id = await registerMailbox(t);
      const code = await issueCode(t, id);
      const payments = await count(t, 'payment');
      const text = `{"code":"${code}","currency":"EUR","receivedOn":"${t.clock.today()}","amountMinor":100,"amountMinor":50000}`;
      const res = await send(port, 'POST', '/v1/cash-payments', { ...as('staff'), ...json }, text);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({
        type: `${PROBLEM_BASE}/validation`,
        errors: [{ path: 'amountMinor', message: 'appears more than once' }],
      });
      expect(await count(t, 'payment')).toBe(payments);
      expect(await creditedTo(t, id)).toBe(0);
      const paid = await t.http
        .post('/v1/cash-payments')
        .set(t.auth('staff'))
        .send(aCashPayment({ code, amountMinor: 100 }));
      expect(paid.body.status).toBe('credited');
    });

    it('names a member written twice inside a batch entry, also when one is spelt with an escape', async () => {
      const text = JSON.stringify({
        receivedOn: t.clock.today(),
        currency: 'EUR',
        countedTotalMinor: 200,
        entries: [
          { code: displayCode(generateCode()), amountMinor: 100 },
          { code: displayCode(generateCode()), amountMinor: 100 },
        ],
      }).replace(/"amountMinor":100}]/, '"amountMinor":100,"\\u0061mountMinor":5}]');
      const payments = await count(t, 'payment');
      const res = await send(port, 'POST', '/v1/cash-batches', { ...as('staff'), ...json }, text);
      expect(res.status).toBe(400);
      expect(res.json().errors).toEqual([
        { path: 'entries.1.amountMinor', message: 'appears more than once' },
      ]);
      expect(await count(t, 'payment')).toBe(payments);
    });

    it.each([
      ['as a form (what curl -d sends)', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['as text/plain', { 'content-type': 'text/plain' }],
      ['without a Content-Type', {}],
      ['as XML', { 'content-type': 'application/xml' }],
    ])('answers a JSON body sent %s with 415, recording nothing', async (_how, headers) => {
      const id = await registerMailbox(t);
      const code = await issueCode(t, id);
      const payments = await count(t, 'payment');
      const res = await send(
        port,
        'POST',
        '/v1/cash-payments',
        { ...as('staff'), ...headers },
        JSON.stringify(aCashPayment({ code })),
      );
      expect(res.status).toBe(415);
      expect(res.json()).toMatchObject({ type: `${PROBLEM_BASE}/unsupported-media-type` });
      expect(await count(t, 'payment')).toBe(payments);
      expect(await creditedTo(t, id)).toBe(0);
    });

    it('answers JSON sent to the bank statements route with 415', async () => {
      const res = await send(
        port,
        'POST',
        '/v1/bank-statements',
        { ...as('importer'), ...json },
        '{}',
      );
      expect(res.status).toBe(415);
      expect(res.json()).toMatchObject({ type: `${PROBLEM_BASE}/unsupported-media-type` });
    });
  });

  describe('cursors', () => {
    it.each(['garbage', 'MjAyNi0xMS0yNHx4', Buffer.from('2026-11-24|x|y').toString('base64url')])(
      'answers a cursor this service did not give out (%s) with 400, on both lists',
      async (cursor) => {
        const id = await registerMailbox(t);
        for (const [path, role] of [
          [`/v1/mailboxes/${id}/ledger?cursor=${cursor}`, 'webmail'],
          [`/v1/unmatched-payments?cursor=${cursor}`, 'staff'],
        ] as const) {
          const res = await t.http.get(path).set(t.auth(role));
          expect(res.status, path).toBe(400);
          expect(res.body.errors).toEqual([
            { path: 'cursor', message: 'is not a cursor from a previous page' },
          ]);
        }
      },
    );

    it('takes the cursor of a previous page and goes on from there', async () => {
      for (let i = 0; i < 3; i++) {
        await t.http
          .post('/v1/cash-payments')
          .set(t.auth('staff'))
          .send(aCashPayment({ code: displayCode(generateCode()) }));
      }
      const first = await t.http.get('/v1/unmatched-payments?limit=2').set(t.auth('staff'));
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await t.http
        .get(`/v1/unmatched-payments?limit=2&cursor=${first.body.nextCursor}`)
        .set(t.auth('staff'));
      expect(second.status).toBe(200);
      const ids = (r: typeof first) => r.body.items.map((p: { paymentId: string }) => p.paymentId);
      expect(ids(second)).not.toContain(ids(first)[0]);
      expect(ids(second).length).toBeGreaterThan(0);
    });
  });

  describe('countries', () => {
    it.each(['XX', 'QQ', 'ZZ', 'EU', 'de'])(
      'refuses %s as VAT evidence for a code',
      async (country) => {
        const id = await registerMailbox(t);
        const codes = await count(t, 'topup_code');
        const res = await t.http
          .post(`/v1/mailboxes/${id}/topup-codes`)
          .set(t.auth('webmail'))
          .send({ country });
        expect(res.status).toBe(400);
        expect(res.body.errors[0].path).toBe('country');
        expect(await count(t, 'topup_code')).toBe(codes);
        expect(
          newPayPalOrderSchema.safeParse({ amountMinor: 500, currency: 'EUR', country }).success,
        ).toBe(false);
      },
    );

    it.each(['DE', 'FR', 'GB', 'SS', 'CW'])(
      'takes %s, an assigned ISO 3166-1 code',
      async (country) => {
        const id = await registerMailbox(t);
        const res = await t.http
          .post(`/v1/mailboxes/${id}/topup-codes`)
          .set(t.auth('webmail'))
          .send({ country });
        expect(res.status).toBe(201);
      },
    );
  });

  it('answers a mailbox id too long for a URL with 414 problem+json that echoes nothing', async () => {
    const id = 'secret-mailbox-'.repeat(20);
    const res = await send(port, 'GET', `/v1/mailboxes/${id}`, as('webmail'));
    expect(res.status).toBe(414);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toEqual({
      type: `${PROBLEM_BASE}/uri-too-long`,
      title: 'The URL is too long',
      status: 414,
      detail: 'The URL is too long',
    });
    expect(res.text).not.toContain('secret-mailbox');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  describe('the body limit of a cash batch', () => {
    /** The largest batch the schema allows: every entry at its longest code and amount. */
    const largest = (lastCode: string) =>
      JSON.stringify(
        {
          receivedOn: t.clock.today(),
          currency: 'EUR',
          countedTotalMinor: Number.MAX_SAFE_INTEGER,
          entries: Array.from({ length: CASH_BATCH_MAX_ENTRIES }, (_, i) => ({
            code: i === CASH_BATCH_MAX_ENTRIES - 1 ? lastCode : 'K'.repeat(64),
            amountMinor: Number.MAX_SAFE_INTEGER,
          })),
        },
        null,
        2,
      );

    it(`holds the largest batch the schema allows (${CASH_BATCH_MAX_ENTRIES} entries), indented`, async () => {
      const body = largest('K'.repeat(64));
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(CASH_BATCH_BODY_LIMIT_BYTES);
      const res = await send(port, 'POST', '/v1/cash-batches', { ...as('staff'), ...json }, body);
      // Read whole and checked: every code is refused by its check symbols, entry by entry.
      expect(res.status).toBe(422);
      const errors = res.json().errors as { path: string }[];
      expect(errors).toHaveLength(CASH_BATCH_MAX_ENTRIES);
      expect(errors[CASH_BATCH_MAX_ENTRIES - 1].path).toBe(
        `entries.${CASH_BATCH_MAX_ENTRIES - 1}.code`,
      );
    });

    it('credits a batch of 10,000 letters in one request', async () => {
      const id = await registerMailbox(t);
      const live = await issueCode(t, id);
      const entries = Array.from({ length: CASH_BATCH_MAX_ENTRIES }, (_, i) => ({
        code: i === 0 ? live : displayCode(generateCode()),
        amountMinor: 100,
      }));
      const res = await t.http
        .post('/v1/cash-batches')
        .set(t.auth('staff'))
        .send({
          receivedOn: t.clock.today(),
          currency: 'EUR',
          countedTotalMinor: 100 * CASH_BATCH_MAX_ENTRIES,
          entries,
        });
      expect(res.status, res.text.slice(0, 300)).toBe(201);
      expect(res.body).toMatchObject({ credited: 1, unmatched: CASH_BATCH_MAX_ENTRIES - 1 });
      expect(await creditedTo(t, id)).toBe(100);
    }, 120_000);

    it('answers a body over the limit with 413 problem+json', async () => {
      const body = largest('K'.repeat(64)).replace(
        '"entries": [',
        `"pad": "${'x'.repeat(CASH_BATCH_BODY_LIMIT_BYTES)}", "entries": [`,
      );
      const res = await send(port, 'POST', '/v1/cash-batches', { ...as('staff'), ...json }, body);
      expect(res.status).toBe(413);
      expect(res.json()).toMatchObject({ type: `${PROBLEM_BASE}/payload-too-large` });
    });
  });

  describe('the OpenAPI document', () => {
    type Response = {
      content?: Record<
        string,
        { schema: { allOf?: { properties?: { type?: { enum: string[] } } }[] } }
      >;
    };
    type Operation = {
      responses: Record<string, Response>;
      security?: unknown[];
      parameters?: { in: string; name: string }[];
      requestBody?: unknown;
    };
    let doc: {
      paths: Record<string, Record<string, Operation>>;
      components: {
        securitySchemes: Record<string, Record<string, unknown>>;
        schemas: Record<string, unknown>;
      };
    };
    beforeAll(async () => {
      doc = (await t.http.get('/docs-json')).body;
    });

    const operations = () =>
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ path, method, op })),
      );
    const typesOf = (response: Response | undefined) =>
      response?.content?.['application/problem+json']?.schema.allOf?.[1].properties?.type?.enum ??
      [];

    it('calls the API keys what they are: bearer keys, not JWTs', () => {
      expect(doc.components.securitySchemes.bearer).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      });
      expect(doc.components.securitySchemes.bearer.bearerFormat).toBeUndefined();
    });

    it('describes a top-up code: the body and the answer as named schemas, each field the webmail backend reads', () => {
      const op = doc.paths['/v1/mailboxes/{mailboxId}/topup-codes'].post as Operation & {
        requestBody: { content: Record<string, { schema: unknown }> };
        responses: Record<string, { content: Record<string, { schema: unknown }> }>;
      };
      expect(op.requestBody.content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/IssueTopupCode',
      });
      expect(op.responses['201'].content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/IssuedTopupCode',
      });
      expect(doc.components.schemas.IssueTopupCode).toMatchObject({
        properties: {
          country: { pattern: '^[A-Z]{2}$', description: expect.stringMatching(/^VAT evidence/) },
        },
        additionalProperties: false,
      });
      expect(doc.components.schemas.IssuedTopupCode).toMatchObject({
        properties: {
          code: { type: 'string', description: expect.stringMatching(/^shown in groups/) },
          transfer: { required: ['creditorName', 'iban', 'bic', 'remittance'] },
          epcQr: { type: 'string', description: expect.stringContaining('EPC069-12') },
        },
        required: ['code', 'expiresOn', 'transfer', 'epcQr'],
      });
    });

    it('lists the error answers of every operation as problem documents with their types', () => {
      expect(doc.components.schemas.Problem).toMatchObject({
        required: ['type', 'title', 'status', 'detail'],
      });
      for (const { path, method, op } of operations()) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(typesOf(op.responses['500']), where).toEqual([`${PROBLEM_BASE}/internal`]);
        expect(typesOf(op.responses['503']), where).toContain(`${PROBLEM_BASE}/unavailable`);
        if ((op.security ?? []).length > 0) {
          expect(typesOf(op.responses['401']), where).toEqual([`${PROBLEM_BASE}/unauthenticated`]);
          expect(typesOf(op.responses['403']), where).toEqual([`${PROBLEM_BASE}/forbidden`]);
          expect(typesOf(op.responses['429']), where).toEqual([
            `${PROBLEM_BASE}/too-many-requests`,
          ]);
        }
        if (method !== 'get') {
          for (const status of ['413', '415'])
            expect(op.responses[status], `${where} ${status}`).toBeDefined();
        }
      }
      const pay = doc.paths['/v1/cash-payments'].post.responses['422'];
      expect(typesOf(pay).sort()).toEqual(
        [
          'check-symbol-mismatch',
          'idempotency-key-reused',
          'implausible-day',
          'unknown-currency',
        ].map((slug) => `${PROBLEM_BASE}/${slug}`),
      );
    });

    it("names every rule's type that the code defines (opening balances are the command line's alone)", () => {
      const declared = new Set(
        operations().flatMap(({ op }) => Object.values(op.responses).flatMap(typesOf)),
      );
      const slugs: string[] = [];
      const walk = (dir: string): void => {
        for (const name of readdirSync(dir)) {
          const file = join(dir, name);
          if (statSync(file).isDirectory()) walk(file);
          else if (file.endsWith('.ts'))
            for (const m of readFileSync(file, 'utf8').matchAll(/readonly slug = '([a-z-]+)'/g))
              slugs.push(m[1]);
        }
      };
      walk(join(ROOT, 'src'));
      expect(slugs.length).toBeGreaterThan(20);
      const missing = slugs
        .filter((slug) => slug !== 'opening-balances-rejected')
        .filter((slug) => !declared.has(`${PROBLEM_BASE}/${slug}`));
      expect(missing).toEqual([]);
    });

    it('declares every answer that a round of wrong requests gets, status and type, on every operation', async () => {
      const mailbox = await registerMailbox(t);
      const samples: Record<string, string> = {
        mailboxId: mailbox,
        paymentId: randomUUID(),
        orderId: 'ORDER-1',
      };
      const undeclared: string[] = [];
      for (const { path, method, op } of operations()) {
        const url = path.replace(/\{(\w+)\}/g, (_, name: string) => samples[name]);
        const long = path.replace(/\{(\w+)\}/g, () => 'x'.repeat(300));
        const key = { authorization: `Bearer ${'n'.repeat(32)}` };
        const role = (op.security ?? []).length > 0 ? as(roleFor(path)) : {};
        const wrongRole = as(roleFor(path) === 'admin' ? 'webmail' : 'admin');
        const probes: [string, Record<string, string>, string?][] = [
          [url, {}],
          [url, key],
          [url, wrongRole],
          [url, role],
          [`${url}?limit=0&cursor=garbage`, role],
          [url, { ...role, ...json }, '{"x":1}'],
          [url, { ...role, ...json }, '{"a":1,"a":2}'],
          [url, { ...role, ...json }, '{"a":'],
          [url, { ...role, 'content-type': 'text/plain' }, 'hello'],
          [url, { ...role, ...json }, JSON.stringify({ x: 'y'.repeat(t.config.bodyLimitBytes) })],
          [url, { ...role, 'idempotency-key': 'é' }],
          [long, role],
        ];
        for (const [target, headers, body] of probes) {
          if (method === 'get' && body !== undefined) continue;
          const res = await send(port, method.toUpperCase(), target, headers, body).catch(
            (error: Error) => {
              throw new Error(
                `${method} ${target.slice(0, 80)} ${JSON.stringify(headers)} ${body?.slice(0, 30)}: ${error.message}`,
              );
            },
          );
          const declared = op.responses[String(res.status)];
          const where = `${method.toUpperCase()} ${path} ${JSON.stringify(headers).slice(0, 60)} ${body?.slice(0, 20) ?? ''} → ${res.status}`;
          if (!declared) {
            undeclared.push(where);
            continue;
          }
          if (res.status >= 400) {
            const type = res.json().type as string;
            if (!typesOf(declared).includes(type)) undeclared.push(`${where} ${type}`);
          }
        }
      }
      expect(undeclared).toEqual([]);
    });
  });
});

function roleFor(path: string): Role {
  if (path.startsWith('/v1/mailboxes') || path.startsWith('/v1/paypal-orders')) return 'webmail';
  if (path.startsWith('/v1/bank-statements')) return 'importer';
  if (path.startsWith('/v1/reports')) return 'admin';
  return 'staff';
}
