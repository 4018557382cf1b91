/**
 * npm run bench:load — a mixed workload against the service on loopback: code
 * issuance, balance reads, cash letters paying issued codes, and a bank
 * statement upload in the middle of the run, at 50 connections for 30 s.
 * Last line: requests=<n> errors=<n> p99_ms=<n>. Target: zero errors.
 * Options: BENCH_SECONDS (default 30), BENCH_CONNECTIONS (default 50),
 * BENCH_IMPORT_ENTRIES (default 20000).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort, startService } from './bench-service';
import { generateCamt053 } from './camt-generate';
import { dayOf } from '../src/common/day';
import { benchDir } from './bench-dir';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const IMPORT_ENTRIES = Number(process.env.BENCH_IMPORT_ENTRIES ?? 20_000);
const MAILBOXES = 2000;

async function main(): Promise<void> {
  const dir = benchDir('billing-load-');
  const port = await freePort();
  const keys = Object.fromEntries(
    ['webmail', 'staff', 'importer'].map((role) => [role, randomBytes(24).toString('hex')]),
  );
  const service = await startService(dir, port, keys, {
    BANK_UPLOAD_LIMIT_BYTES: String(1024 * 1024 * 1024),
  });
  const base = `http://127.0.0.1:${port}`;
  const as = (role: string) => ({
    authorization: `Bearer ${keys[role]}`,
    'content-type': 'application/json',
  });
  try {
    const ids = Array.from({ length: MAILBOXES }, (_, i) => `load-${i}`);
    for (const id of ids) {
      const res = await fetch(`${base}/v1/mailboxes/${id}`, {
        method: 'PUT',
        headers: { authorization: as('webmail').authorization },
      });
      if (res.status !== 201) throw new Error(`registering answered ${res.status}`);
    }
    // Codes for the cash letters, issued before the run.
    const codes: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const res = await fetch(`${base}/v1/mailboxes/${ids[i % MAILBOXES]}/topup-codes`, {
        method: 'POST',
        headers: as('webmail'),
        body: '{}',
      });
      codes.push(((await res.json()) as { code: string }).code);
    }
    const statement = join(dir, 'statement.xml');
    generateCamt053({ entries: IMPORT_ENTRIES, out: statement });

    let n = 0;
    let letter = 0;
    const run = autocannon({
      url: base,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [
        {
          setupRequest: (request) => {
            const i = n++;
            const id = ids[i % MAILBOXES];
            switch (i % 4) {
              case 0:
                return {
                  ...request,
                  method: 'POST',
                  path: `/v1/mailboxes/${id}/topup-codes`,
                  headers: as('webmail'),
                  body: '{"country":"DE"}',
                };
              case 1:
              case 2:
                return {
                  ...request,
                  method: 'GET',
                  path: `/v1/mailboxes/${id}`,
                  headers: as('webmail'),
                };
              default: {
                // Each code is paid once, then again: credited, then unmatched (unknown-code).
                const code = codes[letter++ % codes.length];
                const body = JSON.stringify({
                  code,
                  amountMinor: 500,
                  currency: 'EUR',
                  receivedOn: dayOf(new Date()),
                });
                return {
                  ...request,
                  method: 'POST',
                  path: '/v1/cash-payments',
                  headers: as('staff'),
                  body,
                };
              }
            }
          },
        },
      ],
    });

    // The bank import lands in the middle of the run.
    await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 3));
    const started = Date.now();
    const upload = await fetch(`${base}/v1/bank-statements`, {
      method: 'POST',
      headers: { authorization: as('importer').authorization, 'content-type': 'application/xml' },
      body: readFileSync(statement),
    });
    const report = await upload.json();
    console.log(
      `bank import during the run: ${upload.status} in ${Date.now() - started} ms: ${JSON.stringify(report)}`,
    );

    const result = await run;
    const errors =
      result.errors + result.timeouts + result.non2xx + (upload.status === 201 ? 0 : 1);
    console.log(
      `${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
    );
    console.log(
      `requests=${result.requests.total + 1} errors=${errors} p99_ms=${result.latency.p99}`,
    );
  } finally {
    service.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
