import { z } from 'zod';
import { amountMinorSchema, currencySchema, daySchema } from '../common/schemas';

export const cashBatchDraftSchema = z
  .strictObject({
    receivedOn: daySchema,
    currency: currencySchema,
    entries: z
      .array(z.strictObject({ code: z.string().min(1).max(64), amountMinor: amountMinorSchema }))
      .min(1)
      .max(10_000),
  })
  .meta({ id: 'CashBatchDraft' });
export type CashBatchDraft = z.infer<typeof cashBatchDraftSchema>;

export const draftViewSchema = z
  .object({
    batchId: z.string(),
    enteredBy: z.string(),
    enteredAt: z.string(),
    receivedOn: z.string(),
    currency: z.string(),
    letters: z.number().int(),
  })
  .meta({ id: 'CashBatchDraftView' });
export const draftListSchema = z
  .object({ items: z.array(draftViewSchema) })
  .meta({ id: 'CashBatchDrafts' });
export const draftParamsSchema = z.strictObject({ batchId: z.uuid() });
export const confirmationSchema = z
  .strictObject({ countedTotalMinor: z.number().int().nonnegative() })
  .meta({ id: 'CashBatchConfirmation' });

export const auditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(1).optional(),
});
export const auditListSchema = z
  .object({
    items: z.array(
      z.object({
        seq: z.number().int(),
        at: z.string(),
        actor: z.string(),
        action: z.string(),
        paymentId: z.string().nullable(),
        detail: z.string(),
        hash: z.string(),
      }),
    ),
  })
  .meta({ id: 'AuditRecords' });

export const periodQuerySchema = z.strictObject({ from: daySchema, to: daySchema });
export const anonymitySetsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    sizes: z
      .array(
        z.object({ size: z.number().int(), groups: z.number().int(), credits: z.number().int() }),
      )
      .describe('per group size: how many groups and credits had it'),
  })
  .meta({ id: 'AnonymitySets' });
