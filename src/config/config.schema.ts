import { z } from 'zod';
import { isKnownCurrency } from '../common/money';

export const ROLES = ['webmail', 'staff', 'importer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const intFromEnv = (fallback: number, min = 0) =>
  z.coerce.number().int().min(min).default(fallback);

/** Decodes a secret given as hex or base64; the caller checks its length. */
export function decodeSecret(text: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]+$/.test(trimmed) && trimmed.length % 2 === 0)
    return Buffer.from(trimmed, 'hex');
  return Buffer.from(trimmed, 'base64');
}

export const MIN_SECRET_BYTES = 32;
export const MIN_API_KEY_LENGTH = 24;

const apiKeys = z.string().transform((text, ctx) => {
  const keys: { role: Role; key: string }[] = [];
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const colon = pair.indexOf(':');
    const role = pair.slice(0, colon) as Role;
    const key = pair.slice(colon + 1);
    if (colon < 0 || !ROLES.includes(role)) {
      ctx.addIssue({
        code: 'custom',
        message: `each entry is role:key with a role of ${ROLES.join(', ')}`,
      });
      return z.NEVER;
    }
    if (key.length < MIN_API_KEY_LENGTH) {
      ctx.addIssue({
        code: 'custom',
        message: `a ${role} key is shorter than ${MIN_API_KEY_LENGTH} characters`,
      });
      return z.NEVER;
    }
    keys.push({ role, key });
  }
  if (keys.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'no role:key pair given' });
    return z.NEVER;
  }
  return keys;
});

const secretKey = z.string().transform((text, ctx) => {
  const bytes = decodeSecret(text);
  if (bytes.length < MIN_SECRET_BYTES) {
    ctx.addIssue({
      code: 'custom',
      message: `must hold at least ${MIN_SECRET_BYTES} random bytes (hex or base64)`,
    });
    return z.NEVER;
  }
  return bytes;
});

