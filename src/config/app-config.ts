import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv as parseDotEnv } from 'node:util';
import { z } from 'zod';
import { isPayPalCurrency } from './paypal-currency';
import { Env, envSchema, Role } from './config.schema';

export type DatabaseConfig =
  | { readonly type: 'sqlite'; readonly path: string }
  | { readonly type: 'postgres'; readonly url: string };

/** PayPal, when PAYPAL_CLIENT_ID is set (see payPalConfig below). */
export interface PayPalConfig {
  /** REST API origin, e.g. https://api-m.sandbox.paypal.com (no path: the SDK ignores it). */
  readonly apiBase: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly webhookId: string;
  /** The only places a webhook's signing certificate is fetched from. */
  readonly certUrlPrefixes: readonly string[];
  readonly minMinor: number;
  readonly maxMinor: number;
  /** Life of an order's internal code and pending link. */
  readonly orderTtlDays: number;
  readonly returnUrl: string;
  /**
   * Root certificates (PEM) a webhook certificate must chain to: PAYPAL_CERT_CA_FILE,
   * or undefined for Node's bundled roots (DigiCert's among them, as PayPal's chain).
   */
  readonly certRoots: string[] | undefined;
  /** The subject CN a webhook certificate must have, per PayPal environment. */
  readonly certCommonNames: string[];
  readonly cancelUrl: string | undefined;
}

/** Blind-signed tokens: denominations, key epochs, reserves, the top-up page. */
export interface TokensConfig {
  /** Token values in minor units, ascending, each with a key per epoch. */
  readonly denominationsMinor: readonly number[];
  /** Days a denomination key signs. */
  readonly epochDays: number;
  /** Days after its signing ends that a key's tokens are still redeemed. */
  readonly redeemDays: number;
  /** The issuer name in every token challenge (RFC 9577). */
  readonly issuerName: string;
  /** The top-up page waits up to this long, at random, before it redeems. */
  readonly redeemDelayMaxSeconds: number;
  readonly reserveTtlDays: number;
  /** Reserves created per minute and process, by anyone. */
  readonly reserveIssuesPerMinute: number;
  /** The webmail origin allowed to frame the top-up page and receive its tokens. */
  readonly embedOrigin: string | undefined;
}

/** Events to the webmail backend, when WEBMAIL_WEBHOOK_URL is set. */
export interface WebhookConfig {
  readonly url: string;
  /** whsec_<base64>: the Standard Webhooks signing secret. */
  readonly secret: string;
  /** How often the outbox is delivered: events go out in batches, not one by one. */
  readonly intervalSeconds: number;
}

/**
 * The typed, validated configuration. It is built once at start from the
 * environment (the only place that reads process.env) and injected everywhere else.
 */
export class AppConfig {
  readonly production: boolean;
  readonly host: string;
  readonly port: number;
  /** Where /metrics is served; undefined: not served. */
  readonly metrics: { readonly host: string; readonly port: number } | undefined;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly apiKeys: readonly { role: Role; key: string }[];
  readonly secretKey: Buffer;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly bodyLimitBytes: number;
  /** Per minute and process: codes per mailbox, failed authentications per credential and in all. */
  readonly rateLimits: {
    readonly codeIssuesPerMailbox: number;
    readonly authFailuresPerCredential: number;
    readonly authFailuresGlobal: number;
    /** Per hour: well-formed codes that were not live, per credential. */
    readonly matchFailuresPerCredential: number;
  };
  readonly currency: string;
  readonly feeMinor: number;
  readonly paymentLimitMinor: number;
  readonly codeTtlDays: number;
  readonly maxOpenCodes: number;
  readonly idempotencyTtlDays: number;
  readonly bankInboxDir: string | undefined;
  readonly bankInboxIntervalSeconds: number;
  /** How often credits and journal rows that wait are written (docs/decisions/0005-settlement.md). */
  readonly settleIntervalSeconds: number;
  /** How long stopping may take: requests under way, the running job, the last settlement (stopGracefully). */
  readonly shutdownGraceSeconds: number;
  readonly bankUploadLimitBytes: number;
  /** The most entries a bank import writes in one transaction (docs/decisions/0012). */
  readonly bankImportPartEntries: number;
  /** On SQLite, imports run on a thread of their own (ImportThread) unless this is false. */
  readonly bankImportThread: boolean;
  readonly bankFileLimitBytes: number;
  readonly creditor: { readonly name: string; readonly iban: string; readonly bic: string };
  readonly paypal: PayPalConfig | undefined;
  /** Days a mailbox keeps working after a period it could not pay began. */
  readonly graceDays: number;
  /** balance.low is sent when a fee takes the balance below this. */
  readonly lowBalanceMinor: number;
  /** A credit may not take a balance above this; undefined: no cap. */
  readonly balanceCapMinor: number | undefined;
  /** The largest single payment each channel may credit. */
  readonly channelLimitMinor: {
    readonly bank: number;
    readonly cash: number;
    readonly paypal: number;
    /** Cards through PayPal: PayPal's limits. */
    readonly card: number;
  };
  readonly webhook: WebhookConfig | undefined;
  /** Journal rows are kept this many years after the end of their year. */
  readonly retentionYears: number;
  /** A payment's day (a cash letter's receivedOn) may lie at most this many days in the past. */
  readonly paymentDayMaxAgeDays: number;
  /** The staff console: four eyes on cash batches, session timeouts, the address in enrolment links. */
  readonly console: {
    readonly fourEyes: boolean;
    readonly sessionIdleMs: number;
    readonly sessionMaxMs: number;
    readonly url: string;
  };
  /** Blind-signed tokens and their reserves (src/tokens). */
  readonly tokens: TokensConfig;

