import { z } from 'zod';
import { moneySchema } from '../common/schemas';

export const mailboxViewSchema = z
  .object({
    mailboxId: z.string(),
    balance: moneySchema,
    pending: moneySchema.describe(
      'credits received (cash letters, resolutions) that the next settlement adds to the balance',
    ),
    openCodes: z.number().int(),
    status: z.enum(['active', 'grace', 'suspended']),
    paidUntil: z.string().describe('the last day the balance pays for at the monthly fee'),
  })
  .meta({ id: 'Mailbox' });
export type MailboxView = z.infer<typeof mailboxViewSchema>;

export const ledgerSchema = z
  .object({
    entries: z.array(
      z.object({
        kind: z.enum(['credit', 'debit']),
        channel: z.string(),
        amountMinor: z.number().int(),
        currency: z.string(),
        date: z.string(),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'Ledger' });
export type LedgerView = z.infer<typeof ledgerSchema>;
