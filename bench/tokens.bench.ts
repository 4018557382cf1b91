/**
 * npm run bench:tokens — blind signing over HTTP beside node:crypto's raw RSA
 * operations, measured in the same run on this machine:
 *
 * - raw_private_per_s: RSA-2048 private operations (CRT, no padding) in this process;
 * - sign_per_s: tokens signed by the service (one process, one main thread) through
 *   POST /v1/token-withdrawals, 100 blinded requests per call, reserve debited each time;
 * - verify_per_s: tokens verified as redemption does (RSASSA-PSS, SHA-384), beside
 *   raw public operations;
 * - withdraw_to_redeem_ms: what a user waits from "withdraw" to "redeemed" without the
 *   privacy delay: directory, blinding, withdrawal, finalizing, redemption (median of 5).
 *
 * Last line: sign_per_s= vs_raw_private= verify_per_s= withdraw_to_redeem_ms=
 */
import {
  constants,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { TokenChallenge, TOKEN_TYPES, publicVerif } from '@cloudflare/privacypass-ts';
import { verifySignature } from '../src/tokens/blind-rsa';
import { TopupClient, fromBase64url, toBase64url } from '../src/tokens/client/topup-client';
import { parseToken } from '../src/tokens/private-token';
import { freePort, startService } from './bench-service';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const BATCH = 100;

function rate(seconds: number, op: () => void): number {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    op();
    n++;
  }
  return n / seconds;
}

function rawRates(seconds: number): { privatePerS: number; publicPerS: number } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const message = Buffer.concat([Buffer.from([0]), randomBytes(255)]);
  const signature = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, message);
  return {
    privatePerS: rate(seconds, () =>
      privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, message),
    ),
    publicPerS: rate(seconds, () =>
      publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature),
    ),
  };
}

function run(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((done, fail) => {
    autocannon(options, (error, result) => (error ? fail(error) : done(result)));
  });
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${text}`);
  return JSON.parse(text) as T;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'billing-bench-tokens-'));
  const port = await freePort();
  const keys = { webmail: randomBytes(24).toString('hex'), staff: randomBytes(24).toString('hex') };
  const service = await startService(dir, port, keys, {
    TOKEN_DENOMINATIONS_MINOR: '1,100,500,1000',
    PAYMENT_LIMIT_MINOR: '1000000000',
    CASH_LIMIT_MINOR: '1000000000',
    RESERVE_ISSUE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
  });
  const base = `http://127.0.0.1:${port}`;
  const staff = { authorization: `Bearer ${keys.staff}`, 'content-type': 'application/json' };
  const webmail = { authorization: `Bearer ${keys.webmail}`, 'content-type': 'application/json' };
  const client = new TopupClient({ baseUrl: base });
  const pay = async (code: string, amountMinor: number) =>
    json(
      await fetch(`${base}/v1/cash-payments`, {
        method: 'POST',
        headers: staff,
        body: JSON.stringify({
          code,
          amountMinor,
          currency: 'EUR',
          receivedOn: new Date().toISOString().slice(0, 10),
        }),
      }),
    );
  try {
    const raw = rawRates(Math.min(SECONDS, 5));
    process.stdout.write(
      `raw RSA-2048: private ${raw.privatePerS.toFixed(0)}/s, public ${raw.publicPerS.toFixed(0)}/s\n`,
    );

    // Signing: one reserve with room for every token, 100 blinded requests per call.
    const reserve = await client.createReserve();
    await pay(reserve.code, 900_000_000);
    const directory = await client.directory();
    const unit = directory['token-keys'].find((k) => k.denomination.amountMinor === 1)!;
    const challenge = new TokenChallenge(
      TOKEN_TYPES.BLIND_RSA.value,
      directory['issuer-name'],
      new Uint8Array(0),
    );
    const requests: string[] = [];
    for (let i = 0; i < BATCH; i++) {
      const c = new publicVerif.Client(publicVerif.BlindRSAMode.PSS);
      const request = await c.createTokenRequest(challenge, fromBase64url(unit['token-key']));
      requests.push(toBase64url(request.serialize()));
    }
    const result = await run({
      url: `${base}/v1/token-withdrawals`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: reserve.code, tokenRequests: requests }),
      connections: 4,
      duration: SECONDS,
    });
    const okCalls = result['2xx'];
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`withdrawals failed: ${result.non2xx} non-2xx, ${result.errors} errors`);
    const signPerS = (okCalls * BATCH) / SECONDS;
    process.stdout.write(
      `signed over HTTP: ${signPerS.toFixed(0)} tokens/s (${okCalls} calls of ${BATCH}, p99 ${result.latency.p99} ms)\n`,
    );

    // Verifying: real tokens, verified as redemption does.
    const small = await client.createReserve();
    await pay(small.code, 1700);
    const held = await client.withdraw(small.code, 1700);
    const sample = parseToken(Buffer.from(held[0].token, 'base64url'))!;
    const { createPublicKey } = await import('node:crypto');
    const tokenKey = directory['token-keys'].find(
      (k) => k.denomination.amountMinor === held[0].amountMinor,
    )!;
    const publicKey = createPublicKey({
      key: Buffer.from(tokenKey['token-key'], 'base64url'),
      format: 'der',
      type: 'spki',
    });
    if (!verifySignature(publicKey, sample.input, sample.authenticator))
      throw new Error('a token did not verify');
    const verifyPerS = rate(Math.min(SECONDS, 5), () =>
      verifySignature(publicKey, sample.input, sample.authenticator),
    );
    process.stdout.write(
      `verified: ${verifyPerS.toFixed(0)} tokens/s (${(verifyPerS / raw.publicPerS).toFixed(2)} of raw public)\n`,
    );

    // A user's wait, without the privacy delay: 17.00 EUR as four tokens.
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await client.createReserve();
      await pay(r.code, 1700);
      const mailbox = `bench-${i}-${randomBytes(4).toString('hex')}`;
      await fetch(`${base}/v1/mailboxes/${mailbox}`, {
        method: 'PUT',
        headers: { authorization: webmail.authorization },
      });
      const started = performance.now();
      const tokens = await client.withdraw(r.code, 1700);
      await json(
        await fetch(`${base}/v1/mailboxes/${mailbox}/token-redemptions`, {
          method: 'POST',
          headers: webmail,
          body: JSON.stringify({ tokens: tokens.map((t) => t.token) }),
        }),
      );
      waits.push(performance.now() - started);
    }
    const wait = waits.sort((a, b) => a - b)[2];
    process.stdout.write(`withdraw to redeemed: ${waits.map((w) => w.toFixed(0)).join(', ')} ms\n`);
    process.stdout.write(
      `sign_per_s=${signPerS.toFixed(0)} vs_raw_private=${(signPerS / raw.privatePerS).toFixed(2)} verify_per_s=${verifyPerS.toFixed(0)} withdraw_to_redeem_ms=${wait.toFixed(0)}\n`,
    );
  } finally {
    service.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:tokens: ${(error as Error).stack}\n`);
  process.exit(1);
});
