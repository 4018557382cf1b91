import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { FieldError, UnknownCurrency } from '../common/domain-error';
import { Idempotency, StoredResponse } from '../http/idempotency';
import { isKnownCurrency } from '../common/money';
import { PaymentDayWindow } from '../payments/payment-day';
import { parseCode } from '../codes/code-format';
import { Tx } from '../database/tx';
import { PaymentIntake } from '../payments/payment-intake';
import { IntakeOutcome, ReceivedPayment } from '../payments/received-payment';
import { Settlement } from '../payments/settlement/settlement.service';
import { CreditBatch } from '../payments/settlement/settling';
import { TotalsDoNotAddUp } from './cash.errors';
import { CodeMisread } from '../codes/code.errors';
import { CashBatch, CashBatchOutcome, CashPayment, PaymentOutcome } from './cash.schemas';

/**
 * Cash letters: staff type the code from the slip and the amount they counted.
 * A code whose check symbols fail is refused before anything is recorded (the
 * letter is re-read); every other letter is received money and is recorded,
 * credited or unmatched. No answer here ever names a mailbox.
 */
@Injectable()
export class CashService {
  constructor(
    @Inject(PaymentIntake) private readonly intake: PaymentIntake,
    @Inject(Idempotency) private readonly idempotency: Idempotency,
    @Inject(Settlement) private readonly settlement: Settlement,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(PaymentDayWindow) private readonly days: PaymentDayWindow,
  ) {}

  pay(letter: CashPayment, idempotencyKey?: string): Promise<StoredResponse<PaymentOutcome>> {
    requireKnownCurrency(letter.currency);
    this.days.check(letter.receivedOn, 'receivedOn');
    const code = readCode(letter.code, 'code');
    return this.idempotency.run(
      idempotencyKey,
      { scope: 'cash-payment', body: letter },
      201,
      // The journal row now (the answer names it), the credit at the next settlement.
      async (tx) =>
        toOutcome(
          await this.intake.take(tx, this.received(code, letter.amountMinor, letter), {
            kind: 'credit-later',
            settleOn: this.clock.today(),
          }),
        ),
    );
  }

  /** A day's letters in one transaction: all are recorded, or none. */
  payBatch(batch: CashBatch, idempotencyKey?: string): Promise<StoredResponse<CashBatchOutcome>> {
    requireKnownCurrency(batch.currency);
    this.days.check(batch.receivedOn, 'receivedOn');
    const problems: FieldError[] = [];
    const codes = batch.entries.map((entry, i) => {
      try {
        return readCode(entry.code, `entries.${i}.code`);
      } catch (error) {
        problems.push(...((error as CodeMisread).errors ?? []));
        return '';
      }
    });
    if (problems.length > 0) {
      throw new CodeMisread(
        `${problems.length} code(s) in the batch were misread; nothing was recorded.`,
        problems,
      );
    }
    const total = batch.entries.reduce((sum, e) => sum + e.amountMinor, 0);
    if (total !== batch.countedTotalMinor) {
      throw new TotalsDoNotAddUp(
        `The entries add up to ${total}, the counted total is ${batch.countedTotalMinor}; nothing was recorded.`,
        [{ path: 'countedTotalMinor', message: `entries add up to ${total}` }],
      );
    }
    return this.idempotency.run(
      idempotencyKey,
      { scope: 'cash-batch', body: batch },
      201,
      async (tx: Tx) => {
        // A settlement of its own: the credits are written together at the end.
        const credits = new CreditBatch(this.clock.today());
        const payments: PaymentOutcome[] = [];
        for (const [i, entry] of batch.entries.entries()) {
          const received = this.received(codes[i], entry.amountMinor, batch);
          payments.push(
            toOutcome(await this.intake.take(tx, received, { kind: 'batch', batch: credits })),
          );
        }
        await this.settlement.closeBatch(tx, credits);
        return {
          receivedOn: batch.receivedOn,
          credited: payments.filter((p) => p.status === 'credited').length,
          unmatched: payments.filter((p) => p.status === 'unmatched').length,
          payments,
        };
      },
    );
  }

  private received(
    code: string,
    amountMinor: number,
    letter: { currency: string; receivedOn: string },
  ): ReceivedPayment {
    return {
      channel: 'cash',
      // A letter has no reference of its own; a repeated request is caught by its Idempotency-Key.
      externalRef: randomUUID(),
      amountMinor,
      currency: letter.currency,
      bookedOn: letter.receivedOn,
      texts: [code],
      // Staff re-read a letter whose code fails; nothing is guessed for cash.
      correctTypos: false,
    };
  }
}

function requireKnownCurrency(currency: string): void {
  if (!isKnownCurrency(currency)) {
    throw new UnknownCurrency(
      `${currency} is not an active ISO 4217 currency; nothing was recorded.`,
      [{ path: 'currency', message: 'unknown currency' }],
    );
  }
}

function readCode(text: string, path: string): string {
  const parsed = parseCode(text);
  if (parsed.ok) return parsed.canonical;
  const message =
    parsed.problem === 'check'
      ? 'the check symbols do not match'
      : 'a code has 12 symbols of 0-9 and A-Z without I, L, O, U';
  throw new CodeMisread('Read the code on the slip again; nothing was recorded.', [
    { path, message },
  ]);
}

function toOutcome(outcome: IntakeOutcome): PaymentOutcome {
  // A cash letter always has a fresh reference, so the intake never calls it a duplicate.
  if (outcome.status === 'unmatched')
    return { paymentId: outcome.paymentId, status: 'unmatched', reason: outcome.reason };
  return { paymentId: outcome.paymentId, status: 'credited' };
}
