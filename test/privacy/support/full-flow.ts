import { randomBytes } from 'node:crypto';
import { ALPHABET, generateCode } from '../../../src/codes/code-format';
import { anEnrolledAccount, signIn } from '../../console/staff-support';
import { Role } from '../../../src/config/config.schema';
import { aCashPayment, aMailboxId, issueCode, registerMailbox } from '../../support/builders';
import { aCamtDocument, AnEntry } from '../../support/camt-builder';
import { settleNow } from '../../support/settle';
import { TestApp } from '../../support/test-app';
import { dayOf } from '../../../src/common/day';

/** A payer as the bank names them; every one is a secret the service must forget. */
export interface Payer {
  name: string;
  iban: string;
}

/** What a whole flow used: everything that must not be found afterwards, and one thing that must. */
export interface FlowTrace {
  /** Every mailbox id the flow used, in clear, as the webmail backend sent it. */
  mailboxIds: string[];
  /** Codes credited, by channel, as issued (grouped: `K7QM-2XPF-9D3A`). */
  redeemed: Record<'cash' | 'cashBatch' | 'bank' | 'resolution' | 'paypal' | 'console', string[]>;
  /** Issued first and never paid: its hash must still be in the database (the scan works). */
  openCode: string;
  openMailboxId: string;
  /** Issued last, after every checkpoint: on SQLite its hash is in the WAL. */
  lateCode: string;
  /** Closed after it was credited: its pseudonym must be gone too. */
  closedMailboxId: string;
  /** A live code misread by staff (one substitution): refused with 422, but a spelling of a code. */
  misread: string;
  /** Every payer named in the bank statements. */
  payers: Payer[];
  /** Payers of the unmatched payments that staff resolved: their details must be erased. */
  resolvedPayers: Payer[];
  /** Every API key the flow presented, and one that is wrong. */
  apiKeys: string[];
}

export interface FlowOptions {
  /**
   * Extra mailboxes, two codes each, half of them paid in the bank statement:
   * enough of them makes every table span many pages, so that page splits,
   * merges and freed pages are part of what the byte scan covers.
   */
  bulk?: number;
}

const ok = (status: number, expected: number, what: string, text: string) => {
  if (status !== expected) throw new Error(`${what}: ${status} ${text}`);
};

/**
 * A whole day of the service, through HTTP as its clients use it: mailboxes
 * registered, codes issued, paid by cash letter, cash batch and bank statement
 * (in the spellings people use), unmatched payments listed and resolved, the
 * errors staff and clients run into, and a mailbox closed.
 */
