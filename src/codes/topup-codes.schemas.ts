import { z } from 'zod';
import { countrySchema } from '../common/schemas';

export const issueCodeSchema = z
  .strictObject({
    country: countrySchema
      .optional()
      .describe(
        'VAT evidence derived by the webmail backend; kept with the code, never with the mailbox',
      ),
  })
  .meta({ id: 'IssueTopupCode' });
export type IssueCode = z.infer<typeof issueCodeSchema>;

export const issuedCodeSchema = z
  .object({
    code: z.string().describe('shown in groups, e.g. K7QM-2XPF-9D3A'),
    expiresOn: z.string(),
    transfer: z.object({
      creditorName: z.string(),
      iban: z.string(),
      bic: z.string(),
      remittance: z.string(),
    }),
    epcQr: z
      .string()
      .describe(
        'the EPC QR code payload (GiroCode, EPC069-12 v002) of the transfer, amount left to the payer',
      ),
  })
  .meta({ id: 'IssuedTopupCode' });
export type IssuedCode = z.infer<typeof issuedCodeSchema>;
