import { createHash, createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyedHash } from '../../src/config/keyed-hash';
import { parseCode } from '../../src/codes/code-format';
import { addDays } from '../../src/common/day';
import { aCashPayment, count, creditedTo, issueCode, registerMailbox } from '../support/builders';
import { TokenKeys } from '../../src/tokens/token-keys.service';
import { TokensService } from '../../src/tokens/tokens.service';
import { startTestApp, TestApp } from '../support/test-app';
import { tokenClient } from '../support/token-client';

const BODY = (res: { status: number; text: string }) => `${res.status} ${res.text}`;

describe('blind-signed tokens over HTTP', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { TOKEN_DENOMINATIONS_MINOR: '100,500,1000' } });
    // Keys are made on first use: here, not inside a test's time.
    await t.app.get(TokenKeys).live();
  }, 120_000);
  afterAll(async () => t?.close());

  async function paidReserve(amountMinor: number): Promise<string> {
    const res = await t.http.post('/v1/token-reserves').send({});
    expect(res.status, BODY(res)).toBe(201);
    const letter = await t.http
      .post('/v1/cash-payments')
      .set(t.auth('staff'))
      .send(aCashPayment({ code: res.body.code, amountMinor }));
    expect(letter.body.status, BODY(letter)).toBe('credited');
    return res.body.code as string;
  }

  it('creates a reserve with no mailbox, with the payment instructions and their GiroCode', async () => {
    const res = await t.http.post('/v1/token-reserves').send({});
    expect(res.status, BODY(res)).toBe(201);
    expect(res.body.transfer.remittance).toBe(res.body.code);
    expect(res.body.epcQr.split('\n')).toEqual([
      'BCD',
      '002',
      '1',
      'SCT',
      t.config.creditor.bic,
      t.config.creditor.name,
      t.config.creditor.iban,
      '',
      '',
      '',
      res.body.code,
    ]);
    const parsed = parseCode(res.body.code as string);
    expect(parsed.ok).toBe(true);
    const hash = t.app.get(KeyedHash).code(parsed.ok ? parsed.canonical : '');
    const rows = await t.sql('SELECT * FROM token_reserve WHERE reserve_hash = $1', [hash]);
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]).sort()).toEqual([
      'balance_minor',
      'currency',
      'expires_on',
      'reserve_hash',
    ]);
  });

  it('carries the EPC QR payload in a mailbox code issuance too', async () => {
    const mailbox = await registerMailbox(t);
    const res = await t.http
      .post(`/v1/mailboxes/${encodeURIComponent(mailbox)}/topup-codes`)
      .set(t.auth('webmail'))
      .send({});
    expect(res.status).toBe(201);
    expect(res.body.epcQr).toBe(
      `BCD\n002\n1\nSCT\n${t.config.creditor.bic}\n${t.config.creditor.name}\n${t.config.creditor.iban}\n\n\n\n${res.body.code}`,
    );
  });

  it('credits a cash letter to the reserve, withdraws tokens and redeems them to a mailbox', async () => {
    const code = await paidReserve(1700);
    const balance = await t.http.post('/v1/token-reserves/balance').send({ code });
    expect(balance.body.balance).toEqual({ amountMinor: 1700, currency: 'EUR' });
    expect(await count(t, 'payment', "status = 'reserved' AND amount_minor = 1700")).toBe(1);

    const client = tokenClient(t);
    const tokens = await client.withdraw(code, 1700);
    expect(tokens.map((x) => x.amountMinor)).toEqual([1000, 500, 100, 100]);
    expect(client.held()).toHaveLength(4);
    const after = await t.http.post('/v1/token-reserves/balance').send({ code });
    expect(after.body.balance.amountMinor).toBe(0);

    const mailbox = await registerMailbox(t);
    const redeemed = await t.http
      .post(`/v1/mailboxes/${encodeURIComponent(mailbox)}/token-redemptions`)
      .set(t.auth('webmail'))
      .send({ tokens: tokens.map((x) => x.token) });
    expect(redeemed.status, BODY(redeemed)).toBe(201);
    expect(redeemed.body).toEqual({ credited: { amountMinor: 1700, currency: 'EUR' }, tokens: 4 });
    expect(await creditedTo(t, mailbox)).toBe(1700);
    const ledger = await t.http
      .get(`/v1/mailboxes/${encodeURIComponent(mailbox)}/ledger`)
      .set(t.auth('webmail'));
    expect(ledger.body.entries[0]).toMatchObject({
      kind: 'credit',
      channel: 'token',
      amountMinor: 1700,
    });
  });

  it('refuses a second spend of a token, in the same mailbox or another, and credits nothing', async () => {
    const code = await paidReserve(500);
    const [token] = await tokenClient(t).withdraw(code, 500);
    const first = await registerMailbox(t);
    const second = await registerMailbox(t);
    const redeem = (mailbox: string) =>
      t.http
        .post(`/v1/mailboxes/${encodeURIComponent(mailbox)}/token-redemptions`)
        .set(t.auth('webmail'))
        .send({ tokens: [token.token] });
    expect((await redeem(first)).status).toBe(201);
    for (const mailbox of [first, second]) {
      const again = await redeem(mailbox);
      expect(again.status, BODY(again)).toBe(409);
      expect(again.body.type).toMatch(/token-spent$/);
    }
    expect(await creditedTo(t, first)).toBe(500);
    expect(await creditedTo(t, second)).toBe(0);
  });

  it('refuses a token twice in one request, and a forged or altered token', async () => {
    const code = await paidReserve(100);
    const [token] = await tokenClient(t).withdraw(code, 100);
    const mailbox = await registerMailbox(t);
    const send = (tokens: string[]) =>
      t.http
        .post(`/v1/mailboxes/${encodeURIComponent(mailbox)}/token-redemptions`)
        .set(t.auth('webmail'))
        .send({ tokens });
    const twice = await send([token.token, token.token]);
    expect(twice.status, BODY(twice)).toBe(409);
    const bytes = Buffer.from(token.token, 'base64url');
    bytes[bytes.length - 1] ^= 1;
    const altered = await send([bytes.toString('base64url')]);
    expect(altered.status, BODY(altered)).toBe(422);
    expect(altered.body.type).toMatch(/token-invalid$/);
    expect(await creditedTo(t, mailbox)).toBe(0);
    expect((await send([token.token])).status).toBe(201);
  });

  it('refuses to overdraw a reserve and leaves its balance as it was', async () => {
    const code = await paidReserve(600);
    const client = tokenClient(t);
    // Ask for more than it holds: the client would never, a hostile one may.
    await expect(client.withdraw(code, 1100)).rejects.toThrow(/409/);
    const balance = await t.http.post('/v1/token-reserves/balance').send({ code });
    expect(balance.body.balance.amountMinor).toBe(600);
    expect(client.held()).toEqual([]);
  });

  it('refuses a token whose key epoch has ended, and keeps redeeming an older key after a rotation', async () => {
    const code = await paidReserve(200);
    const [early, kept] = await tokenClient(t).withdraw(code, 200);
    const mailbox = await registerMailbox(t);
    const keys = t.app.get(TokenKeys);
    const before = await keys.live();
    // Rotate: the old key stops signing, its tokens stay good until its redemption ends.
    t.clock.advance(1);
    expect((await keys.rotate()).rotated).toBe(3);
    const directory = await t.http.get('/.well-known/private-token-issuer-directory');
    expect(JSON.parse(directory.text)['token-keys']).toHaveLength(before.length + 3);
    const redeem = (token: string) =>
      t.http
        .post(`/v1/mailboxes/${encodeURIComponent(mailbox)}/token-redemptions`)
        .set(t.auth('webmail'))
        .send({ tokens: [token] });
    expect((await redeem(early.token)).status).toBe(201);
    const old = before.find((k) => k.denominationMinor === 100)!;
    t.clock.set(addDays(old.redeemUntil, 1));
    const late = await redeem(kept.token);
    expect(late.status, BODY(late)).toBe(422);
    expect(late.body.type).toMatch(/token-key-expired$/);
    t.clock.set(new Date().toISOString().slice(0, 10));
    await keys.reload();
  }, 120_000);

  it('lists keys per denomination in the issuer directory (RFC 9578 format)', async () => {
    const res = await t.http.get('/.well-known/private-token-issuer-directory');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/private-token-issuer-directory/);
    res.body = JSON.parse(res.text);
    expect(res.body['issuer-request-uri']).toBe('/v1/token-withdrawals');
    const denominations = new Set(
      (res.body['token-keys'] as { denomination: { amountMinor: number } }[]).map(
        (k) => k.denomination.amountMinor,
      ),
    );
    expect([...denominations].sort((a, b) => a - b)).toEqual([100, 500, 1000]);
    // A token request names its key by the key id's last byte: no two signing keys share it.
    const now = Date.now() / 1000;
    const signing = (
      res.body['token-keys'] as {
        'token-key': string;
        'not-before': number;
        'sign-until': number;
      }[]
    ).filter((k) => k['not-before'] <= now && now < k['sign-until']);
    const lastBytes = signing.map((k) =>
      createHash('sha256').update(Buffer.from(k['token-key'], 'base64url')).digest().at(-1),
    );
    expect(new Set(lastBytes).size).toBe(signing.length);
    for (const key of res.body['token-keys']) {
      expect(key['token-type']).toBe(2);
      expect(Buffer.from(key['token-key'], 'base64url').length).toBeGreaterThan(256);
      expect(key['not-before']).toBeLessThan(key['sign-until']);
      expect(key['sign-until']).toBeLessThan(key['redeem-until']);
    }
  });

  it('stores private keys encrypted: no PKCS #8 key in the table', async () => {
    const rows = await t.sql<{ private_key: string }>('SELECT private_key FROM token_key');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const bytes = Buffer.from(row.private_key, 'base64');
      // A DER PKCS #8 RSA key starts 30 82 …, 02 01 00; sealed bytes do not.
      expect(bytes.subarray(0, 2).toString('hex')).not.toBe('3082');
      expect(() => createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' })).toThrow();
    }
  });

  it('counts what live reserves hold as outstanding, and the token books add up', async () => {
    const today = t.clock.today();
    const report = async () => {
      const res = await t.http
        .get(`/v1/reports/tokens?from=${today}&to=${today}`)
        .set(t.auth('admin'));
      expect(res.status, BODY(res)).toBe(200);
      return res.body.reserves as Record<string, number | boolean>;
    };
    const before = await report();
    const code = await paidReserve(350);
    await tokenClient(t).withdraw(code, 300);
    const after = await report();
    expect(after.outstandingMinor).toBe((before.outstandingMinor as number) + 50);
    expect(after.creditedMinor).toBe((before.creditedMinor as number) + 350);
    expect(after.consistent).toBe(true);
  });

  it('writes off what an expired reserve still holds, and the token books add up', async () => {
    const today = t.clock.today();
    const code = await paidReserve(350);
    await tokenClient(t).withdraw(code, 300);
    t.clock.advance(t.config.tokens.reserveTtlDays + 1);
    const keys = t.app.get(TokenKeys);
    await keys.ensureSigning();
    const tokens = t.app.get(TokensService);
    const expired = await tokens.expire();
    expect(expired.writtenOffMinor).toBeGreaterThanOrEqual(50);
    const report = await t.http
      .get(`/v1/reports/tokens?from=${today}&to=${t.clock.today()}`)
      .set(t.auth('admin'));
    expect(report.status, BODY(report)).toBe(200);
    expect(report.body.reserves.consistent).toBe(true);
    expect(report.body.reserves.creditedMinor).toBe(
      report.body.reserves.issuedMinor +
        report.body.reserves.writtenOffMinor +
        report.body.reserves.outstandingMinor,
    );
    // Each key's anonymity set: the tokens it signed (this test's 300 = 3 x 100 among them).
    const sets = report.body.anonymitySets as { denominationMinor: number; tokensIssued: number }[];
    expect(sets.length).toBeGreaterThan(0);
    expect(sets.filter((k) => k.denominationMinor === 100).some((k) => k.tokensIssued >= 3)).toBe(
      true,
    );
    const day = report.body.days.find((d: { day: string }) => d.day === today);
    expect(day.reserveCredits.amountMinor).toBeGreaterThan(0);
    expect(day.consistent).toBe(true);
    t.clock.set(today);
  }, 120_000);
});