export async function runFullFlow(t: TestApp, options: FlowOptions = {}): Promise<FlowTrace> {
  const bulk = options.bulk ?? 0;
  const as = (role: Role) => t.auth(role);
  const path = (id: string) => `/v1/mailboxes/${encodeURIComponent(id)}`;

  const ids = [];
  for (let i = 0; i < 6; i++) ids.push(await registerMailbox(t, aMailboxId()));
  const [alice, bob, carol, dave, erin, frank] = ids;
  // Issued first, so that it lives through every checkpoint that follows.
  const openCode = await issueCode(t, frank, { country: 'AT' });

  // Cash by post: one letter, code typed run together and in lower case.
  const letter = await issueCode(t, alice, { country: 'DE' });
  const paid = await t.http
    .post('/v1/cash-payments')
    .set(as('staff'))
    .set('idempotency-key', `letter-${randomBytes(4).toString('hex')}`)
    .send(aCashPayment({ code: letter.replaceAll('-', '').toLowerCase(), amountMinor: 1200 }));
  ok(paid.status, 201, 'cash letter', paid.text);

  // A day's letters at once, in three spellings.
  const batchCodes = [
    await issueCode(t, bob),
    await issueCode(t, carol),
    await issueCode(t, alice),
  ];
  const batch = await t.http
    .post('/v1/cash-batches')
    .set(as('staff'))
    .set('idempotency-key', `batch-${randomBytes(4).toString('hex')}`)
    .send({
      receivedOn: dayOf(new Date()),
      currency: 'EUR',
      countedTotalMinor: 3600,
      entries: [
        { code: batchCodes[0], amountMinor: 1200 },
        { code: batchCodes[1].replaceAll('-', ''), amountMinor: 1200 },
        { code: batchCodes[2].toLowerCase(), amountMinor: 1200 },
      ],
    });
  ok(batch.status, 201, 'cash batch', batch.text);

  // The bank statement: codes as payers write them, each payer named.
  const bulkIds = [];
  for (let i = 0; i < bulk; i++) bulkIds.push(await registerMailbox(t, aMailboxId()));
  const bulkCodes: string[] = [];
  for (const id of bulkIds) bulkCodes.push(await issueCode(t, id), await issueCode(t, id));
  const bankCodes = [await issueCode(t, dave), await issueCode(t, erin), await issueCode(t, bob)];
  const [d1, d2, d3] = bankCodes[1].split('-');
  const payers: Payer[] = [];
  const payer = (i: number): Payer => {
    const p = {
      name: `Zofia Przybylska-Nakamura ${String.fromCharCode(65 + (i % 26))}${Math.floor(i / 26)}`,
      iban: `DE${String(10 + (i % 90))}370400440532${String(i).padStart(6, '0')}`,
    };
    payers.push(p);
    return p;
  };
  const entry = (i: number, overrides: AnEntry): AnEntry => {
    const p = payer(i);
    return { debtorName: p.name, debtorIban: p.iban, amount: '12.00', ...overrides };
  };
  const paidInBulk = bulkCodes.filter((_, i) => i % 2 === 0);
  const entries: AnEntry[] = [
    entry(0, { ustrd: [`SVWZ+Aufladung ${bankCodes[0]}`], endToEndId: bankCodes[0] }),
    // Cut over two lines the way banks cut them, in lower case.
    entry(1, { ustrd: [`Postfach ${d1.toLowerCase()}-${d2.slice(0, 2)}`, `${d2.slice(2)}-${d3}`] }),
    entry(2, { ustrd: [bankCodes[2].replaceAll('-', ' ')] }),
    // No code at all: unmatched, for staff to resolve with a code they are told.
    entry(3, { ustrd: ['Fuer mein Postfach, Code vergessen'] }),
    // No code either: staff refund it.
    entry(4, { ustrd: ['Spende'], amount: '5.00' }),
    ...paidInBulk.map((code, i) => entry(5 + i, { ustrd: [`EREF+${code.toLowerCase()}`] })),
  ];
  const upload = await t.http
    .post('/v1/bank-statements')
    .set(as('importer'))
    .set('content-type', 'application/xml')
    .send(aCamtDocument(entries));
  ok(upload.status, 201, 'bank statement', upload.text);

  // PayPal: being built in src/paypal right now. When it lands, pay one code of
  // a mailbox here through the stand-in (test/support/fake-paypal) and return it.
  const paypal = await payByPayPal(t);

  // Staff resolve the two unmatched payments: one credited now, one refunded at the end.
  const list = await t.http.get('/v1/unmatched-payments?limit=500').set(as('staff'));
  ok(list.status, 200, 'unmatched list', list.text);
  const unmatched = list.body.items as { paymentId: string; payerName?: string }[];
  const byPayer = (p: Payer) => unmatched.find((u) => u.payerName === p.name)!.paymentId;
  const found = await issueCode(t, erin);
  const credited = await t.http
    .post(`/v1/unmatched-payments/${byPayer(payers[3])}/resolution`)
    .set(as('staff'))
    .send({ action: 'credit-code', code: found });
  ok(credited.status, 200, 'resolution by code', credited.text);

  // What goes wrong in a day: a misread code (422), a used code (409), a
  // mailbox nobody registered and a route that does not exist (404), a wrong key (401).
  const live = await issueCode(t, carol);
  const misread = misspell(live);
  const refused = await t.http
    .post('/v1/cash-payments')
    .set(as('staff'))
    .send(aCashPayment({ code: misread }));
  ok(refused.status, 422, 'misread code', refused.text);
  const used = await t.http
    .post(`/v1/unmatched-payments/${byPayer(payers[3])}/resolution`)
    .set(as('staff'))
    .send({ action: 'credit-code', code: letter });
  ok(used.status, 409, 'resolution with a used code', used.text);
  const stranger = aMailboxId();
  ok((await t.http.get(path(stranger)).set(as('webmail'))).status, 404, 'unknown mailbox', '');
  ok((await t.http.get(`${path(alice)}/nowhere`).set(as('webmail'))).status, 404, 'no route', '');
  const wrongKey = `webmail-${randomBytes(16).toString('hex')}`;
  const denied = await t.http.get(path(alice)).set('authorization', `Bearer ${wrongKey}`);
  ok(denied.status, 401, 'wrong key', denied.text);

  // The mailbox side read back as the webmail backend reads it.
  for (const id of [alice, dave]) {
    ok((await t.http.get(`${path(id)}/ledger`).set(as('webmail'))).status, 200, 'ledger', '');
  }
  // Paid, then closed: its balance, ledger and open codes are erased.
  const closed = await t.http.delete(path(dave)).set(as('webmail'));
  ok(closed.status, 204, 'close', closed.text);
  // The last credit of the day: the code staff asked the customer for again.
  const last = await t.http
    .post('/v1/cash-payments')
    .set(as('staff'))
    .send(aCashPayment({ code: live }));
  ok(last.status, 201, 'cash letter', last.text);
  // After the last credit, writes that credit nothing: a new mailbox, and a
  // refund that erases the payer's details. The scan sees what they leave.
  const late = await registerMailbox(t, aMailboxId());
  const refunded = await t.http
    .post(`/v1/unmatched-payments/${byPayer(payers[4])}/resolution`)
    .set(as('staff'))
    .send({ action: 'refunded' });
  ok(refunded.status, 200, 'refund', refunded.text);
  const byConsole = await throughTheConsole(t, [alice, bob, carol]);
  // The settlement writes what waits (the letters' credits, the capture's
  // journal row), as its interval would; the code issued after it is still
  // in the WAL when the scan reads it.
  await settleNow(t);
  const lateCode = await issueCode(t, late);

  return {
    mailboxIds: [...ids, ...bulkIds, stranger, late],
    redeemed: {
      cash: [letter, live],
      cashBatch: batchCodes,
      bank: [...bankCodes, ...paidInBulk],
      resolution: [found],
      paypal,
      console: byConsole,
    },
    openCode,
    openMailboxId: frank,
    lateCode,
    closedMailboxId: dave,
    misread,
    payers,
    resolvedPayers: [payers[3], payers[4]],
    apiKeys: [...Object.values(t.keys), wrongKey],
  };
}

