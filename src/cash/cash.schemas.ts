import { z } from 'zod';
import { amountMinorSchema, currencySchema, daySchema } from '../common/schemas';
import { UNMATCHED_REASONS } from '../payments/received-payment';

export const cashPaymentSchema = z
  .strictObject({
    code: z
      .string()
      .min(1)
      .max(64)
      .describe('as written on the slip; separators and case do not matter'),
    amountMinor: amountMinorSchema,
    currency: currencySchema,
    receivedOn: daySchema,
  })
  .meta({ id: 'CashPayment' });
export type CashPayment = z.infer<typeof cashPaymentSchema>;

export const CASH_BATCHES_PATH = '/v1/cash-batches';
export const CASH_BATCH_MAX_ENTRIES = 10_000;
/**
 * The body limit of the batch route: the largest batch the schema allows (every
 * entry at its longest code and amount) fits, written with two-space indents
 * (test/e2e/contract.e2e-spec.ts measures it).
 */
export const CASH_BATCH_BODY_LIMIT_BYTES = 2 * 1024 * 1024;

export const cashBatchSchema = z
  .strictObject({
    receivedOn: daySchema,
    currency: currencySchema,
    countedTotalMinor: z.number().int().nonnegative(),
    entries: z
      .array(z.strictObject({ code: z.string().min(1).max(64), amountMinor: amountMinorSchema }))
      .min(1)
      .max(CASH_BATCH_MAX_ENTRIES),
  })
  .meta({ id: 'CashBatch' });
export type CashBatch = z.infer<typeof cashBatchSchema>;

export const paymentOutcomeSchema = z
  .object({
    paymentId: z.string(),
    status: z.enum(['credited', 'unmatched']),
    reason: z.enum(UNMATCHED_REASONS).optional(),
  })
  .meta({ id: 'PaymentOutcome' });
export type PaymentOutcome = z.infer<typeof paymentOutcomeSchema>;

export const cashBatchOutcomeSchema = z
  .object({
    receivedOn: z.string(),
    credited: z.number().int(),
    unmatched: z.number().int(),
    payments: z.array(paymentOutcomeSchema),
  })
  .meta({ id: 'CashBatchOutcome' });
export type CashBatchOutcome = z.infer<typeof cashBatchOutcomeSchema>;
