/// <reference lib="dom" />
/**
 * The browser side of blind-signed top-ups, as a module the webmail front end
 * can import too. It asks for a reserve, reads its balance, withdraws tokens
 * (blinding and finalizing with the Privacy Pass library: the blinding factor
 * never leaves this code) and keeps them in storage until they are redeemed.
 * No mailbox id ever passes through here.
 */
import { publicVerif, TokenChallenge, TOKEN_TYPES } from '@cloudflare/privacypass-ts';

export interface Money {
  amountMinor: number;
  currency: string;
}

export interface IssuedReserve {
  code: string;
  expiresOn: string;
  transfer: { creditorName: string; iban: string; bic: string; remittance: string };
  epcQr: string;
}

export interface DirectoryKey {
  'token-type': number;
  'token-key': string;
  'not-before': number;
  denomination: Money;
  'sign-until': number;
  'redeem-until': number;
}

export interface IssuerDirectory {
  'issuer-request-uri': string;
  'issuer-name': string;
  'token-keys': DirectoryKey[];
  'redeem-delay-max-seconds': number;
}

/** What the client keeps of a token until it is redeemed: the token and its value. */
export interface HeldToken {
  token: string;
  amountMinor: number;
}

export interface TopupClientOptions {
  /** Where the billing service answers; '' for the page's own origin. */
  baseUrl?: string;
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  fetch?: typeof fetch;
}

const TOKENS_KEY = 'billing.tokens';

export class TopupClient {
  private readonly base: string;
  private readonly storage?: TopupClientOptions['storage'];
  private readonly fetch: typeof fetch;

  constructor(options: TopupClientOptions = {}) {
    this.base = options.baseUrl ?? '';
    this.storage = options.storage;
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  createReserve(): Promise<IssuedReserve> {
    return this.post<IssuedReserve>('/v1/token-reserves', {});
  }

  reserveBalance(code: string): Promise<{ balance: Money; expiresOn: string }> {
    return this.post('/v1/token-reserves/balance', { code });
  }

  async directory(): Promise<IssuerDirectory> {
    const res = await this.fetch(`${this.base}/.well-known/private-token-issuer-directory`);
    if (!res.ok) throw new Error(`issuer directory: ${res.status}`);
    return (await res.json()) as IssuerDirectory;
  }

  /**
   * Withdraws tokens worth at most `amountMinor` from the reserve: the largest
   * denominations first, each blinded here; the reserve keeps what no
   * denomination fits. Returns the tokens, already in storage.
   */
  async withdraw(code: string, amountMinor: number): Promise<HeldToken[]> {
    const directory = await this.directory();
    const now = Date.now() / 1000;
    const signing = directory['token-keys'].filter(
      (k) =>
        k['token-type'] === TOKEN_TYPES.BLIND_RSA.value &&
        k['not-before'] <= now &&
        now < k['sign-until'],
    );
    const values = split(
      amountMinor,
      signing.map((k) => k.denomination.amountMinor),
    );
    if (values.length === 0) return [];
    const challenge = new TokenChallenge(
      TOKEN_TYPES.BLIND_RSA.value,
      directory['issuer-name'],
      new Uint8Array(0),
    );
    const pending: { client: publicVerif.Client; amountMinor: number; request: string }[] = [];
    for (const value of values) {
      const key = signing.find((k) => k.denomination.amountMinor === value)!;
      const client = new publicVerif.Client(publicVerif.BlindRSAMode.PSS);
      const request = await client.createTokenRequest(challenge, fromBase64url(key['token-key']));
      pending.push({ client, amountMinor: value, request: toBase64url(request.serialize()) });
    }
    const answer = await this.post<{ tokenResponses: string[] }>('/v1/token-withdrawals', {
      code,
      tokenRequests: pending.map((p) => p.request),
    });
    const tokens: HeldToken[] = [];
    for (const [i, p] of pending.entries()) {
      const response = p.client.deserializeTokenResponse(fromBase64url(answer.tokenResponses[i]));
      const token = await p.client.finalize(response);
      tokens.push({ token: toBase64url(token.serialize()), amountMinor: p.amountMinor });
    }
    this.hold(tokens);
    return tokens;
  }

  /** Tokens withdrawn and not yet redeemed. */
  held(): HeldToken[] {
    const raw = this.storage?.getItem(TOKENS_KEY);
    return raw ? (JSON.parse(raw) as HeldToken[]) : [];
  }

  /** Drops tokens once the webmail backend says they were redeemed. */
  forget(tokens: readonly string[]): void {
    const gone = new Set(tokens);
    const left = this.held().filter((t) => !gone.has(t.token));
    if (left.length === 0) this.storage?.removeItem(TOKENS_KEY);
    else this.storage?.setItem(TOKENS_KEY, JSON.stringify(left));
  }

  private hold(tokens: readonly HeldToken[]): void {
    this.storage?.setItem(TOKENS_KEY, JSON.stringify([...this.held(), ...tokens]));
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    const res = await this.fetch(`${this.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as T & { title?: string };
    if (!res.ok) throw new Error(`${path}: ${res.status} ${answer.title ?? ''}`);
    return answer;
  }
}

/** The amount as denominations, largest first; what none fits stays behind. */
export function split(amountMinor: number, denominations: readonly number[]): number[] {
  const sorted = [...new Set(denominations)].sort((a, b) => b - a);
  const out: number[] = [];
  let left = amountMinor;
  for (const d of sorted) {
    while (left >= d && out.length < 100) {
      out.push(d);
      left -= d;
    }
  }
  return out;
}

/** A delay chosen at random in [0, max] seconds, so that redemption does not follow withdrawal. */
export function redeemDelayMs(maxSeconds: number): number {
  const r = new Uint32Array(1);
  globalThis.crypto.getRandomValues(r);
  return Math.floor((r[0] / 2 ** 32) * (maxSeconds * 1000 + 1));
}

export function toBase64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64url(text: string): Uint8Array {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