/**
 * The place for PayPal in the flow. PayPal is being built in src/paypal; once
 * it is in, create an order for a mailbox, approve it at the stand-in and
 * capture it here, and return the code it paid. Until then it pays nothing,
 * and nothing in these tests depends on it.
 */
async function payByPayPal(_t: TestApp): Promise<string[]> {
  return [];
}

/**
 * The staff console's part of the day: a letter and a four-eyes batch entered
 * through staff sessions, and an unmatched letter resolved with a note that
 * names a paid code. The audit trail they write and the batch draft they erase
 * are on disk for the scan; the note's code must not be.
 */
async function throughTheConsole(t: TestApp, mailboxes: string[]): Promise<string[]> {
  const enterer = await signIn(
    t,
    await anEnrolledAccount(t, `flow-${randomBytes(3).toString('hex')}`),
  );
  const confirmer = await signIn(
    t,
    await anEnrolledAccount(t, `flow-${randomBytes(3).toString('hex')}`),
  );
  const codes = [];
  for (const mailbox of mailboxes) codes.push(await issueCode(t, mailbox));
  const letter = await t.http
    .post('/v1/cash-payments')
    .set(enterer.headers)
    .send(aCashPayment({ code: codes[0] }));
  ok(letter.status, 201, 'console letter', letter.text);
  const draft = await t.http
    .post('/v1/cash-batch-drafts')
    .set(enterer.headers)
    .send({
      receivedOn: dayOf(new Date()),
      currency: 'EUR',
      entries: codes.slice(1).map((code) => ({ code, amountMinor: 700 })),
    });
  ok(draft.status, 201, 'console batch draft', draft.text);
  const confirmed = await t.http
    .post(`/v1/cash-batch-drafts/${draft.body.batchId}/confirmation`)
    .set(confirmer.headers)
    .send({ countedTotalMinor: 700 * (codes.length - 1) });
  ok(confirmed.status, 201, 'console batch confirmation', confirmed.text);
  const stray = await t.http
    .post('/v1/cash-payments')
    .set(enterer.headers)
    .send(aCashPayment({ code: generateCode() }));
  ok(stray.status, 201, 'console letter without a live code', stray.text);
  const kept = await t.http
    .post(`/v1/unmatched-payments/${stray.body.paymentId}/resolution`)
    .set(confirmer.headers)
    .send({ action: 'kept', note: `the payer meant ${codes[0]}, already paid; kept` });
  ok(kept.status, 200, 'console resolution', kept.text);
  return codes;
}

/** Every code the flow paid. */
export function redeemedCodes(trace: FlowTrace): string[] {
  return Object.values(trace.redeemed).flat();
}

/** The spellings of a code that a byte scan looks for: grouped, run together, each in both cases. */
export function spellings(code: string): string[] {
  const canonical = code.replaceAll('-', '').toUpperCase();
  const grouped = canonical.match(/.{1,4}/g)!.join('-');
  return [canonical, grouped, canonical.toLowerCase(), grouped.toLowerCase()];
}

/** The code with one symbol changed: its check symbols fail, so staff must re-read it. */
function misspell(code: string): string {
  const at = 5; // the first symbol of the second group
  const symbol = code[at];
  const other = ALPHABET[(ALPHABET.indexOf(symbol) + 7) % ALPHABET.length];
  return `${code.slice(0, at)}${other}${code.slice(at + 1)}`;
}
