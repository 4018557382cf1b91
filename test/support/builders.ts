import { randomBytes } from 'node:crypto';
import { KeyedHash } from '../../src/config/keyed-hash';
import { TestApp } from './test-app';
import { dayOf } from '../../src/common/day';

let counter = 0;

/** A mailbox id as the webmail backend would choose it; unique per call. */
export function aMailboxId(): string {
  counter += 1;
  return `user${counter}.${randomBytes(4).toString('hex')}@example.org`;
}

export function aCashPayment(
  overrides: Partial<{
    code: string;
    amountMinor: number;
    currency: string;
    receivedOn: string;
  }> = {},
) {
  return {
    code: 'set-me',
    amountMinor: 1200,
    currency: 'EUR',
    receivedOn: dayOf(new Date()),
    ...overrides,
  };
}

export async function registerMailbox(t: TestApp, mailboxId = aMailboxId()): Promise<string> {
  const res = await t.http
    .put(`/v1/mailboxes/${encodeURIComponent(mailboxId)}`)
    .set(t.auth('webmail'));
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
  return mailboxId;
}

export async function issueCode(
  t: TestApp,
  mailboxId: string,
  body: { country?: string } = {},
): Promise<string> {
  const res = await t.http
    .post(`/v1/mailboxes/${encodeURIComponent(mailboxId)}/topup-codes`)
    .set(t.auth('webmail'))
    .send(body);
  if (res.status !== 201) throw new Error(`issue failed: ${res.status} ${res.text}`);
  return res.body.code as string;
}

/**
 * What the books hold for a mailbox: its ledger and the credits that wait for
 * the next settlement, before any fee (the view's balance is after today's fee).
 */
export async function creditedTo(t: TestApp, mailboxId: string): Promise<number> {
  const res = await t.http
    .get(`/v1/mailboxes/${encodeURIComponent(mailboxId)}`)
    .set(t.auth('webmail'));
  if (res.status !== 200) throw new Error(`get failed: ${res.status} ${res.text}`);
  const mailbox = t.app.get(KeyedHash).mailbox(mailboxId);
  const [row] = await t.sql<{ total: number | string | null }>(
    `SELECT (SELECT COALESCE(SUM(CASE WHEN kind = 'credit' THEN amount_minor ELSE -amount_minor END), 0)
               FROM ledger_entry WHERE mailbox = $1)
          + (SELECT COALESCE(SUM(amount_minor), 0) FROM pending_credit WHERE mailbox = $1) AS total`,
    [mailbox],
  );
  return Number(row.total);
}

export async function count(
  t: TestApp,
  table: string,
  where = '1 = 1',
  params: unknown[] = [],
): Promise<number> {
  const [row] = await t.sql<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`,
    params,
  );
  return Number(row.n);
}
