import { TopupClient } from '../../src/tokens/client/topup-client';
import { TestApp } from './test-app';

/** An in-memory Storage, as a browser's localStorage behaves. */
export class MemoryStorage {
  private readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/**
 * The top-up page's own client module, run in Node against the test app
 * (over supertest, real HTTP and real JSON): what a browser would send.
 */
export function tokenClient(t: TestApp, storage = new MemoryStorage()): TopupClient {
  const fetchOverSupertest = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const res =
      init?.method === 'POST'
        ? await t.http
            .post(url)
            .set('content-type', 'application/json')
            .send(init.body as string)
        : await t.http.get(url);
    return new Response(res.text, {
      status: res.status,
      headers: { 'content-type': res.headers['content-type'] ?? 'application/json' },
    });
  }) as typeof fetch;
  return new TopupClient({ storage, fetch: fetchOverSupertest });
}
