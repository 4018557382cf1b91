import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppConfig, buildConfig, ConfigError, parseEnv } from './app-config';
import { ROLES } from './config.schema';
import { withDevelopmentSecrets } from './development-secrets';

const strongSecret = () => randomBytes(32).toString('hex');
const apiKey = () => randomBytes(24).toString('base64url');
const apiKeysFor = (roles: readonly string[]) => roles.map((r) => `${r}:${apiKey()}`).join(',');

/** The ConfigError a bad environment raises, for its message. */
function failure(env: Record<string, string | undefined>): ConfigError {
  try {
    buildConfig(parseEnv(env));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('the configuration was accepted');
}

describe('parseEnv', () => {
  it('fills in the development defaults', () => {
    expect(parseEnv({})).toEqual({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: 3000,
      DATA_DIR: './data',
      DATABASE_URL: 'sqlite:./data/billing.sqlite',
      LOG_LEVEL: 'info',
      BODY_LIMIT_BYTES: 65536,
      CODE_ISSUE_LIMIT_PER_MINUTE: 30,
      AUTH_FAILURE_LIMIT_PER_MINUTE: 30,
      AUTH_FAILURE_GLOBAL_LIMIT_PER_MINUTE: 600,
      MATCH_FAILURE_LIMIT_PER_HOUR: 100,
      RESERVE_ISSUE_LIMIT_PER_MINUTE: 60,
      RESERVE_TTL_DAYS: 60,
      TOKEN_DENOMINATIONS_MINOR: '100,200,500,1000,2000,5000',
      TOKEN_EPOCH_DAYS: 30,
      TOKEN_ISSUER_NAME: 'billing.invalid',
      TOKEN_REDEEM_DAYS: 90,
      TOKEN_REDEEM_DELAY_MAX_SECONDS: 21600,
      CURRENCY: 'EUR',
      FEE_MINOR: 100,
      PAYMENT_LIMIT_MINOR: 50_000,
      CODE_TTL_DAYS: 60,
      MAX_OPEN_CODES: 5,
      IDEMPOTENCY_TTL_DAYS: 2,
      BANK_INBOX_INTERVAL_SECONDS: 900,
      SETTLE_INTERVAL_SECONDS: 300,
      SHUTDOWN_GRACE_SECONDS: 25,
      METRICS_HOST: '127.0.0.1',
      BANK_UPLOAD_LIMIT_BYTES: 512 * 1024 * 1024,
      BANK_IMPORT_PART_ENTRIES: 10_000,
      BANK_IMPORT_THREAD: 'true',
      BANK_FILE_LIMIT_BYTES: 1024 * 1024 * 1024,
      GRACE_DAYS: 14,
      WEBHOOK_INTERVAL_SECONDS: 60,
      RETENTION_YEARS: 8,
      PAYMENT_DAY_MAX_AGE_DAYS: 90,
      STAFF_SESSION_IDLE_MINUTES: 30,
      STAFF_SESSION_MAX_HOURS: 10,
      CREDITOR_NAME: 'Example Mail GmbH',
      CREDITOR_IBAN: 'DE02120300000000202051',
      CREDITOR_BIC: 'BYLADEM1001',
    });
  });

  it('treats an empty variable as unset', () => {
    expect(parseEnv({ PORT: '', SECRET_KEY: '', API_KEYS: '' })).toEqual(parseEnv({}));
  });

  it('reads numbers, secrets in hex or base64, and role:key pairs', () => {
    const bytes = randomBytes(32);
    const keys = ROLES.map((role) => ({ role, key: apiKey() }));
    const env = parseEnv({
      PORT: '8080',
      CURRENCY: 'CHF',
      SECRET_KEY: bytes.toString('base64'),
      API_KEYS: keys.map((k) => ` ${k.role}:${k.key} `).join(','),
    });
    expect(env.PORT).toBe(8080);
    expect(env.CURRENCY).toBe('CHF');
    expect(env.SECRET_KEY).toEqual(bytes);
    expect(env.API_KEYS).toEqual(keys);
    expect(parseEnv({ SECRET_KEY: bytes.toString('hex') }).SECRET_KEY).toEqual(bytes);
  });

  it.each([
    ['31 bytes in hex', randomBytes(31).toString('hex')],
    ['24 bytes in base64', randomBytes(24).toString('base64')],
    ['a password', 'Tr0ub4dor&3-hunter2'],
  ])('refuses a weak SECRET_KEY (%s), naming the variable but not the value', (_, secret) => {
    const error = failure({ SECRET_KEY: secret, API_KEYS: apiKeysFor(['admin']) });
    expect(error.message).toMatch(/SECRET_KEY/);
    expect(error.message).toMatch(/32/);
    expect(error.message).not.toContain(secret);
  });

  it.each([
    ['no colon', () => `webmail${apiKey()}`],
    ['an unknown role', () => `root:${apiKey()}`],
    ['a short key', () => `admin:${apiKey().slice(0, 23)}`],
    ['a short key after a good one', () => `webmail:${apiKey()},staff:Zq7x9`],
    ['only commas', () => ' , ,'],
  ])('refuses API_KEYS with %s, naming the variable but not the value', (_, make) => {
    const value = make();
    const error = failure({ API_KEYS: value, SECRET_KEY: strongSecret() });
    expect(error.message).toMatch(/API_KEYS/);
    const parts = value.split(/[,:]/).map((p) => p.trim());
    for (const part of parts.filter(
      (p) => p.length >= 5 && !(ROLES as readonly string[]).includes(p),
    )) {
      expect(error.message).not.toContain(part.trim());
    }
  });

  it.each([
    ['PORT', 'eighty'],
    ['CURRENCY', 'XXX'],
    ['DATABASE_URL', 'mysql://root:hunter2@db/billing'],
    ['NODE_ENV', 'staging'],
  ])('refuses a bad %s, naming it', (name, value) => {
    const error = failure({
      [name]: value,
      SECRET_KEY: strongSecret(),
      API_KEYS: apiKeysFor(['admin']),
    });
    expect(error.message).toContain(name);
    expect(error.message).not.toContain('hunter2');
  });
});

describe('buildConfig', () => {
  it('stops a production start without SECRET_KEY, naming it', () => {
    const error = failure({ NODE_ENV: 'production', API_KEYS: apiKeysFor(ROLES) });
    expect(error.message).toMatch(/^SECRET_KEY/);
  });

  it('stops a production start without API_KEYS, naming it', () => {
    const error = failure({ NODE_ENV: 'production', SECRET_KEY: strongSecret() });
    expect(error.message).toMatch(/^API_KEYS/);
  });

  it('builds the typed configuration', () => {
    const secret = randomBytes(32);
    const config = buildConfig(
      parseEnv({
        NODE_ENV: 'production',
        SECRET_KEY: secret.toString('hex'),
        API_KEYS: apiKeysFor(['webmail', 'admin']),
        DATABASE_URL: 'sqlite:/var/lib/billing/db.sqlite',
      }),
    );
    expect(config).toBeInstanceOf(AppConfig);
    expect(config.production).toBe(true);
    expect(config.secretKey).toEqual(secret);
    expect(config.apiKeys.map((k) => k.role)).toEqual(['webmail', 'admin']);
    expect(config.database).toEqual({ type: 'sqlite', path: '/var/lib/billing/db.sqlite' });
    expect(
      buildConfig(
        parseEnv({
          SECRET_KEY: strongSecret(),
          API_KEYS: apiKeysFor(['admin']),
          DATABASE_URL: 'postgres://billing@db/billing',
        }),
      ).database,
    ).toEqual({ type: 'postgres', url: 'postgres://billing@db/billing' });
  });

  it('never writes the secret, a key or a database password into JSON', () => {
    const secret = randomBytes(32);
    const keys = ROLES.map((role) => ({ role, key: apiKey() }));
    const config = buildConfig(
      parseEnv({
        SECRET_KEY: secret.toString('base64'),
        API_KEYS: keys.map((k) => `${k.role}:${k.key}`).join(','),
        DATABASE_URL: 'postgres://billing:S3cretDbPassw0rd@db:5432/billing',
      }),
    );
    const json = JSON.stringify(config);
    const nested = JSON.stringify({ config });
    for (const text of [json, nested]) {
      for (const spelling of [
        secret.toString('hex'),
        secret.toString('base64'),
        secret.toString('base64url'),
      ])
        expect(text).not.toContain(spelling);
      expect(text).not.toContain(JSON.stringify([...secret]).slice(1, -1));
      for (const { key } of keys) expect(text).not.toContain(key);
      expect(text).not.toContain('S3cretDbPassw0rd');
    }
    const parsed = JSON.parse(json);
    expect(parsed.secretKey).toBe('[redacted]');
    expect(parsed.apiKeys).toEqual([...ROLES]);
    expect(parsed.database.url).toBe('postgres://billing:redacted@db:5432/billing');
    const withParameter = buildConfig(
      parseEnv({
        SECRET_KEY: secret.toString('hex'),
        API_KEYS: keys.map((k) => `${k.role}:${k.key}`).join(','),
        DATABASE_URL: 'postgresql://db/billing?user=billing&password=S3cretDbPassw0rd',
      }),
    );
    expect(JSON.stringify(withParameter)).not.toContain('S3cretDbPassw0rd');
    // The configuration itself keeps the real URL: only its JSON hides the password.
    expect(config.database).toEqual({
      type: 'postgres',
      url: 'postgres://billing:S3cretDbPassw0rd@db:5432/billing',
    });
    expect(parsed.port).toBe(3000);
  });
});

describe('withDevelopmentSecrets', () => {
  let tmp: string;
  let dataDir: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'billing-config-'));
    dataDir = join(tmp, 'data');
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('generates secret.key and api-keys with mode 0600 on first start, and reuses them', () => {
    const env = parseEnv({ DATA_DIR: dataDir });
    const first = withDevelopmentSecrets(env);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const file of ['secret.key', 'api-keys'])
      expect(statSync(join(dataDir, file)).mode & 0o777).toBe(0o600);
    expect(first.newApiKeys.map((k) => k.role)).toEqual([...ROLES]);
    expect(first.env.API_KEYS).toEqual(first.newApiKeys);
    expect(first.env.SECRET_KEY!.length).toBeGreaterThanOrEqual(32);

    const second = withDevelopmentSecrets(env);
    expect(second.newApiKeys).toEqual([]);
    // A restart keeps codes (keyed hashes) and keys valid.
    expect(second.env.SECRET_KEY).toEqual(first.env.SECRET_KEY);
    expect(second.env.API_KEYS).toEqual(first.env.API_KEYS);

    // What was generated would pass the same checks as a configured value.
    const reparsed = parseEnv({
      SECRET_KEY: first.env.SECRET_KEY!.toString('hex'),
      API_KEYS: first.newApiKeys.map((k) => `${k.role}:${k.key}`).join(','),
    });
    expect(reparsed.API_KEYS).toEqual(first.newApiKeys);
    expect(buildConfig(second.env).secretKey).toEqual(first.env.SECRET_KEY);
  });

  it('keeps configured values and writes nothing for them', () => {
    const env = parseEnv({
      DATA_DIR: dataDir,
      SECRET_KEY: strongSecret(),
      API_KEYS: apiKeysFor(['admin']),
    });
    const result = withDevelopmentSecrets(env);
    expect(result).toEqual({ env, newApiKeys: [] });
    expect(existsSync(dataDir)).toBe(false);
  });

  it('generates nothing in production', () => {
    const env = parseEnv({ DATA_DIR: dataDir, NODE_ENV: 'production' });
    const result = withDevelopmentSecrets(env);
    expect(result).toEqual({ env, newApiKeys: [] });
    expect(result.env.SECRET_KEY).toBeUndefined();
    expect(existsSync(dataDir)).toBe(false);
    expect(() => buildConfig(result.env)).toThrow(ConfigError);
  });

  it.each([
    ['an empty secret.key', 'secret.key', ''],
    ['a short secret.key', 'secret.key', `${randomBytes(8).toString('hex')}\n`],
    ['an api-keys line without a role', 'api-keys', `${apiKey()}\n`],
    ['an api-keys line with a short key', 'api-keys', 'admin:abc\n'],
  ])('refuses %s rather than start with it, naming the file', (_, file, content) => {
    withDevelopmentSecrets(parseEnv({ DATA_DIR: dataDir }));
    writeFileSync(join(dataDir, file), content);
    expect(() => withDevelopmentSecrets(parseEnv({ DATA_DIR: dataDir }))).toThrow(
      new RegExp(file.replace('.', '\\.')),
    );
  });
});

describe('the window of payment days', () => {
  const base = { SECRET_KEY: strongSecret(), API_KEYS: apiKeysFor(ROLES) };

  it('takes PAYMENT_DAY_MAX_AGE_DAYS, 90 by default', () => {
    expect(buildConfig(parseEnv(base)).paymentDayMaxAgeDays).toBe(90);
    expect(
      buildConfig(parseEnv({ ...base, PAYMENT_DAY_MAX_AGE_DAYS: '400' })).paymentDayMaxAgeDays,
    ).toBe(400);
  });

  it('refuses a window that reaches past the retention period: those rows would be purged', () => {
    expect(
      failure({ ...base, PAYMENT_DAY_MAX_AGE_DAYS: '365', RETENTION_YEARS: '1' }).message,
    ).toContain('PAYMENT_DAY_MAX_AGE_DAYS');
  });
});