/** Every variable the service reads, with development defaults (API.md, .env.example). */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: intFromEnv(3000, 0),
  // Prometheus metrics on a listener of their own (README, "Running it in production").
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'must be sqlite:<path> or postgres://…')
    .default('sqlite:./data/billing.sqlite'),
  API_KEYS: apiKeys.optional(),
  SECRET_KEY: secretKey.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: intFromEnv(64 * 1024, 1024),
  // Abuse limits, per process (README, "Tests": how rate limits are counted).
  CODE_ISSUE_LIMIT_PER_MINUTE: intFromEnv(30, 1),
  AUTH_FAILURE_LIMIT_PER_MINUTE: intFromEnv(30, 1),
  AUTH_FAILURE_GLOBAL_LIMIT_PER_MINUTE: intFromEnv(600, 1),
  MATCH_FAILURE_LIMIT_PER_HOUR: intFromEnv(100, 1),
  CURRENCY: z.string().refine(isKnownCurrency, 'must be an ISO 4217 currency code').default('EUR'),
  FEE_MINOR: intFromEnv(100, 1),
  PAYMENT_LIMIT_MINOR: intFromEnv(50_000, 1),
  CODE_TTL_DAYS: intFromEnv(60, 1),
  MAX_OPEN_CODES: intFromEnv(5, 1),
  IDEMPOTENCY_TTL_DAYS: intFromEnv(2, 1),
  BANK_INBOX_DIR: z.string().optional(),
  BANK_INBOX_INTERVAL_SECONDS: intFromEnv(15 * 60, 1),
  SETTLE_INTERVAL_SECONDS: intFromEnv(5 * 60, 1),
  // Below the 30 s an orchestrator (Kubernetes, systemd) waits before SIGKILL.
  SHUTDOWN_GRACE_SECONDS: intFromEnv(25, 1),
  BANK_UPLOAD_LIMIT_BYTES: intFromEnv(512 * 1024 * 1024, 1024),
  BANK_FILE_LIMIT_BYTES: intFromEnv(1024 * 1024 * 1024, 1024),
  // At least 200: a part's credits are its payments' anonymity set.
  BANK_IMPORT_PART_ENTRIES: intFromEnv(10_000, 200),
  // false: SQLite imports run on the service's thread (the mutation run needs that: README).
  BANK_IMPORT_THREAD: z.enum(['true', 'false']).default('true'),
  // Balance lifecycle: fees, limits, events to the webmail backend, retention.
  GRACE_DAYS: intFromEnv(14, 0),
  LOW_BALANCE_MINOR: z.coerce.number().int().min(0).optional(),
  BALANCE_CAP_MINOR: z.coerce.number().int().min(1).optional(),
  BANK_LIMIT_MINOR: z.coerce.number().int().min(1).optional(),
  CASH_LIMIT_MINOR: z.coerce.number().int().min(1).optional(),
  WEBMAIL_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  WEBMAIL_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'must be whsec_ followed by 24+ bytes in base64')
    .optional(),
  WEBHOOK_INTERVAL_SECONDS: intFromEnv(60, 1),
  RETENTION_YEARS: intFromEnv(8, 1),
  PAYMENT_DAY_MAX_AGE_DAYS: intFromEnv(90, 0),
  // Staff console (docs/decisions/0009-staff-console.md). CASH_FOUR_EYES defaults to on in production.
  CASH_FOUR_EYES: z.enum(['true', 'false']).optional(),
  STAFF_SESSION_IDLE_MINUTES: intFromEnv(30, 1),
  STAFF_SESSION_MAX_HOURS: intFromEnv(10, 1),
  CONSOLE_URL: z.url({ protocol: /^https?$/ }).optional(),
  CREDITOR_NAME: z.string().min(1).default('Example Mail GmbH'),
  CREDITOR_IBAN: z.string().min(15).default('DE02120300000000202051'),
  CREDITOR_BIC: z.string().min(8).default('BYLADEM1001'),
  // PayPal: optional; without PAYPAL_CLIENT_ID its routes answer 503. Defaults are
  // applied in app-config.ts, so that an unconfigured environment stays as it was.
  PAYPAL_API_BASE: z
    .string()
    .regex(
      /^(sandbox|live|https?:\/\/[^/?#]+)$/,
      'must be sandbox, live or a base URL without a path',
    )
    .optional(),
  PAYPAL_CLIENT_ID: z.string().min(1).optional(),
  PAYPAL_CLIENT_SECRET: z.string().min(1).optional(),
  PAYPAL_WEBHOOK_ID: z.string().min(1).optional(),
  PAYPAL_CERT_URL_PREFIX: z.string().optional(),
  PAYPAL_CERT_CA_FILE: z.string().min(1).optional(),
  PAYPAL_MIN_MINOR: z.coerce.number().int().min(1).optional(),
  PAYPAL_MAX_MINOR: z.coerce.number().int().min(1).optional(),
  PAYPAL_ORDER_TTL_DAYS: z.coerce.number().int().min(1).optional(),
  PAYPAL_RETURN_URL: z.url().optional(),
  PAYPAL_CANCEL_URL: z.url().optional(),
  // Blind-signed tokens (src/tokens, docs/decisions/0011-blind-signed-tokens.md).
  TOKEN_DENOMINATIONS_MINOR: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'must be positive amounts in minor units, comma-separated')
    .default('100,200,500,1000,2000,5000'),
  TOKEN_EPOCH_DAYS: intFromEnv(30, 1),
  TOKEN_REDEEM_DAYS: intFromEnv(90, 1),
  TOKEN_ISSUER_NAME: z.string().min(1).max(255).default('billing.invalid'),
  TOKEN_REDEEM_DELAY_MAX_SECONDS: intFromEnv(6 * 60 * 60, 0),
  RESERVE_TTL_DAYS: intFromEnv(60, 1),
  RESERVE_ISSUE_LIMIT_PER_MINUTE: intFromEnv(60, 1),
  TOPUP_EMBED_ORIGIN: z.url({ protocol: /^https?$/ }).optional(),
});

export type Env = z.infer<typeof envSchema>;
