import { takeAsBatch } from '../support/settle';
import { randomUUID } from 'node:crypto';
import { KeyedHash } from '../../src/config/keyed-hash';
import { Transactions } from '../../src/database/transactions';
import { IntakeOutcome, ReceivedPayment } from '../../src/payments/received-payment';
import { creditedTo, count, issueCode, registerMailbox } from '../support/builders';
import { startTestApp, TestApp } from '../support/test-app';

/** A bank transfer as the CAMT import will hand it over. */
function aTransfer(overrides: Partial<ReceivedPayment> = {}): ReceivedPayment {
  return {
    channel: 'bank',
    externalRef: `ACSR-${randomUUID()}`,
    amountMinor: 1200,
    currency: 'EUR',
    bookedOn: '2026-11-24',
    payer: { name: 'Erika Mustermann', iban: 'DE89370400440532013000' },
    texts: [],
    correctTypos: true,
    ...overrides,
  };
}

/** One substitution at position i of the canonical code, keeping the grouping. */
function typo(code: string, i: number): string {
  const symbols = code.replaceAll('-', '').split('');
  symbols[i] = symbols[i] === 'X' ? 'Y' : 'X';
  return symbols.join('').replace(/(.{4})(.{4})(.{4})/, '$1-$2-$3');
}

describe('the payment intake', () => {
  let t: TestApp;
  let take: (p: ReceivedPayment) => Promise<IntakeOutcome>;
  beforeAll(async () => {
    t = await startTestApp();
    const transactions = t.app.get(Transactions);
    take = (p) =>
      transactions.run(async (tx) => (await takeAsBatch(t.app, tx, [p], t.clock.today()))[0]);
  });
  afterAll(() => t.close());

  it('finds a code in messy remittance text, credits, and scrubs the code and payer from the journal', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id, { country: 'DE' });
    const [a, b, c] = code.split('-');
    const outcome = await take(
      aTransfer({ texts: [`EREF+NOTPROVIDED SVWZ+Aufladung ${a.toLowerCase()} ${b}\n${c} danke`] }),
    );
    expect(outcome.status).toBe('credited');
    expect(await creditedTo(t, id)).toBe(1200);
    const [row] = await t.sql<Record<string, unknown>>('SELECT * FROM payment WHERE id = $1', [
      outcome.paymentId,
    ]);
    expect(row).toMatchObject({
      status: 'credited',
      payer_name: null,
      payer_iban: null,
      payer_country: 'DE',
      country: 'DE',
    });
    expect(row.remittance).toBe('EREF+NOTPROVIDED SVWZ+Aufladung [code] danke');
  });

  it('drops the same booking delivered again', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const transfer = aTransfer({ texts: [code] });
    const first = await take(transfer);
    const second = await take({ ...transfer });
    expect(first.status).toBe('credited');
    expect(second).toEqual({ paymentId: first.paymentId, status: 'duplicate' });
    expect(await creditedTo(t, id)).toBe(1200);
    expect(await count(t, 'payment', 'external_ref = $1', [transfer.externalRef])).toBe(1);
  });

  it('corrects a one-symbol typo when exactly one live code results', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const outcome = await take(aTransfer({ texts: [`Topup ${typo(code, 3)}`] }));
    expect(outcome.status).toBe('credited');
    expect(await creditedTo(t, id)).toBe(1200);
  });

  it('corrects no typo when the corrections give two live codes, and leaves both live', async () => {
    const a = await registerMailbox(t);
    const b = await registerMailbox(t);
    const [codeA, codeB] = [await issueCode(t, a), await issueCode(t, b)];
    const outcome = await take(
      aTransfer({ texts: [`Topup ${typo(codeA, 3)} und ${typo(codeB, 7)}`] }),
    );
    expect(outcome).toMatchObject({ status: 'unmatched', reason: 'ambiguous-code' });
    expect(await creditedTo(t, a)).toBe(0);
    expect(await creditedTo(t, b)).toBe(0);
    const hash = t.app.get(KeyedHash);
    for (const code of [codeA, codeB])
      expect(
        await count(t, 'topup_code', 'code_hash = $1', [hash.code(code.replaceAll('-', ''))]),
      ).toBe(1);
  });

  it('does not correct typos in cash letters', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const outcome = await take(
      aTransfer({ channel: 'cash', correctTypos: false, texts: [typo(code, 3)] }),
    );
    expect(outcome).toMatchObject({ status: 'unmatched', reason: 'no-code' });
  });

  it('keeps payer details and the text on unmatched payments, for staff', async () => {
    const outcome = await take(aTransfer({ texts: ['Rechnung 4711'] }));
    expect(outcome).toMatchObject({ status: 'unmatched', reason: 'no-code' });
    const [row] = await t.sql<Record<string, unknown>>('SELECT * FROM payment WHERE id = $1', [
      outcome.paymentId,
    ]);
    expect(row).toMatchObject({
      payer_name: 'Erika Mustermann',
      payer_iban: 'DE89370400440532013000',
      remittance: 'Rechnung 4711',
    });
  });

  it('refuses to choose between two live codes in one payment', async () => {
    const a = await registerMailbox(t);
    const b = await registerMailbox(t);
    const outcome = await take(
      aTransfer({ texts: [`${await issueCode(t, a)} ${await issueCode(t, b)}`] }),
    );
    expect(outcome).toMatchObject({ status: 'unmatched', reason: 'ambiguous-code' });
    expect(await creditedTo(t, a)).toBe(0);
    expect(await creditedTo(t, b)).toBe(0);
  });

  it('never credits a reversal, even with a live code in it', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const outcome = await take(aTransfer({ kind: 'reversal', texts: [code] }));
    expect(outcome).toMatchObject({ status: 'unmatched', reason: 'reversal' });
    expect(await creditedTo(t, id)).toBe(0);
    expect(
      await count(t, 'topup_code', 'code_hash = $1', [
        t.app.get(KeyedHash).code(code.replaceAll('-', '')),
      ]),
    ).toBe(1);
    // Its journal row keeps the text for staff, without the code.
    const [row] = await t.sql<{ remittance: string }>(
      'SELECT remittance FROM payment WHERE id = $1',
      [outcome.paymentId],
    );
    expect(row.remittance).toBe('[code]');
  });

  it('spends no code on a transfer of 0.00: unmatched, the code still live', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    const outcome = await take(aTransfer({ amountMinor: 0, texts: [`Aufladung ${code}`] }));
    expect(outcome).toMatchObject({ status: 'unmatched', reason: 'amount-limit' });
    expect(
      await count(t, 'topup_code', 'code_hash = $1', [
        t.app.get(KeyedHash).code(code.replaceAll('-', '')),
      ]),
    ).toBe(1);
    expect(await creditedTo(t, id)).toBe(0);
  });

  it('does not credit an expired code', async () => {
    const id = await registerMailbox(t);
    const code = await issueCode(t, id);
    t.clock.advance(t.config.codeTtlDays + 1);
    try {
      const outcome = await take(aTransfer({ texts: [code] }));
      expect(outcome).toMatchObject({ status: 'unmatched', reason: 'unknown-code' });
    } finally {
      t.clock.advance(-(t.config.codeTtlDays + 1));
    }
    expect(await creditedTo(t, id)).toBe(0);
  });
});
