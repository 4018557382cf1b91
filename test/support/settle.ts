import { INestApplicationContext } from '@nestjs/common';
import { Day } from '../../src/common/day';
import { Tx } from '../../src/database/tx';
import { PaymentIntake } from '../../src/payments/payment-intake';
import { IntakeOutcome, ReceivedPayment } from '../../src/payments/received-payment';
import { Settlement, SettlementRun } from '../../src/payments/settlement/settlement.service';
import { CreditBatch } from '../../src/payments/settlement/settling';

/**
 * Runs the settlement now, as its interval would (tests start the service
 * without its schedule): credits of cash letters and resolutions reach the
 * ledger, journal rows of PayPal captures reach the journal.
 */
export async function settleNow(t: { app: INestApplicationContext }): Promise<SettlementRun> {
  const run = await t.app.get(Settlement).run();
  if (!run) throw new Error('the settlement did not run');
  return run;
}

/**
 * Takes payments in as a bank import does (a batch whose credits are written
 * at its end), inside the caller's transaction.
 */
export async function takeAsBatch(
  app: INestApplicationContext,
  tx: Tx,
  payments: ReceivedPayment[],
  settleOn: Day,
): Promise<IntakeOutcome[]> {
  const batch = new CreditBatch(settleOn);
  const outcomes: IntakeOutcome[] = [];
  for (const payment of payments)
    outcomes.push(await app.get(PaymentIntake).take(tx, payment, { kind: 'batch', batch }));
  await app.get(Settlement).closeBatch(tx, batch);
  return outcomes;
}
