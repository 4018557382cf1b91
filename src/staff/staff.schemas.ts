import { z } from 'zod';

export const signInSchema = z
  .strictObject({
    name: z.string().min(1).max(64),
    password: z.string().min(1).max(1024),
    oneTimeCode: z.string().min(1).max(16),
  })
  .meta({ id: 'StaffSignIn' });
export type SignIn = z.infer<typeof signInSchema>;

export const staffSessionSchema = z
  .object({
    name: z.string(),
    role: z.enum(['staff', 'admin']),
    locale: z.enum(['de', 'en']),
    csrfToken: z.string().describe('send it as X-CSRF-Token with every state-changing request'),
  })
  .meta({ id: 'StaffSession' });

export const enrolmentSchema = z.strictObject({ token: z.string().min(1).max(128) });
export const enrolmentSecretSchema = z
  .object({ name: z.string(), secret: z.string(), uri: z.string() })
  .meta({ id: 'StaffEnrolment' });
export const enrolmentCompletionSchema = z
  .strictObject({
    token: z.string().min(1).max(128),
    password: z.string().min(1).max(1024),
    oneTimeCode: z.string().min(1).max(16),
  })
  .meta({ id: 'StaffEnrolmentCompletion' });

export const accountParamsSchema = z.strictObject({ name: z.string().min(1).max(64) });
export const staffAccountsSchema = z
  .object({
    items: z.array(
      z.object({
        name: z.string(),
        role: z.enum(['staff', 'admin']),
        locale: z.enum(['de', 'en']),
        status: z.string(),
        createdAt: z.string(),
        lastSignInAt: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'StaffAccounts' });
