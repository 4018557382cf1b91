import { z } from 'zod';
import { moneySchema } from '../common/schemas';
import { TOKEN_BYTES, TOKEN_REQUEST_BYTES } from './private-token';

const base64url = (bytes: number, what: string) =>
  z
    .string()
    .length(Math.ceil((bytes * 4) / 3))
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url without padding')
    .describe(`${what}: ${bytes} bytes, base64url without padding`);

const codeSchema = z
  .string()
  .min(1)
  .max(64)
  .describe("the reserve's code, as issued (separators and case do not matter)");

export const reserveCodeSchema = z.strictObject({ code: codeSchema }).meta({ id: 'ReserveCode' });
export type ReserveCode = z.infer<typeof reserveCodeSchema>;

export const reserveBalanceSchema = z
  .object({ balance: moneySchema, expiresOn: z.string() })
  .meta({ id: 'ReserveBalance' });
export type ReserveBalance = z.infer<typeof reserveBalanceSchema>;

export const MAX_TOKENS_PER_REQUEST = 100;

export const withdrawalSchema = z
  .strictObject({
    code: codeSchema,
    tokenRequests: z
      .array(base64url(TOKEN_REQUEST_BYTES, 'a TokenRequest of RFC 9578, 6.1'))
      .min(1)
      .max(MAX_TOKENS_PER_REQUEST),
  })
  .meta({ id: 'TokenWithdrawal' });
export type Withdrawal = z.infer<typeof withdrawalSchema>;

export const withdrawnSchema = z
  .object({
    tokenResponses: z
      .array(z.string())
      .describe('one TokenResponse (the blind signature) per request, in order, base64url'),
    balance: moneySchema.describe('what the reserve holds after this withdrawal'),
  })
  .meta({ id: 'TokensWithdrawn' });
export type Withdrawn = z.infer<typeof withdrawnSchema>;

export const redemptionSchema = z
  .strictObject({
    tokens: z
      .array(base64url(TOKEN_BYTES, 'a Token of RFC 9577, type 0x0002'))
      .min(1)
      .max(MAX_TOKENS_PER_REQUEST),
  })
  .meta({ id: 'TokenRedemption' });
export type Redemption = z.infer<typeof redemptionSchema>;

export const redeemedSchema = z
  .object({ credited: moneySchema, tokens: z.number().int() })
  .meta({ id: 'TokensRedeemed' });
export type Redeemed = z.infer<typeof redeemedSchema>;

export const issuerDirectorySchema = z
  .object({
    'issuer-request-uri': z.string(),
    'token-keys': z.array(
      z.object({
        'token-type': z.literal(2),
        'token-key': z.string(),
        'not-before': z.number().int(),
        denomination: moneySchema,
        'sign-until': z.number().int(),
        'redeem-until': z.number().int(),
      }),
    ),
    'issuer-name': z.string(),
    'redeem-delay-max-seconds': z.number().int(),
  })
  .meta({ id: 'PrivateTokenIssuerDirectory' });
export type IssuerDirectory = z.infer<typeof issuerDirectorySchema>;

export const tokensReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    days: z.array(
      z.object({
        day: z.string(),
        reserveCredits: z.object({ payments: z.number().int(), amountMinor: z.number().int() }),
        issued: z.array(
          z.object({ denominationMinor: z.number().int(), tokens: z.number().int() }),
        ),
        redeemed: z.array(
          z.object({ denominationMinor: z.number().int(), tokens: z.number().int() }),
        ),
        ledgerCredits: z.object({ entries: z.number().int(), amountMinor: z.number().int() }),
        writeOff: z.object({ reserves: z.number().int(), amountMinor: z.number().int() }),
        consistent: z
          .boolean()
          .describe('the ledger credits of the day equal the value of the tokens redeemed'),
      }),
    ),
    reserves: z
      .object({
        creditedMinor: z.number().int(),
        issuedMinor: z.number().int(),
        writtenOffMinor: z.number().int(),
        outstandingMinor: z.number().int(),
        consistent: z.boolean(),
      })
      .describe(
        'all reserve credits up to `to` = tokens issued + written off + what live reserves hold (when `to` is today or later)',
      ),
    anonymitySets: z
      .array(
        z.object({
          denominationMinor: z.number().int(),
          notBefore: z.string(),
          signUntil: z.string(),
          tokensIssued: z.number().int(),
        }),
      )
      .describe(
        'per key still redeemed: the tokens it signed, among which each of its tokens hides when redeemed',
      ),
    currency: z.string(),
  })
  .meta({ id: 'TokensReport' });
export type TokensReport = z.infer<typeof tokensReportSchema>;
