import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenKeys } from '../../src/tokens/token-keys.service';
import { TopupClient } from '../../src/tokens/client/topup-client';
import { aCashPayment, registerMailbox } from '../support/builders';
import { onPostgres } from '../support/test-database';
import { startTestApp, TestApp } from '../support/test-app';
import { MemoryStorage } from '../support/token-client';

/** One HTTP exchange as an observer of the service's traffic saw it, bodies included. */
interface Exchange {
  method: string;
  url: string;
  request: unknown;
  status: number;
  response: string;
}

const USERS = 6;
const AMOUNT = 500;

/** A seeded shuffle: redemptions come in an order of their own, as the page's random delays make it. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * The observer: everything it holds cut into values (strings of 8+
 * characters; codes without separators; base64url and hex decoded, with every
 * 32-byte window of what they decode to, so a nonce or key id inside a token
 * is found), items joined when they share a value that few items hold. A
 * reserve and a mailbox in one joined group are a pair.
 */
function pairUp(items: string[][], reserves: string[], mailboxes: string[]): Map<string, string> {
  const values = items.map((item) => new Set(item.flatMap(expand)));
  const holders = new Map<string, number[]>();
  values.forEach((set, i) => set.forEach((v) => holders.set(v, [...(holders.get(v) ?? []), i])));
  const parent = items.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (const held of holders.values()) {
    // A value held by as many items as there are users (a day, a key id, the
    // IBAN) is shared across users and names no one.
    if (held.length < 2 || held.length >= reserves.length) continue;
    for (const i of held.slice(1)) parent[find(i)] = find(held[0]);
  }
  const groupOf = (needle: string) =>
    new Set(values.flatMap((set, i) => (set.has(needle) ? [find(i)] : [])));
  const pairs = new Map<string, string>();
  for (const reserve of reserves) {
    const groups = groupOf(reserve.replace(/-/g, ''));
    const linked = mailboxes.filter((m) => [...groupOf(m)].some((g) => groups.has(g)));
    if (linked.length === 1) pairs.set(reserve, linked[0]);
  }
  return pairs;
}

function expand(value: string): string[] {
  const out: string[] = [];
  const add = (v: string) => v.length >= 8 && out.push(v);
  add(value);
  if (/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2,4}$/.test(value)) add(value.replace(/-/g, ''));
  let bytes: Buffer | undefined;
  if (/^[0-9a-f]{32,}$/.test(value)) bytes = Buffer.from(value, 'hex');
  else if (/^[A-Za-z0-9_-]{40,}$/.test(value)) bytes = Buffer.from(value, 'base64url');
  if (bytes) {
    add(bytes.toString('hex'));
    for (let i = 0; i + 32 <= bytes.length; i++) add(bytes.subarray(i, i + 32).toString('hex'));
  }
  return out;
}

/** Every string in a JSON value, a URL's decoded path segments, a log line's members. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') {
    if (value.startsWith('/')) return value.split(/[/?&=]/).map(decodeURIComponent);
    try {
      const parsed: unknown = JSON.parse(value);
      if (parsed !== null && typeof parsed === 'object') return strings(parsed);
    } catch {
      // not JSON: the string itself
    }
    return [value];
  }
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

describe('an observer holding the database, every log line and every HTTP exchange', () => {
  let t: TestApp;
  const exchanges: Exchange[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      logLevel: 'debug',
      env: { TOKEN_DENOMINATIONS_MINOR: '100,500' },
    });
    await t.app.get(TokenKeys).live();
  }, 120_000);
  afterAll(async () => t?.close());

  /** supertest, recording what the service saw and answered. */
  async function send(
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const call = t.http[method.toLowerCase() as 'get' | 'post' | 'put'](url).set(headers);
    const res = body === undefined ? await call : await call.send(body as object);
    exchanges.push({ method, url, request: body ?? null, status: res.status, response: res.text });
    return res;
  }

  function recordingClient(): TopupClient {
    const recordingFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const res = await send(
        init?.method === 'POST' ? 'POST' : 'GET',
        String(input),
        init?.body === undefined ? undefined : JSON.parse(init.body as string),
      );
      return new Response(res.text, { status: res.status });
    }) as typeof fetch;
    return new TopupClient({ storage: new MemoryStorage(), fetch: recordingFetch });
  }

  async function everything(): Promise<string[][]> {
    const tables = onPostgres
      ? await t.sql<{ name: string }>(
          `SELECT table_name AS name FROM information_schema.tables
            WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
        )
      : await t.sql<{ name: string }>(
          "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        );
    const rows: string[][] = [];
    for (const { name } of tables) {
      for (const row of await t.sql(`SELECT * FROM ${name}`))
        rows.push(strings(Object.values(row).map((v) => (v === null ? '' : String(v)))));
    }
    return [
      ...exchanges.map((e) => strings([e.url, e.request, e.response])),
      ...t.logs.map((line) => strings(line)),
      ...rows,
    ];
  }

  it('pairs every code-flow top-up with its mailbox (the probe can see a link)', async () => {
    exchanges.length = 0;
    const truth = new Map<string, string>();
    const webmail = t.auth('webmail');
    for (let i = 0; i < USERS; i++) {
      const mailbox = await registerMailbox(t);
      const issued = await send(
        'POST',
        `/v1/mailboxes/${encodeURIComponent(mailbox)}/topup-codes`,
        {},
        webmail,
      );
      truth.set(issued.body.code as string, mailbox);
    }
    for (const code of shuffled([...truth.keys()], 7))
      await send(
        'POST',
        '/v1/cash-payments',
        aCashPayment({ code, amountMinor: AMOUNT }),
        t.auth('staff'),
      );
    const pairs = pairUp(await everything(), [...truth.keys()], [...truth.values()]);
    expect(pairs.size).toBe(USERS);
    for (const [code, mailbox] of pairs) expect(truth.get(code)).toBe(mailbox);
  });

  it('pairs no reserve with its mailbox in the token flow, users withdrawing and redeeming interleaved', async () => {
    exchanges.length = 0;
    t.logs.length = 0;
    const users = await Promise.all(
      Array.from({ length: USERS }, async () => ({
        client: recordingClient(),
        mailbox: await registerMailbox(t),
      })),
    );
    const reserves: string[] = [];
    for (const user of users) reserves.push((await user.client.createReserve()).code);
    for (const i of shuffled([...users.keys()], 11))
      await send(
        'POST',
        '/v1/cash-payments',
        aCashPayment({ code: reserves[i], amountMinor: AMOUNT }),
        t.auth('staff'),
      );
    const held = new Map<number, string[]>();
    for (const i of shuffled([...users.keys()], 13)) {
      const tokens = await users[i].client.withdraw(reserves[i], AMOUNT);
      expect(tokens.map((x) => x.amountMinor)).toEqual([AMOUNT]);
      held.set(
        i,
        tokens.map((x) => x.token),
      );
    }
    for (const i of shuffled([...users.keys()], 17)) {
      const res = await send(
        'POST',
        `/v1/mailboxes/${encodeURIComponent(users[i].mailbox)}/token-redemptions`,
        { tokens: held.get(i) },
        t.auth('webmail'),
      );
      expect(res.status).toBe(201);
    }
    const pairs = pairUp(
      await everything(),
      reserves,
      users.map((u) => u.mailbox),
    );
    expect([...pairs]).toEqual([]);
  });
});
