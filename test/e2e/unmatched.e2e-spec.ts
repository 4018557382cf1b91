import { takeAsBatch } from '../support/settle';
import { displayCode, generateCode } from '../../src/codes/code-format';
import { Transactions } from '../../src/database/transactions';
import type { ReceivedPayment } from '../../src/payments/received-payment';
import { creditedTo, issueCode, registerMailbox } from '../support/builders';
import { startTestApp, TestApp } from '../support/test-app';

describe('unmatched payments', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function unmatchedTransfer(
    text: string,
    amountMinor = 900,
    more: Partial<ReceivedPayment> = {},
  ): Promise<string> {
    const [outcome] = await t.app.get(Transactions).run((tx) =>
      takeAsBatch(
        t.app,
        tx,
        [
          {
            channel: 'bank',
            externalRef: `REF-${Math.random()}`,
            amountMinor,
            currency: 'EUR',
            bookedOn: '2026-11-02',
            payer: { name: 'Max Mustermann', iban: 'AT611904300234573201' },
            texts: [text],
            correctTypos: true,
            ...more,
          },
        ],
        t.clock.today(),
      ),
    );
    if (outcome.status !== 'unmatched') throw new Error('expected an unmatched payment');
    return outcome.paymentId;
  }

  const resolve = (paymentId: string, body: object, key?: string) => {
    const req = t.http.post(`/v1/unmatched-payments/${paymentId}/resolution`).set(t.auth('staff'));
    if (key) req.set('idempotency-key', key);
    return req.send(body);
  };

  it('lists unmatched payments with payer details and reason', async () => {
    const paymentId = await unmatchedTransfer('Mailbox Max');
    const res = await t.http.get('/v1/unmatched-payments?limit=500').set(t.auth('staff'));
    expect(res.status).toBe(200);
    expect(res.body.items).toContainEqual({
      paymentId,
      channel: 'bank',
      amountMinor: 900,
      currency: 'EUR',
      bookedOn: '2026-11-02',
      payerName: 'Max Mustermann',
      payerIban: 'AT611904300234573201',
      remittance: 'Mailbox Max',
      reason: 'no-code',
    });
  });

  it('credits a code that staff found, erasing payer details and the code, keeping the VAT country of the code', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id, { country: 'AT' });
    const paymentId = await unmatchedTransfer(`fuer ${code.slice(0, 9)} und ${code.slice(10)}`);
    const res = await resolve(paymentId, { action: 'credit-code', code });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ paymentId, status: 'credited' });
    expect(await creditedTo(t, id)).toBe(900);
    const [row] = await t.sql<Record<string, unknown>>('SELECT * FROM payment WHERE id = $1', [
      paymentId,
    ]);
    expect(row).toMatchObject({
      status: 'credited',
      payer_name: null,
      payer_iban: null,
      reason: null,
      country: 'AT',
    });
    expect(row.settled_on).toBe(t.clock.today());
    // The pieces the code was written in go too: they name the redeemed code. The
    // code is random: where its symbols before the second piece are "D" or "ND", the
    // letters of "und" before it stand in the code too and go with the piece.
    expect(row.remittance).toMatch(/^fuer \[code\] (und |un|u)\[code\]$/);
    expect(
      row.remittance === 'fuer [code] und [code]' ||
        code.replace('-', '').slice(0, 8).endsWith('D'),
    ).toBe(true);
    const list = await t.http.get('/v1/unmatched-payments?limit=500').set(t.auth('staff'));
    expect(list.body.items.map((i: { paymentId: string }) => i.paymentId)).not.toContain(paymentId);

    const twice = await resolve(paymentId, { action: 'kept' });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({
      type: expect.stringMatching(/already-resolved$/),
      title: 'The payment is not unmatched (any more)',
      detail: 'It was resolved before.',
    });
  });

  it('keeps the payer details trimmed, none that are blank, and the payer country in capitals', async () => {
    const padded = await unmatchedTransfer('padded', 900, {
      payer: { name: '  Erika Mustermann \n', iban: ' de89 3704 0044 0532 0130 00 ' },
    });
    const blank = await unmatchedTransfer('blank', 900, { payer: { name: '   ', iban: '' } });
    const rowOf = async (paymentId: string) =>
      (
        await t.sql<Record<string, unknown>>(
          'SELECT payer_name, payer_iban, payer_country FROM payment WHERE id = $1',
          [paymentId],
        )
      )[0];
    expect(await rowOf(padded)).toEqual({
      payer_name: 'Erika Mustermann',
      payer_iban: 'de89 3704 0044 0532 0130 00',
      payer_country: 'DE',
    });
    expect(await rowOf(blank)).toEqual({ payer_name: null, payer_iban: null, payer_country: null });
  });

  it('shows staff the texts of a payment without a remittance of its own, trimmed and joined', async () => {
    const paymentId = await unmatchedTransfer('', 900, { texts: ['  Mailbox ', '', ' Anna  '] });
    const res = await t.http.get('/v1/unmatched-payments?limit=500').set(t.auth('staff'));
    expect(res.body.items).toContainEqual(
      expect.objectContaining({ paymentId, remittance: 'Mailbox | Anna' }),
    );
  });

  it('refuses to credit a payment in another currency to a live code staff found, and the code stays live', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const paymentId = await unmatchedTransfer('Mailbox Max', 900, { currency: 'USD' });
    const refused = await resolve(paymentId, { action: 'credit-code', code });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      type: expect.stringMatching(/payment-not-creditable$/),
      title: 'This payment cannot be credited',
      detail: 'The payment cannot be credited (currency); refund or keep it.',
    });
    expect(await creditedTo(t, id)).toBe(0);
    const [row] = await t.sql<Record<string, unknown>>(
      'SELECT status, reason FROM payment WHERE id = $1',
      [paymentId],
    );
    expect(row).toEqual({ status: 'unmatched', reason: 'currency' });
    // The code is still live: an EUR payment staff found for it is credited.
    const euro = await unmatchedTransfer('Mailbox Max');
    expect((await resolve(euro, { action: 'credit-code', code })).status).toBe(200);
    expect(await creditedTo(t, id)).toBe(900);
  });

  it('refuses a code that is not live with 409 and a misread one with 422, changing nothing', async () => {
    const paymentId = await unmatchedTransfer('nothing here');
    const notLive = await resolve(paymentId, {
      action: 'credit-code',
      code: displayCode(generateCode()),
    });
    expect(notLive.status).toBe(409);
    expect(notLive.body).toMatchObject({
      type: expect.stringMatching(/code-not-live$/),
      title: 'The code is not live: used, expired or never issued',
      detail: 'No live code matches; nothing was changed.',
    });
    const misread = await resolve(paymentId, { action: 'credit-code', code: 'AAAA-AAAA-AAAA' });
    expect(misread.status).toBe(422);
    expect(misread.body).toMatchObject({
      detail: 'Check the code again; nothing was changed.',
      errors: [{ path: 'code', message: 'the check symbols do not match' }],
    });
    const short = await resolve(paymentId, { action: 'credit-code', code: 'AAAA-AAAA' });
    expect(short.status).toBe(422);
    expect(short.body.errors).toEqual([{ path: 'code', message: 'not a code' }]);
    const [row] = await t.sql<Record<string, unknown>>(
      'SELECT status, payer_name FROM payment WHERE id = $1',
      [paymentId],
    );
    expect(row).toEqual({ status: 'unmatched', payer_name: 'Max Mustermann' });
  });

  it.each(['refunded', 'kept'] as const)(
    'marks a payment %s and erases the payer details',
    async (action) => {
      const paymentId = await unmatchedTransfer(`${action} case`);
      const res = await resolve(paymentId, { action });
      expect(res.body).toEqual({ paymentId, status: action });
      const [row] = await t.sql<Record<string, unknown>>('SELECT * FROM payment WHERE id = $1', [
        paymentId,
      ]);
      expect(row).toMatchObject({
        status: action,
        payer_name: null,
        payer_iban: null,
        resolved_on: t.clock.today(),
      });
    },
  );

  it('keeps no code in an unmatched payment, live or spent, and none after it is resolved', async () => {
    const id = await registerMailbox(t);
    const live = await issueCode(t, id);
    const spent = displayCode(generateCode());
    // Refused for its currency: the code stays live, and the row must not hold it.
    const [refused] = await t.app.get(Transactions).run((tx) =>
      takeAsBatch(
        t.app,
        tx,
        [
          {
            channel: 'bank',
            externalRef: `REF-${Math.random()}`,
            amountMinor: 900,
            currency: 'USD',
            bookedOn: '2026-11-02',
            payer: { name: 'Max Mustermann', iban: 'AT611904300234573201' },
            texts: [`Aufladung ${live} und ${spent.toLowerCase()}`],
            correctTypos: true,
          },
        ],
        t.clock.today(),
      ),
    );
    expect(refused).toMatchObject({ status: 'unmatched', reason: 'currency' });
    const remittanceOf = async (paymentId: string) =>
      (
        await t.sql<{ remittance: string | null }>('SELECT remittance FROM payment WHERE id = $1', [
          paymentId,
        ])
      )[0].remittance;
    expect(await remittanceOf(refused.paymentId)).toBe('Aufladung [code] und [code]');
    // A row written before codes were kept out of unmatched rows is cut at its resolution.
    const legacy = await unmatchedTransfer('Mailbox Max');
    await t.sql('UPDATE payment SET remittance = $2 WHERE id = $1', [legacy, `Code ${live}`]);
    expect((await resolve(legacy, { action: 'refunded' })).status).toBe(200);
    expect(await remittanceOf(legacy)).toBe('Code [code]');
    const rows = JSON.stringify(await t.sql('SELECT * FROM payment'));
    for (const code of [live, spent]) {
      expect(rows).not.toContain(code);
      expect(rows).not.toContain(code.replaceAll('-', ''));
      expect(rows.toLowerCase()).not.toContain(code.toLowerCase());
    }
  });

  it('answers 404 for an unknown payment and 400 for a malformed id or action', async () => {
    const unknown = await resolve('6f1c7d1e-9c7b-4b7e-9a3c-2f1e8f0b6a55', { action: 'kept' });
    expect([unknown.status, unknown.body.detail]).toEqual([404, 'No payment with this id.']);
    expect((await resolve('not-a-uuid', { action: 'kept' })).status).toBe(400);
    const paymentId = await unmatchedTransfer('bad action');
    expect((await resolve(paymentId, { action: 'burn' })).status).toBe(400);
    expect((await resolve(paymentId, { action: 'kept', code: 'x' })).status).toBe(400);
  });

  it('replays a resolution sent twice with one Idempotency-Key', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const paymentId = await unmatchedTransfer('later found');
    const first = await resolve(paymentId, { action: 'credit-code', code }, 'resolve-1');
    const second = await resolve(paymentId, { action: 'credit-code', code }, 'resolve-1');
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await creditedTo(t, id)).toBe(900);
  });

  it('keeps one Idempotency-Key per payment: the same key resolves another payment anew', async () => {
    const [first, second] = [await unmatchedTransfer('one'), await unmatchedTransfer('two')];
    expect((await resolve(first, { action: 'kept' }, 'shared-key')).body).toEqual({
      paymentId: first,
      status: 'kept',
    });
    expect((await resolve(second, { action: 'refunded' }, 'shared-key')).body).toEqual({
      paymentId: second,
      status: 'refunded',
    });
  });

  it('resolves a payment that has no text at all', async () => {
    const paymentId = await unmatchedTransfer('', 900, { texts: [''] });
    const [row] = await t.sql<{ remittance: string | null }>(
      'SELECT remittance FROM payment WHERE id = $1',
      [paymentId],
    );
    expect(row.remittance).toBeNull();
    expect((await resolve(paymentId, { action: 'kept' })).body).toEqual({
      paymentId,
      status: 'kept',
    });
  });

  it('pages through the list with a cursor', async () => {
    for (let i = 0; i < 3; i++) await unmatchedTransfer(`page ${i}`);
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const res: { body: { items: { paymentId: string }[]; nextCursor: string | null } } =
        await t.http
          .get(`/v1/unmatched-payments?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
          .set(t.auth('staff'));
      for (const item of res.body.items) {
        expect(seen.has(item.paymentId)).toBe(false);
        seen.add(item.paymentId);
      }
      cursor = res.body.nextCursor;
    } while (cursor);
    const all = await t.sql<{ n: string | number }>(
      "SELECT COUNT(*) AS n FROM payment WHERE status = 'unmatched'",
    );
    expect(seen.size).toBe(Number(all[0].n));
  });
});
