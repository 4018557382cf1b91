import type { CamtTransaction } from './camt';
import { BookingIdentity, ReceivedPayment } from '../payments/received-payment';
import { StatementRejected } from './bank.errors';

/**
 * Widths of the journal's columns (payment.payer_name, payer_iban, external_ref).
 * A valid file stays far below them (names 140, accounts 34, references 35
 * characters); PostgreSQL refuses a longer value, so a broken file's is fitted.
 */
const NAME_CHARS = 255;
const ACCOUNT_CHARS = 64;
const REFERENCE_CHARS = 255;

export type BankEntry =
  { kind: 'payment'; payment: ReceivedPayment } | { kind: 'ignored'; why: 'debit' | 'not-booked' };

/**
 * Turns one CAMT transaction of the file `fileName` into a received payment for
 * the intake, or says why it is not one. Only booked credits are money
 * received; a reversal is recorded (and never credited) so that staff can undo
 * what it reverses.
 */
export function toBankEntry(
  t: CamtTransaction,
  digest: (text: string) => string,
  fileName: string,
  seen: Occurrences = new Map(),
): BankEntry {
  if (t.status !== 'BOOK') return { kind: 'ignored', why: 'not-booked' };
  if (t.creditDebit === 'DBIT' && !t.reversal) return { kind: 'ignored', why: 'debit' };
  // ISO 20022 leaves both dates optional, so the reader does; a payment needs
  // its day. Refuse the file rather than guess one: the import is all or nothing.
  const bookedOn = t.bookingDate ?? t.valueDate;
  if (bookedOn === null) {
    throw new StatementRejected(
      `${fileName}:${t.line}: a booked entry without BookgDt or ValDt: no day to book it on`,
      [{ path: fileName, message: 'bank.missing-booking-day' }],
    );
  }
  const unstructured = t.remittance.unstructuredParts;
  return {
    kind: 'payment',
    payment: {
      channel: 'bank',
      externalRef: bookingReference(t, digest),
      amountMinor: t.amountMinor,
      currency: t.currency,
      bookedOn,
      payer: {
        // A name cut short still helps staff find the payer.
        name: cut(t.debtorName ?? t.ultimateDebtorName, NAME_CHARS),
        // An account number cut short would send a refund elsewhere: none then.
        iban: (t.debtorIban?.length ?? 0) <= ACCOUNT_CHARS ? t.debtorIban : null,
      },
      // Ustrd lines are joined without a separator for matching: banks cut lines
      // at fixed widths, through the middle of a code.
      texts: [
        unstructured.join(''),
        ...t.remittance.creditorReferences.map((r) => r.ref),
        t.endToEndId ?? '',
      ],
      remittance: t.remittance.unstructured,
      correctTypos: true,
      kind: t.reversal ? 'reversal' : 'credit',
      identity: bookingIdentity(t, bookedOn, digest, seen),
    },
  };
}

/** How often each booking content has been seen so far in one file (by a digest's prefix). */
export type Occurrences = Map<string, number>;

/**
 * A booking's identity across the messages that report it
 * (docs/decisions/0008-booking-identity.md): its two references where the
 * bank gives them, and a digest of what it says that every message repeats.
 * Identical bookings in one file (the same payer paying the same amount with
 * the same text twice on a day) are told apart by their order in the file.
 */
export function bookingIdentity(
  t: CamtTransaction,
  bookedOn: string,
  digest: (text: string) => string,
  seen: Occurrences,
): BookingIdentity {
  const account = t.accountIban ?? '-';
  const endToEnd = t.endToEndId && t.endToEndId.toUpperCase() !== 'NOTPROVIDED' ? t.endToEndId : '';
  const content = digest(
    JSON.stringify([
      'content',
      account,
      bookedOn,
      t.amountMinor,
      t.currency,
      t.reversal ? `R${t.creditDebit}` : t.creditDebit,
      endToEnd,
      t.debtorIban ?? '',
      t.remittance.unstructuredParts.join('').replace(/\s+/g, '').toUpperCase(),
    ]),
  );
  const prefix = content.slice(0, 16);
  const occurrence = (seen.get(prefix) ?? 0) + 1;
  seen.set(prefix, occurrence);
  return {
    content: digest(`${content}#${occurrence}`),
    entry:
      t.entryServicerRef === null
        ? null
        : digest(JSON.stringify(['entry', account, t.entryServicerRef, t.detailIndex])),
    detail:
      t.detailServicerRef === null
        ? null
        : digest(JSON.stringify(['detail', account, t.detailServicerRef])),
  };
}

/**
 * The same booking arrives in camt.052, then camt.054, then camt.053: it is
 * one payment when account, bank reference, booking day and amount agree. A
 * detail without a reference of its own is told apart by its place in the
 * entry. Without any bank reference, a keyed digest of what the booking says
 * stands in (keyed, because it covers the payer's IBAN and a guessable text);
 * then the same booking is recognised again only in the same file.
 */
export function bookingReference(t: CamtTransaction, digest: (text: string) => string): string {
  const reference = fullReference(t, digest);
  // Only a broken file makes one this long; its keyed digest recognises it again.
  return reference.length <= REFERENCE_CHARS ? reference : `digest:${digest(reference)}`;
}

function fullReference(t: CamtTransaction, digest: (text: string) => string): string {
  const account = t.accountIban ?? '-';
  const day = t.bookingDate ?? t.valueDate ?? '-';
  const money = `${t.amountMinor}${t.currency}`;
  const direction = t.reversal ? `R${t.creditDebit}` : t.creditDebit;
  if (t.accountServicerRef) {
    return [account, t.accountServicerRef, day, money, direction, t.detailIndex].join('/');
  }
  const summary = digest(
    JSON.stringify([
      account,
      t.entryRef,
      day,
      t.valueDate,
      money,
      direction,
      t.endToEndId,
      t.debtorIban,
      t.remittance.unstructuredParts,
      t.entryIndex,
      t.detailIndex,
    ]),
  );
  return `${account}/digest:${summary}`;
}

/** At most `chars` characters, never splitting one in two. */
function cut(text: string | null, chars: number): string | null {
  if (text === null || text.length <= chars) return text;
  return Array.from(text).slice(0, chars).join('');
}