  constructor(env: Env & { API_KEYS: { role: Role; key: string }[]; SECRET_KEY: Buffer }) {
    this.production = env.NODE_ENV === 'production';
    this.host = env.HOST;
    this.port = env.PORT;
    this.metrics =
      env.METRICS_PORT === undefined
        ? undefined
        : { host: env.METRICS_HOST, port: env.METRICS_PORT };
    this.dataDir = env.DATA_DIR;
    this.database = env.DATABASE_URL.startsWith('sqlite:')
      ? { type: 'sqlite', path: env.DATABASE_URL.slice('sqlite:'.length) }
      : { type: 'postgres', url: env.DATABASE_URL };
    this.apiKeys = env.API_KEYS;
    this.secretKey = env.SECRET_KEY;
    this.logLevel = env.LOG_LEVEL;
    this.bodyLimitBytes = env.BODY_LIMIT_BYTES;
    this.rateLimits = {
      codeIssuesPerMailbox: env.CODE_ISSUE_LIMIT_PER_MINUTE,
      authFailuresPerCredential: env.AUTH_FAILURE_LIMIT_PER_MINUTE,
      authFailuresGlobal: env.AUTH_FAILURE_GLOBAL_LIMIT_PER_MINUTE,
      matchFailuresPerCredential: env.MATCH_FAILURE_LIMIT_PER_HOUR,
    };
    this.currency = env.CURRENCY;
    this.feeMinor = env.FEE_MINOR;
    this.paymentLimitMinor = env.PAYMENT_LIMIT_MINOR;
    this.codeTtlDays = env.CODE_TTL_DAYS;
    this.maxOpenCodes = env.MAX_OPEN_CODES;
    this.idempotencyTtlDays = env.IDEMPOTENCY_TTL_DAYS;
    this.bankInboxDir = env.BANK_INBOX_DIR;
    this.bankInboxIntervalSeconds = env.BANK_INBOX_INTERVAL_SECONDS;
    this.settleIntervalSeconds = env.SETTLE_INTERVAL_SECONDS;
    this.shutdownGraceSeconds = env.SHUTDOWN_GRACE_SECONDS;
    this.bankUploadLimitBytes = env.BANK_UPLOAD_LIMIT_BYTES;
    this.bankImportPartEntries = env.BANK_IMPORT_PART_ENTRIES;
    this.bankImportThread = env.BANK_IMPORT_THREAD === 'true';
    this.bankFileLimitBytes = env.BANK_FILE_LIMIT_BYTES;
    this.creditor = { name: env.CREDITOR_NAME, iban: env.CREDITOR_IBAN, bic: env.CREDITOR_BIC };
    this.paypal = payPalConfig(env);
    this.graceDays = env.GRACE_DAYS;
    this.lowBalanceMinor = env.LOW_BALANCE_MINOR ?? 2 * env.FEE_MINOR;
    this.balanceCapMinor = env.BALANCE_CAP_MINOR;
    // Each channel's limit is at most the global one; PayPal's is the largest order it allows.
    const limit = (own: number | undefined) => Math.min(own ?? Infinity, env.PAYMENT_LIMIT_MINOR);
    this.channelLimitMinor = {
      bank: limit(env.BANK_LIMIT_MINOR),
      cash: limit(env.CASH_LIMIT_MINOR),
      paypal: limit(this.paypal?.maxMinor),
      card: limit(this.paypal?.maxMinor),
    };
    this.webhook = webhookConfig(env);
    this.retentionYears = env.RETENTION_YEARS;
    this.paymentDayMaxAgeDays = env.PAYMENT_DAY_MAX_AGE_DAYS;
    this.console = {
      fourEyes: (env.CASH_FOUR_EYES ?? (this.production ? 'true' : 'false')) === 'true',
      sessionIdleMs: env.STAFF_SESSION_IDLE_MINUTES * 60_000,
      sessionMaxMs: env.STAFF_SESSION_MAX_HOURS * 3_600_000,
      url: (env.CONSOLE_URL ?? `http://${env.HOST}:${env.PORT}`).replace(/\/$/, ''),
    };
    this.tokens = tokensConfig(env);
    // A payment older than the retention period would be recorded only to be purged.
    if (this.paymentDayMaxAgeDays >= 365 * this.retentionYears)
      throw new ConfigError('PAYMENT_DAY_MAX_AGE_DAYS must be shorter than RETENTION_YEARS');
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
      paypal: this.paypal && { ...this.paypal, clientSecret: '[redacted]' },
      webhook: this.webhook && { ...this.webhook, secret: '[redacted]' },
    };
  }

  /** console.log and util.inspect show the same redacted view. */
  [Symbol.for('nodejs.util.inspect.custom')](): object {
    return this.toJSON();
  }
}

