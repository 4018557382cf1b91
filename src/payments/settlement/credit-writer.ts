import { Tx } from '../../database/tx';
import { OutboxRepository } from '../../ledger/outbox.repository';
import { LedgerRepository } from '../../ledger/ledger.repository';
import { CreditLine } from '../../ledger/credit-line';
import { shuffled } from '../../database/rows';
import { TopupCodeRepository } from '../../codes/topup-code.repository';

/**
 * Writes credits that were decided together (a settlement, a bank import, a
 * cash batch): their codes are deleted, their ledger entries and events
 * appended, each table's rows in a random order of its own and with one
 * statement per chunk. Inside the group, no transaction id, command id, row
 * position or cell order tells which credit came from which payment
 * (DESIGN.md, invariant 7); the group itself is the anonymity set.
 */
export async function writeCredits(
  tx: Tx,
  credits: readonly CreditLine[],
  options: { events: boolean },
): Promise<void> {
  if (credits.length === 0) return;
  const codes = credits.flatMap((c) => (c.codeHash === null ? [] : [c.codeHash]));
  if (codes.length > 0) {
    await TopupCodeRepository.deleteMany(tx, shuffled(codes));
  }
  await LedgerRepository.appendMany(
    tx,
    shuffled(credits).map((c) => ({
      mailbox: c.mailbox,
      kind: 'credit' as const,
      channel: c.channel,
      amountMinor: c.amountMinor,
      currency: c.currency,
      bookedOn: c.bookedOn,
    })),
  );
  if (options.events) {
    // Written with the credit, so a credit rolled back sends nothing; one per
    // mailbox, the latest day (the outbox keeps one event per mailbox and type).
    const latest = new Map<string, string>();
    for (const c of credits) {
      const day = latest.get(c.mailbox);
      if (!day || day < c.bookedOn) latest.set(c.mailbox, c.bookedOn);
    }
    await OutboxRepository.enqueueMany(
      tx,
      shuffled([...latest].map(([mailbox, eventOn]) => ({ mailbox, eventOn }))),
      'balance.credited',
    );
  }
}
