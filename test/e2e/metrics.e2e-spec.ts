import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { generateCode } from '../../src/codes/code-format';
import { KeyedHash } from '../../src/config/keyed-hash';
import { MetricsServer } from '../../src/metrics/metrics.server';
import { redeemedCodes, runFullFlow, spellings } from '../privacy/support/full-flow';
import { aCashPayment, aMailboxId, issueCode, registerMailbox } from '../support/builders';
import { aCamtDocument } from '../support/camt-builder';
import { settleNow } from '../support/settle';
import { startTestApp, TestApp } from '../support/test-app';
import { onPostgres } from '../support/test-database';
import { EventDelivery } from '../../src/events/event-delivery';
import { BankInboxJob } from '../../src/bank/bank-inbox.job';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

async function scrape(t: TestApp): Promise<string> {
  const port = t.app.get(MetricsServer).port;
  if (port === undefined) throw new Error('metrics are not served');
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

/** The samples of a Prometheus text exposition (no escaped quotes occur in ours). */
function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not a sample: ${line}`);
      const labels = Object.fromEntries(
        [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]),
      );
      return { name: m[1], labels, value: Number(m[3]) };
    });
}

/** The value of the one sample with this name and these labels; undefined when there is none. */
function value(all: Sample[], name: string, labels: Record<string, string> = {}) {
  const found = all.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length}`);
  return found[0]?.value;
}

const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

