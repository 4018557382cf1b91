import type { CamtTransaction } from './camt';
import { ReceivedPayment } from '../payments/received-payment';

export type BankEntry =
  { kind: 'payment'; payment: ReceivedPayment } | { kind: 'ignored'; why: 'debit' | 'not-booked' };

/**
 * Turns one CAMT transaction into a received payment for the intake, or says
 * why it is not one. Only booked credits are money received; a reversal is
 * recorded (and never credited) so that staff can undo what it reverses.
 */
export function toBankEntry(t: CamtTransaction, digest: (text: string) => string): BankEntry {
  if (t.status !== 'BOOK') return { kind: 'ignored', why: 'not-booked' };
  if (t.creditDebit === 'DBIT' && !t.reversal) return { kind: 'ignored', why: 'debit' };
  const unstructured = t.remittance.unstructuredParts;
  return {
    kind: 'payment',
    payment: {
      channel: 'bank',
      externalRef: bookingReference(t, digest),
      amountMinor: t.amountMinor,
      currency: t.currency,
      bookedOn: (t.bookingDate ?? t.valueDate)!,
      payer: { name: t.debtorName ?? t.ultimateDebtorName, iban: t.debtorIban },
      // Ustrd lines are joined without a separator for matching: banks cut lines
      // at fixed widths, through the middle of a code.
      texts: [
        unstructured.join(''),
        ...t.remittance.creditorReferences.map((r) => r.ref),
        t.endToEndId ?? '',
      ],
      remittance: t.remittance.unstructured,
      correctTypos: true,
      reversal: t.reversal,
    },
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
