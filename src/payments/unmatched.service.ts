import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { DomainError, NotFound } from '../common/domain-error';
import { Idempotency, StoredResponse } from '../http/idempotency';
import { Cursor, pageOf } from '../common/schemas';
import { withoutAnyCode } from '../codes/code-finder';
import { parseCode } from '../codes/code-format';
import { CodeMisread } from '../codes/code.errors';
import { Transactions } from '../database/transactions';
import { PaymentIntake } from './payment-intake';
import { PaymentRepository } from './payment.repository';
import { Resolution, Resolved, UnmatchedList } from './unmatched.schemas';

export class CodeNotLive extends DomainError {
  readonly slug = 'code-not-live';
  readonly status = 409;
  readonly title = 'The code is not live: used, expired or never issued';
}

export class PaymentNotCreditable extends DomainError {
  readonly slug = 'payment-not-creditable';
  readonly status = 422;
  readonly title = 'This payment cannot be credited';
}

export class AlreadyResolved extends DomainError {
  readonly slug = 'already-resolved';
  readonly status = 409;
  readonly title = 'The payment is not unmatched (any more)';
}

/** What staff see of payments that found no mailbox, and how they settle them. */
@Injectable()
export class UnmatchedService {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(PaymentIntake) private readonly intake: PaymentIntake,
    @Inject(Idempotency) private readonly idempotency: Idempotency,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  list(limit: number, cursor?: string): Promise<UnmatchedList> {
    return this.transactions.run(async (tx) => {
      const rows = await PaymentRepository.listUnmatched(tx, limit + 1, Cursor.decode(cursor));
      const { page, nextCursor } = pageOf(rows, limit);
      return {
        items: page.map((p) => ({
          paymentId: p.id,
          channel: p.channel,
          amountMinor: p.amountMinor,
          currency: p.currency,
          bookedOn: p.bookedOn,
          ...(p.payerName ? { payerName: p.payerName } : {}),
          ...(p.payerIban ? { payerIban: p.payerIban } : {}),
          ...(p.remittance ? { remittance: p.remittance } : {}),
          reason: p.reason,
        })),
        nextCursor,
      };
    });
  }

  /** Settles one unmatched payment; payer details are erased with it. */
  resolve(
    paymentId: string,
    resolution: Resolution,
    idempotencyKey?: string,
  ): Promise<StoredResponse<Resolved>> {
    const code = resolution.action === 'credit-code' ? parseCode(resolution.code) : undefined;
    if (code && !code.ok) {
      throw new CodeMisread('Check the code again; nothing was changed.', [
        {
          path: 'code',
          message: code.problem === 'check' ? 'the check symbols do not match' : 'not a code',
        },
      ]);
    }
    const scope = `resolution:${paymentId}`;
    return this.idempotency.run(idempotencyKey, { scope, body: resolution }, 200, async (tx) => {
      const payment = await PaymentRepository.lockUnmatched(tx, paymentId);
      if (!payment) {
        if (await PaymentRepository.exists(tx, paymentId))
          throw new AlreadyResolved('It was resolved before.');
        throw new NotFound('No payment with this id.');
      }
      const today = this.clock.today();
      if (code?.ok) {
        const result = await this.intake.creditFound(tx, payment, code.canonical, today);
        if (result === 'not-live')
          throw new CodeNotLive('No live code matches; nothing was changed.');
        if (result !== 'credited') {
          throw new PaymentNotCreditable(
            `The payment cannot be credited (${result}); refund or keep it.`,
          );
        }
        return { paymentId, status: 'credited' as const };
      }
      const status = resolution.action === 'refunded' ? ('refunded' as const) : ('kept' as const);
      await PaymentRepository.resolve(tx, paymentId, {
        status,
        settledOn: null,
        resolvedOn: today,
        // Rows taken in before codes were kept out of unmatched rows may hold one.
        remittance: payment.remittance === null ? null : withoutAnyCode(payment.remittance),
      });
      return { paymentId, status };
    });
  }
}