describe('metrics', () => {
  describe('after cash letters, a bank import, code issuance and a settlement', () => {
    let t: TestApp;
    let other: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        env: {
          METRICS_PORT: '0',
          // Nothing listens there: every delivery fails, and the outbox keeps its events.
          WEBMAIL_WEBHOOK_URL: 'http://127.0.0.1:9/events',
          WEBMAIL_WEBHOOK_SECRET: WEBHOOK_SECRET,
        },
      });
      other = await startTestApp({ db: t.db, env: { METRICS_PORT: '0' } });
    });
    afterAll(async () => {
      await other.close();
      await t.close();
    });

    it('count what the flow did, by channel, outcome, route and status', async () => {
      const [m1, m2, m3] = [
        await registerMailbox(t),
        await registerMailbox(t),
        await registerMailbox(t),
      ];
      const [c1, b2, b3] = [await issueCode(t, m1), await issueCode(t, m2), await issueCode(t, m3)];
      const letter = (code: string, amountMinor: number) =>
        t.http
          .post('/v1/cash-payments')
          .set(t.auth('staff'))
          .send(aCashPayment({ code, amountMinor }));
      expect((await letter(c1, 1200)).body.status).toBe('credited');
      expect((await letter(generateCode(), 500)).body).toMatchObject({
        status: 'unmatched',
        reason: 'unknown-code',
      });

      let all = samples(await scrape(t));
      // The letter's credit waits for the settlement; the readiness watch starts on it.
      expect(value(all, 'billing_settlement_pending', { rows: 'credits' })).toBe(1);
      expect(value(all, 'billing_settlement_pending', { rows: 'payments' })).toBe(0);
      expect(value(all, 'billing_credits_today', { channel: 'cash' })).toBe(1);

      const upload = await t.http
        .post('/v1/bank-statements')
        .set(t.auth('importer'))
        .set('content-type', 'application/xml')
        .send(
          aCamtDocument([
            { amount: '15.00', ustrd: [b2] },
            { amount: '25.00', ustrd: [b3] },
            { amount: '7.00', ustrd: ['Spende'] },
          ]),
        );
      expect(upload.status).toBe(201);
      expect(upload.body.credits).toEqual({ credited: 2, unmatched: 1, duplicate: 0 });
      const run = await settleNow(t);
      expect(run.credits).toBe(1);
      const delivery = await t.app.get(EventDelivery).tick();
      expect(delivery).toMatchObject({ delivered: 0, failed: 1 });
      await t.http.get(`/v1/mailboxes/${encodeURIComponent(m1)}/nowhere`).set(t.auth('webmail'));

      all = samples(await scrape(t));
      const credited = (channel: string) => [
        value(all, 'billing_credits_today', { channel }),
        value(all, 'billing_credits_today_amount_minor', { channel }),
      ];
      expect(credited('cash')).toEqual([1, 1200]);
      expect(credited('bank')).toEqual([2, 4000]);
      expect(all.filter((s) => s.name === 'billing_credits_today')).toHaveLength(2);
      const unmatched = (channel: string, reason: string) => [
        value(all, 'billing_unmatched_payments', { channel, reason, currency: 'EUR' }),
        value(all, 'billing_unmatched_payments_amount_minor', { channel, reason, currency: 'EUR' }),
      ];
      expect(unmatched('cash', 'unknown-code')).toEqual([1, 500]);
      expect(unmatched('bank', 'no-code')).toEqual([1, 700]);
      expect(all.filter((s) => s.name === 'billing_unmatched_payments')).toHaveLength(2);
      expect(value(all, 'billing_settlement_pending', { rows: 'credits' })).toBe(0);
      expect(value(all, 'billing_settlement_oldest_pending_seconds')).toBe(0);

      expect(value(all, 'billing_bank_import_entries_total', { source: 'upload' })).toBe(3);
      expect(value(all, 'billing_bank_import_duration_seconds_count', { source: 'upload' })).toBe(
        1,
      );
      const rate = value(all, 'billing_bank_import_entries_per_second', { source: 'upload' })!;
      const seconds = value(all, 'billing_bank_import_duration_seconds_sum', { source: 'upload' })!;
      expect(rate).toBeCloseTo(3 / seconds, 3);

      expect(value(all, 'billing_settlement_duration_seconds_count')).toBe(1);
      expect(value(all, 'billing_settlement_batch_size_count', { rows: 'credits' })).toBe(1);
      expect(value(all, 'billing_settlement_batch_size_sum', { rows: 'credits' })).toBe(1);
      expect(value(all, 'billing_settlement_last_success_timestamp_seconds')).toBeGreaterThan(
        Date.now() / 1000 - 60,
      );

      // Three mailboxes credited, one event each; the receiver is down.
      expect(value(all, 'billing_webhook_outbox_backlog')).toBe(3);
      expect(value(all, 'billing_webhook_deliveries_total', { outcome: 'failed' })).toBe(1);
      expect(value(all, 'billing_webhook_deliveries_total', { outcome: 'delivered' })).toBe(0);

      const requests = (method: string, route: string, status: string) =>
        value(all, 'http_request_duration_seconds_count', { method, route, status });
      expect(requests('PUT', '/v1/mailboxes/:mailboxId', '201')).toBe(3);
      expect(requests('POST', '/v1/mailboxes/:mailboxId/topup-codes', '201')).toBe(3);
      expect(requests('POST', '/v1/cash-payments', '201')).toBe(2);
      expect(requests('POST', '/v1/bank-statements', '201')).toBe(1);
      expect(requests('GET', '(no route)', '404')).toBe(1);

      expect(value(all, 'billing_db_group_commit_queue_depth')).toBe(0);
      if (onPostgres) {
        expect(value(all, 'billing_db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
        expect(value(all, 'billing_db_pool_waiting')).toBe(0);
      } else {
        expect(all.some((s) => s.name.startsWith('billing_db_pool'))).toBe(false);
      }
      expect(value(all, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(value(all, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
    });

    it('keep one registry per app: a second instance counts its own requests, reads the same database', async () => {
      const mailbox = await registerMailbox(other);
      await issueCode(other, mailbox);
      const mine = samples(await scrape(other));
      const theirs = samples(await scrape(t));
      const issued = {
        method: 'POST',
        route: '/v1/mailboxes/:mailboxId/topup-codes',
        status: '201',
      };
      expect(value(mine, 'http_request_duration_seconds_count', issued)).toBe(1);
      expect(value(theirs, 'http_request_duration_seconds_count', issued)).toBe(3);
      expect(value(mine, 'billing_credits_today', { channel: 'bank' })).toBe(2);
    });

    it('serve nothing but GET /metrics on their port', async () => {
      const port = t.app.get(MetricsServer).port!;
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(
        404,
      );
      // And not on the service's own port.
      expect((await t.http.get('/metrics')).status).toBe(404);
    });
  });

  it('time the inbox import of a file that was read whole, not one that was refused', async () => {
    const inbox = mkdtempSync(join(tmpdir(), 'billing-inbox-'));
    const t = await startTestApp({ env: { METRICS_PORT: '0', BANK_INBOX_DIR: inbox } });
    try {
      const quiet = (name: string, content: string) => {
        writeFileSync(join(inbox, name), content);
        const long = new Date(Date.now() - 60_000);
        utimesSync(join(inbox, name), long, long);
      };
      quiet('a.xml', aCamtDocument([{ ustrd: ['Spende'] }, { ustrd: ['Miete'] }]));
      quiet('broken.xml', '<Document><Ntry>');
      expect(await t.app.get(BankInboxJob).tick()).toMatchObject({ imported: 1, failed: 1 });
      const all = samples(await scrape(t));
      expect(value(all, 'billing_bank_import_entries_total', { source: 'inbox' })).toBe(2);
      expect(value(all, 'billing_bank_import_duration_seconds_count', { source: 'inbox' })).toBe(1);
      expect(value(all, 'billing_bank_import_entries_total', { source: 'upload' })).toBe(0);
      expect(
        value(all, 'billing_unmatched_payments', {
          channel: 'bank',
          reason: 'no-code',
          currency: 'EUR',
        }),
      ).toBe(2);
    } finally {
      await t.close();
      rmSync(inbox, { recursive: true, force: true });
    }
  });

  it('count each payment taken once its transaction committed, by channel and outcome, never one rolled back', async () => {
    const t = await startTestApp({ env: { METRICS_PORT: '0' } });
    try {
      const id = await registerMailbox(t);
      const [cash, bank] = [await issueCode(t, id), await issueCode(t, id)];
      const letter = (code: string, amountMinor: number) =>
        t.http
          .post('/v1/cash-payments')
          .set(t.auth('staff'))
          .send(aCashPayment({ code, amountMinor }));
      expect((await letter(cash, 1200)).body.status).toBe('credited');
      expect((await letter(generateCode(), 500)).body.status).toBe('unmatched');
      const send = (xml: string) =>
        t.http
          .post('/v1/bank-statements')
          .set(t.auth('importer'))
          .set('content-type', 'application/xml')
          .send(xml);
      const statement = aCamtDocument([
        { amount: '15.00', ustrd: [bank] },
        { amount: '7.00', ustrd: ['Spende'] },
      ]);
      expect((await send(statement)).body.credits).toEqual({
        credited: 1,
        unmatched: 1,
        duplicate: 0,
      });
      expect((await send(statement)).body.credits).toEqual({
        credited: 0,
        unmatched: 0,
        duplicate: 2,
      });
      // Refused at its 300th entry: those before it were taken in (the reader
      // yields them chunk by chunk), then rolled back with their one part.
      const refused = await send(
        aCamtDocument(
          Array.from({ length: 300 }, (_, i) => ({
            amount: '9.00',
            ustrd: [`Spende ${i}`],
            status: i === 299 ? null : ('BOOK' as const),
          })),
          { type: '052' },
        ),
      );
      expect(refused.status).toBe(422);
      expect(refused.body.detail).not.toMatch(/imported in/);

      const all = samples(await scrape(t));
      const taken = (channel: string, outcome: string) => [
        value(all, 'billing_payments_taken_total', { channel, outcome }),
        value(all, 'billing_payments_taken_amount_minor_total', { channel, outcome }),
      ];
      expect(taken('cash', 'credited')).toEqual([1, 1200]);
      expect(taken('cash', 'unmatched')).toEqual([1, 500]);
      expect(taken('bank', 'credited')).toEqual([1, 1500]);
      expect(taken('bank', 'unmatched')).toEqual([1, 700]);
      expect(taken('bank', 'duplicate')).toEqual([2, 2200]);
      expect(all.filter((s) => s.name === 'billing_payments_taken_total')).toHaveLength(5);
    } finally {
      await t.close();
    }
  });

  it('are not served without METRICS_PORT', async () => {
    const t = await startTestApp();
    try {
      expect(t.app.get(MetricsServer).port).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('hold nothing of a whole flow that names a person, in any label value or anywhere else', async () => {
    const t = await startTestApp({ env: { METRICS_PORT: '0' } });
    try {
      const trace = await runFullFlow(t);
      const hash = t.app.get(KeyedHash);
      const body = await scrape(t);
      const codes = [...redeemedCodes(trace), trace.openCode, trace.lateCode, trace.misread];
      const needles = [
        ...codes.flatMap(spellings),
        ...codes.map((code) => hash.code(code.replaceAll('-', ''))),
        ...trace.mailboxIds.flatMap((id) => [id, encodeURIComponent(id), hash.mailbox(id)]),
        ...trace.payers.flatMap((p) => [p.name, p.iban, p.iban.match(/.{1,4}/g)!.join(' ')]),
        ...trace.apiKeys,
      ];
      const found = (text: string) =>
        needles.filter((needle) => text.toLowerCase().includes(needle.toLowerCase()));

      const all = samples(body);
      // The flow left its traces: requests by route, payments by channel, the probe can see.
      expect(
        all.filter((s) => s.name === 'http_request_duration_seconds_count').length,
      ).toBeGreaterThan(5);
      expect(value(all, 'billing_credits_today', { channel: 'bank' })).toBeGreaterThan(0);
      expect(found(`${body}\n${trace.mailboxIds[0]}`)).toEqual([trace.mailboxIds[0]]);

      expect(found(body)).toEqual([]);
      const labelValues = [...new Set(all.flatMap((s) => Object.values(s.labels)))];
      for (const label of labelValues) expect(found(label), label).toEqual([]);
      // Routes are patterns the router knows, never a URL as it came.
      const routes = new Set(all.flatMap((s) => (s.labels.route ? [s.labels.route] : [])));
      for (const route of routes) expect(route).toMatch(/^(\/[\w.:*-]*)+$|^\(no route\)$/);
      expect(routes).toContain('/v1/mailboxes/:mailboxId');
      expect(routes).toContain('(no route)');
    } finally {
      await t.close();
    }
  }, 120_000);
});

describe('health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SETTLE_INTERVAL_SECONDS: '1', METRICS_PORT: '0' } });
  });
  afterAll(() => t.close());

  it('answers liveness and readiness, each with its checks', async () => {
    expect((await t.http.get('/health/live')).body).toEqual({ status: 'ok' });
    const ready = await t.http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ok',
      checks: { database: 'ok', migrations: 'ok', settlement: 'ok' },
    });
  });

  it('is not ready while a committed migration has not run; alive, and /health as before', async () => {
    const [last] = await t.sql<{ id: number; timestamp: number | string; name: string }>(
      'SELECT id, timestamp, name FROM migrations ORDER BY timestamp DESC LIMIT 1',
    );
    await t.sql('DELETE FROM migrations WHERE name = $1', [last.name]);
    try {
      const ready = await t.http.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.detail).toBe('not ready: 1 migration(s) not run');
      expect((await t.http.get('/health/live')).status).toBe(200);
      expect((await t.http.get('/health')).status).toBe(200);
    } finally {
      await t.sql('INSERT INTO migrations (id, timestamp, name) VALUES ($1, $2, $3)', [
        last.id,
        last.timestamp,
        last.name,
      ]);
    }
    expect((await t.http.get('/health/ready')).status).toBe(200);
  });

  it('is not ready once a credit has waited three settlement intervals; ready again after a settlement', async () => {
    const mailbox = await registerMailbox(t, aMailboxId());
    const code = await issueCode(t, mailbox);
    const letter = await t.http
      .post('/v1/cash-payments')
      .set(t.auth('staff'))
      .send(aCashPayment({ code }));
    expect(letter.body.status).toBe('credited');
    // Seen waiting now; the service runs no schedule here, so nothing settles it.
    expect((await t.http.get('/health/ready')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 3200));
    const stuck = await t.http.get('/health/ready');
    expect(stuck.status).toBe(503);
    expect(stuck.body.detail).toMatch(
      /^not ready: the settlement is stuck: a row has waited \d+ s$/,
    );
    const waited = value(samples(await scrape(t)), 'billing_settlement_oldest_pending_seconds')!;
    expect(waited).toBeGreaterThan(3);
    expect((await t.http.get('/health/live')).status).toBe(200);

    await settleNow(t);
    expect((await t.http.get('/health/ready')).status).toBe(200);
    expect(value(samples(await scrape(t)), 'billing_settlement_oldest_pending_seconds')).toBe(0);
  });

  it('is not ready while the database refuses writes (read-only), alive all the while', async () => {
    const readOnly = async (on: boolean) => {
      const dataSource = t.app.get(DataSource);
      if (t.db.dialect === 'sqlite') {
        const db = (dataSource.driver as unknown as { databaseConnection: BetterSqlite3.Database })
          .databaseConnection;
        db.pragma(`query_only = ${on ? 'ON' : 'OFF'}`);
        return;
      }
      const client = new Client({ connectionString: t.db.url });
      await client.connect();
      await client.query('SET default_transaction_read_only = off');
      const name = new URL(t.db.url).pathname.slice(1);
      await client.query(
        `ALTER DATABASE ${name} SET default_transaction_read_only = ${on ? 'on' : 'off'}`,
      );
      await client.end();
      // New sessions pick up the changed default; pooled ones keep the old.
      await dataSource.destroy();
      await dataSource.initialize();
    };
    await readOnly(true);
    try {
      const ready = await t.http.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.detail).toMatch(/^not ready: /);
      expect((await t.http.get('/health/live')).status).toBe(200);
    } finally {
      await readOnly(false);
    }
    expect((await t.http.get('/health/ready')).status).toBe(200);
    // The metrics read the new pool after the reconnection.
    expect(value(samples(await scrape(t)), 'billing_db_group_commit_queue_depth')).toBe(0);
  });

  it('is alive but not ready once the database is gone', async () => {
    const gone = await startTestApp();
    try {
      await gone.app.get(DataSource).destroy();
      const ready = await gone.http.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.detail).toMatch(/^not ready: the database/);
      expect((await gone.http.get('/health/live')).body).toEqual({ status: 'ok' });
    } finally {
      await gone.close().catch(() => undefined);
    }
  });
});
