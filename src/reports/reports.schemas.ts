import { z } from 'zod';
import { daySchema } from '../common/schemas';

export const reconciliationQuerySchema = z.strictObject({ from: daySchema, to: daySchema });
export type ReconciliationQuery = z.infer<typeof reconciliationQuerySchema>;

const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM');
export const vatQuerySchema = z.strictObject({ from: monthSchema, to: monthSchema });
export type VatQuery = z.infer<typeof vatQuerySchema>;

const tally = z
  .object({ count: z.number().int(), amountMinor: z.number().int() })
  .meta({ id: 'Tally' });
export type Tally = z.infer<typeof tally>;

export const reconciliationSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    currency: z.string(),
    consistent: z
      .boolean()
      .describe('credited payments equal ledger credits on every day and channel of the range'),
    days: z.array(
      z.object({
        date: z.string(),
        consistent: z.boolean(),
        payments: z
          .array(
            z.object({
              channel: z.string(),
              country: z.string().nullable().describe('VAT country evidence of the payment'),
              currency: z.string(),
              received: tally.describe('money in, by booking day'),
              credited: tally.describe('credited to a mailbox, by the day credited'),
              unmatched: tally.describe('still waiting for staff, by booking day'),
              refunded: tally.describe('refunded by staff (by the day resolved) or by PayPal'),
              kept: tally.describe('kept by staff, by the day resolved'),
              reversed: tally.describe('bank and PayPal reversals, by booking day'),
              disputed: tally.describe('PayPal disputes opened: a claim, not yet money out'),
            }),
          )
          .describe('the payment journal, per channel, VAT country and currency'),
        ledger: z
          .array(z.object({ channel: z.string(), credits: tally }))
          .describe('ledger credits per channel, closed mailboxes included'),
        writeOffs: z
          .array(
            z.object({
              channel: z.string(),
              refunded: tally.describe('refunds of payments already credited'),
              reversed: tally.describe('reversals (chargebacks) of payments already credited'),
              disputed: tally.describe(
                'disputes opened on payments already credited: a claim; money lost comes as a reversal',
              ),
              lost: tally.describe('refunded and reversed: money gone that no balance was charged'),
            }),
          )
          .describe(
            'money claimed back after a credit, by the day PayPal reported it: the mailbox keeps the credit, because charging it back would need a link from the payment to the mailbox, which the service does not keep',
          ),
        feeDebits: tally,
        checks: z.array(
          z.object({
            channel: z.string(),
            creditedPayments: tally,
            ledgerCredits: tally,
            consistent: z.boolean(),
          }),
        ),
        pending: z
          .object({
            credits: tally.describe('ledger credits that wait for the next settlement'),
            payments: tally.describe('credited journal rows that wait for the next settlement'),
          })
          .describe('counted in the figures above already: written by the next settlement'),
        anonymitySet: z
          .object({
            credits: z.number().int(),
            groups: z
              .number()
              .int()
              .describe('settlement batches times the channel and amount pairs they credited'),
            minimum: z.number().int().describe('credits in the smallest group'),
            median: z.number().describe('median group size'),
            alone: z
              .number()
              .int()
              .describe('credits alone in their batch with their channel and amount'),
          })
          .describe(
            'how many credits written together (one settlement batch, bank import or cash batch) share a channel and an amount: a credit hides only among those, and one alone is linkable by whoever holds both books',
          ),
      }),
    ),
  })
  .meta({ id: 'Reconciliation' });
export type Reconciliation = z.infer<typeof reconciliationSchema>;
