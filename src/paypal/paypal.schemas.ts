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
export type PayPalOrderView = { orderId: string; approveUrl?: string };

export const cardOrderSchema = z
  .object({
    orderId: z
      .string()
      .describe(
        "the PayPal order for PayPal's card fields in the buyer's browser (createOrder returns it); capture it with POST /v1/paypal-orders/{orderId}/capture",
      ),
  })
  .meta({ id: 'CardOrder' });

/** Any text: an id PayPal could not have issued (`^[A-Z0-9]{1,36}$`) is a 404, not a 400. */
export const orderParamsSchema = z.strictObject({
  orderId: z.string().max(256).describe("PayPal's order id, ^[A-Z0-9]{1,36}$"),
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