describe('tokens under a balance cap (BALANCE_CAP_MINOR)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { TOKEN_DENOMINATIONS_MINOR: '100,500,1000', BALANCE_CAP_MINOR: '1500' },
    });
    await t.app.get(TokenKeys).live();
  }, 120_000);
  afterAll(async () => t?.close());

  it('refuses tokens that would take a balance above the cap, spends none of them, and they credit a mailbox with room', async () => {
    const reserve = await t.http.post('/v1/token-reserves').send({});
    const paid = await t.http
      .post('/v1/cash-payments')
      .set(t.auth('staff'))
      .send(aCashPayment({ code: reserve.body.code, amountMinor: 1100 }));
    expect(paid.body.status, BODY(paid)).toBe('credited');
    const client = tokenClient(t);
    const five = await client.withdraw(reserve.body.code, 500);
    const six = await client.withdraw(reserve.body.code, 600);
    const full = await registerMailbox(t);
    // 1000 waiting for the settlement count as much as 1000 in the ledger.
    const letter = await t.http
      .post('/v1/cash-payments')
      .set(t.auth('staff'))
      .send(aCashPayment({ code: await issueCode(t, full), amountMinor: 1000 }));
    expect(letter.body.status, BODY(letter)).toBe('credited');
    const redeem = (mailbox: string, tokens: { token: string }[]) =>
      t.http
        .post(`/v1/mailboxes/${encodeURIComponent(mailbox)}/token-redemptions`)
        .set(t.auth('webmail'))
        .send({ tokens: tokens.map((x) => x.token) });

    const over = await redeem(full, six);
    expect(over.status, BODY(over)).toBe(409);
    expect(over.body.type).toMatch(/balance-cap$/);
    expect(await creditedTo(t, full)).toBe(1000);
    expect(await count(t, 'token_spent')).toBe(0);

    // Up to the cap exactly: credited.
    expect((await redeem(full, five)).status).toBe(201);
    expect(await creditedTo(t, full)).toBe(1500);
    // The refused tokens were not spent: a mailbox with room takes them.
    const roomy = await registerMailbox(t);
    const moved = await redeem(roomy, six);
    expect(moved.status, BODY(moved)).toBe(201);
    expect(await creditedTo(t, roomy)).toBe(600);
  });
});
