import { z } from 'zod';
import {
  amountMinorSchema,
  countrySchema,
  currencySchema,
  mailboxIdSchema,
} from '../common/schemas';
import { UNMATCHED_REASONS } from '../payments/received-payment';

export const newPayPalOrderSchema = z
  .strictObject({
    amountMinor: amountMinorSchema,
    currency: currencySchema,
    country: countrySchema
      .optional()
      .describe('VAT evidence, as for a top-up code; kept with the order, never with the mailbox'),
  })
  .meta({ id: 'NewPayPalOrder' });
export type NewPayPalOrderBody = z.infer<typeof newPayPalOrderSchema>;

export const mailboxOrderParamsSchema = z.strictObject({ mailboxId: mailboxIdSchema });

export const payPalOrderSchema = z
  .object({
    orderId: z.string(),
    approveUrl: z.string().describe('where the buyer approves the payment at PayPal'),
  })
  .meta({ id: 'PayPalOrder' });
export type PayPalOrderView = z.infer<typeof payPalOrderSchema>;

export const orderParamsSchema = z.strictObject({
  orderId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'a PayPal order id'),
});

export const captureAnswerSchema = z
  .object({
    status: z
      .enum(['credited', 'pending', 'unmatched'])
      .describe(
        'credited; pending (202: PayPal holds the payment, it is credited when PayPal completes it); ' +
          'unmatched (the money arrived but no live code took it: staff resolve it)',
      ),
    reason: z.enum(UNMATCHED_REASONS).optional(),
  })
  .meta({ id: 'PayPalCapture' });
export type CaptureAnswer = z.infer<typeof captureAnswerSchema>;

export const webhookAnswerSchema = z
  .object({ status: z.enum(['processed', 'ignored']) })
  .meta({ id: 'PayPalWebhookAnswer' });
export type WebhookAnswer = z.infer<typeof webhookAnswerSchema>;
