import { z } from 'zod';
import { UNMATCHED_REASONS } from './received-payment';
import { CHANNELS } from '../ledger/channel';

export const unmatchedListSchema = z
  .object({
    items: z.array(
      z.object({
        paymentId: z.string(),
        channel: z.enum(CHANNELS),
        amountMinor: z.number().int(),
        currency: z.string(),
        bookedOn: z.string(),
        payerName: z.string().optional(),
        payerIban: z.string().optional(),
        remittance: z.string().optional(),
        reason: z.enum(UNMATCHED_REASONS),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'UnmatchedPayments' });
export type UnmatchedList = z.infer<typeof unmatchedListSchema>;

/** Why staff resolved it so: kept in the audit trail only (codes cut out); required from the console. */
const resolutionNote = z.string().trim().min(1).max(500).optional();

export const resolutionSchema = z
  .discriminatedUnion('action', [
    z.strictObject({
      action: z.literal('credit-code'),
      code: z.string().min(1).max(64),
      note: resolutionNote,
    }),
    z.strictObject({ action: z.literal('refunded'), note: resolutionNote }),
    z.strictObject({ action: z.literal('kept'), note: resolutionNote }),
  ])
  .meta({ id: 'Resolution' });
export type Resolution = z.infer<typeof resolutionSchema>;

export const resolvedSchema = z
  .object({ paymentId: z.string(), status: z.enum(['credited', 'refunded', 'kept']) })
  .meta({ id: 'Resolved' });
export type Resolved = z.infer<typeof resolvedSchema>;

export const paymentParamsSchema = z.strictObject({ paymentId: z.uuid() });