function tokensConfig(env: Env): TokensConfig {
  const denominationsMinor = [
    ...new Set(env.TOKEN_DENOMINATIONS_MINOR.split(',').map(Number)),
  ].sort((a, b) => a - b);
  if (denominationsMinor.some((d) => d < 1 || d > env.PAYMENT_LIMIT_MINOR))
    throw new ConfigError(
      'TOKEN_DENOMINATIONS_MINOR: each denomination lies between 1 and PAYMENT_LIMIT_MINOR',
    );
  return {
    denominationsMinor,
    epochDays: env.TOKEN_EPOCH_DAYS,
    redeemDays: env.TOKEN_REDEEM_DAYS,
    issuerName: env.TOKEN_ISSUER_NAME,
    redeemDelayMaxSeconds: env.TOKEN_REDEEM_DELAY_MAX_SECONDS,
    reserveTtlDays: env.RESERVE_TTL_DAYS,
    reserveIssuesPerMinute: env.RESERVE_ISSUE_LIMIT_PER_MINUTE,
    embedOrigin: env.TOPUP_EMBED_ORIGIN && new URL(env.TOPUP_EMBED_ORIGIN).origin,
  };
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

const PAYPAL_ORIGINS = {
  sandbox: {
    api: 'https://api-m.sandbox.paypal.com',
    certs: ['https://api.sandbox.paypal.com', 'https://api-m.sandbox.paypal.com'],
  },
  live: {
    api: 'https://api-m.paypal.com',
    certs: ['https://api.paypal.com', 'https://api-m.paypal.com'],
  },
} as const;
const CERT_PATH = '/v1/notifications/certs/';

/**
 * PayPal is optional: without PAYPAL_CLIENT_ID it is off. When it is on, the
 * secret and the webhook id must be there too (a webhook cannot be verified
 * without its id), and production must name its environment: a silent default
 * to the sandbox would take orders that never pay.
 */
function payPalConfig(env: Env): PayPalConfig | undefined {
  if (!env.PAYPAL_CLIENT_ID) {
    if (env.PAYPAL_CLIENT_SECRET || env.PAYPAL_WEBHOOK_ID)
      throw new ConfigError('PAYPAL_CLIENT_ID is missing while other PAYPAL_ variables are set');
    return undefined;
  }
  for (const name of ['PAYPAL_CLIENT_SECRET', 'PAYPAL_WEBHOOK_ID'] as const) {
    if (!env[name]) throw new ConfigError(`${name} is missing: PayPal needs it`);
  }
  if (!env.PAYPAL_RETURN_URL)
    throw new ConfigError(
      'PAYPAL_RETURN_URL is missing: PayPal sends the buyer there after approving (and after 3-D Secure)',
    );
  if (!isPayPalCurrency(env.CURRENCY))
    throw new ConfigError(
      `CURRENCY ${env.CURRENCY} is not a currency PayPal takes: turn PayPal off`,
    );
  if (env.NODE_ENV === 'production' && !env.PAYPAL_API_BASE)
    throw new ConfigError('PAYPAL_API_BASE is missing: set live, sandbox or a base URL');
  const base = env.PAYPAL_API_BASE ?? 'sandbox';
  const known = base === 'sandbox' || base === 'live' ? PAYPAL_ORIGINS[base] : undefined;
  const apiBase = known?.api ?? base.replace(/\/$/, '');
  const certUrlPrefixes = env.PAYPAL_CERT_URL_PREFIX
    ? env.PAYPAL_CERT_URL_PREFIX.split(',')
        .map((p) => p.trim())
        .filter(Boolean)
    : (known?.certs ?? [apiBase]).map((origin) => origin + CERT_PATH);
  for (const prefix of certUrlPrefixes) {
    if (!isTrustworthyPrefix(prefix))
      throw new ConfigError(
        'PAYPAL_CERT_URL_PREFIX: each prefix is an https URL ending in / (http only on loopback)',
      );
  }
  let certRoots: string[] | undefined;
  if (env.PAYPAL_CERT_CA_FILE) {
    let pem: string;
    try {
      pem = readFileSync(env.PAYPAL_CERT_CA_FILE, 'utf8');
    } catch {
      throw new ConfigError('PAYPAL_CERT_CA_FILE cannot be read: a PEM file of root certificates');
    }
    certRoots = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
    if (certRoots.length === 0)
      throw new ConfigError('PAYPAL_CERT_CA_FILE holds no PEM certificate');
  }
  const certCommonNames =
    base === 'live'
      ? ['messageverificationcerts.paypal.com']
      : base === 'sandbox'
        ? ['messageverificationcerts.sandbox.paypal.com']
        : ['messageverificationcerts.paypal.com', 'messageverificationcerts.sandbox.paypal.com'];
  const maxMinor = env.PAYPAL_MAX_MINOR ?? env.PAYMENT_LIMIT_MINOR;
  const minMinor = env.PAYPAL_MIN_MINOR ?? Math.min(100, maxMinor);
  // Above PAYMENT_LIMIT_MINOR the intake would record the payment unmatched: money taken, nothing credited.
  if (maxMinor > env.PAYMENT_LIMIT_MINOR)
    throw new ConfigError('PAYPAL_MAX_MINOR must not exceed PAYMENT_LIMIT_MINOR');
  if (minMinor > maxMinor)
    throw new ConfigError('PAYPAL_MIN_MINOR must not exceed PAYPAL_MAX_MINOR');
  return {
    apiBase,
    clientId: env.PAYPAL_CLIENT_ID,
    clientSecret: env.PAYPAL_CLIENT_SECRET!,
    webhookId: env.PAYPAL_WEBHOOK_ID!,
    certUrlPrefixes,
    minMinor,
    maxMinor,
    orderTtlDays: env.PAYPAL_ORDER_TTL_DAYS ?? 3,
    returnUrl: env.PAYPAL_RETURN_URL,
    certRoots,
    certCommonNames,
    cancelUrl: env.PAYPAL_CANCEL_URL,
  };
}

/** A prefix must pin scheme, host and a path ending in '/': "https://api.paypal.com" alone would also match "https://api.paypal.com.evil.example/". */
function isTrustworthyPrefix(prefix: string): boolean {
  let url: URL;
  try {
    url = new URL(prefix);
  } catch {
    return false;
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  return (
    (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) &&
    url.href === prefix &&
    prefix.endsWith('/') &&
    !url.username &&
    !url.search
  );
}

/** Events need both the receiver's URL and the signing secret, or neither. */
function webhookConfig(env: Env): WebhookConfig | undefined {
  if (!env.WEBMAIL_WEBHOOK_URL) {
    if (env.WEBMAIL_WEBHOOK_SECRET)
      throw new ConfigError('WEBMAIL_WEBHOOK_URL is missing while WEBMAIL_WEBHOOK_SECRET is set');
    return undefined;
  }
  if (!env.WEBMAIL_WEBHOOK_SECRET)
    throw new ConfigError('WEBMAIL_WEBHOOK_SECRET is missing: events must be signed');
  return {
    url: env.WEBMAIL_WEBHOOK_URL,
    secret: env.WEBMAIL_WEBHOOK_SECRET,
    intervalSeconds: env.WEBHOOK_INTERVAL_SECONDS,
  };
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

/**
 * The environment the service and the CLI start from: the process's own, over
 * a `.env` file in the working directory when there is one (the same syntax as
 * Node's --env-file). A variable set in both comes from the process.
 */
export function readEnvironment(
  processEnv: Record<string, string | undefined> = process.env,
  directory = process.cwd(),
): Record<string, string | undefined> {
  const file = join(directory, '.env');
  if (!existsSync(file)) return processEnv;
  return { ...parseDotEnv(readFileSync(file, 'utf8')), ...processEnv };
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
  const config = new AppConfig({ ...env, SECRET_KEY: env.SECRET_KEY, API_KEYS: env.API_KEYS });
  sources.set(config, env);
  return config;
}

const sources = new WeakMap<AppConfig, Env>();

/** What a configuration was built from: a bank import thread builds the same one from it. */
export function sourceOf(config: AppConfig): Env | undefined {
  return sources.get(config);
}
