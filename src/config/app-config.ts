import { z } from 'zod';
import { Env, envSchema, Role } from './config.schema';

export type DatabaseConfig =
  | { readonly type: 'sqlite'; readonly path: string }
  | { readonly type: 'postgres'; readonly url: string };

/**
 * The typed, validated configuration. It is built once at start from the
 * environment (the only place that reads process.env) and injected everywhere else.
 */
export class AppConfig {
  readonly production: boolean;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly apiKeys: readonly { role: Role; key: string }[];
  readonly secretKey: Buffer;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly bodyLimitBytes: number;
  readonly currency: string;
  readonly feeMinor: number;
  readonly paymentLimitMinor: number;
  readonly codeTtlDays: number;
  readonly maxOpenCodes: number;
  readonly idempotencyTtlDays: number;
  readonly bankInboxDir: string | undefined;
  readonly bankInboxIntervalSeconds: number;
  readonly bankUploadLimitBytes: number;
  readonly bankFileLimitBytes: number;
  readonly creditor: { readonly name: string; readonly iban: string; readonly bic: string };

  constructor(env: Env & { API_KEYS: { role: Role; key: string }[]; SECRET_KEY: Buffer }) {
    this.production = env.NODE_ENV === 'production';
    this.host = env.HOST;
    this.port = env.PORT;
    this.dataDir = env.DATA_DIR;
    this.database = env.DATABASE_URL.startsWith('sqlite:')
      ? { type: 'sqlite', path: env.DATABASE_URL.slice('sqlite:'.length) }
      : { type: 'postgres', url: env.DATABASE_URL };
    this.apiKeys = env.API_KEYS;
    this.secretKey = env.SECRET_KEY;
    this.logLevel = env.LOG_LEVEL;
    this.bodyLimitBytes = env.BODY_LIMIT_BYTES;
    this.currency = env.CURRENCY;
    this.feeMinor = env.FEE_MINOR;
    this.paymentLimitMinor = env.PAYMENT_LIMIT_MINOR;
    this.codeTtlDays = env.CODE_TTL_DAYS;
    this.maxOpenCodes = env.MAX_OPEN_CODES;
    this.idempotencyTtlDays = env.IDEMPOTENCY_TTL_DAYS;
    this.bankInboxDir = env.BANK_INBOX_DIR;
    this.bankInboxIntervalSeconds = env.BANK_INBOX_INTERVAL_SECONDS;
    this.bankUploadLimitBytes = env.BANK_UPLOAD_LIMIT_BYTES;
    this.bankFileLimitBytes = env.BANK_FILE_LIMIT_BYTES;
    this.creditor = { name: env.CREDITOR_NAME, iban: env.CREDITOR_IBAN, bic: env.CREDITOR_BIC };
  }

  /** The secret must never appear in logs or error output, not even by accident. */
  toJSON(): object {
    return {
      ...this,
      secretKey: '[redacted]',
      apiKeys: this.apiKeys.map((k) => k.role),
      database:
        this.database.type === 'postgres'
          ? { ...this.database, url: withoutPassword(this.database.url) }
          : this.database,
    };
  }

  /** console.log and util.inspect show the same redacted view. */
  [Symbol.for('nodejs.util.inspect.custom')](): object {
    return this.toJSON();
  }
}

/** A PostgreSQL URL may carry a password, in the user part or as a parameter. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'redacted';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', 'redacted');
    return parsed.toString();
  } catch {
    return '[redacted]';
  }
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** One readable line per problem, naming the variable; never echoing a value. */
function describe(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`)
    .join('; ');
}

export function parseEnv(env: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = envSchema.safeParse(cleaned);
  if (!result.success) throw new ConfigError(`invalid configuration: ${describe(result.error)}`);
  return result.data;
}

/**
 * Builds the configuration. Missing secrets are an error here; development
 * defaults for them are filled in beforehand by {@link withDevelopmentSecrets}.
 */
export function buildConfig(env: Env): AppConfig {
  if (!env.SECRET_KEY)
    throw new ConfigError('SECRET_KEY is missing: set 32+ random bytes, hex or base64');
  if (!env.API_KEYS)
    throw new ConfigError('API_KEYS is missing: set role:key pairs, comma-separated');
  return new AppConfig({ ...env, SECRET_KEY: env.SECRET_KEY, API_KEYS: env.API_KEYS });
}
