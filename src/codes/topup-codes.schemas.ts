import { z } from 'zod';

export const issueCodeSchema = z
  .strictObject({
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code')
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
  })
  .meta({ id: 'IssuedTopupCode' });
export type IssuedCode = z.infer<typeof issuedCodeSchema>;
