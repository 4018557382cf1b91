import { randomBytes } from 'node:crypto';
import { buildConfig, ConfigError, parseEnv } from '../config/app-config';

const base = {
  SECRET_KEY: randomBytes(32).toString('hex'),
  API_KEYS: `admin:${randomBytes(24).toString('base64url')}`,
};
const paypal = {
  PAYPAL_CLIENT_ID: 'client-id',
  PAYPAL_CLIENT_SECRET: 'S3cretPayPalClientSecret',
  PAYPAL_WEBHOOK_ID: 'WH-123',
  PAYPAL_RETURN_URL: 'https://webmail.example/paypal/return',
};
const build = (env: Record<string, string>) => buildConfig(parseEnv({ ...base, ...env }));

function failure(env: Record<string, string>): string {
  try {
    build(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('PayPal configuration', () => {
  it('is off without PAYPAL_CLIENT_ID', () => {
    expect(build({}).paypal).toBeUndefined();
    expect(failure({ PAYPAL_WEBHOOK_ID: 'WH-1' })).toMatch(/PAYPAL_CLIENT_ID/);
  });

  it('defaults to the sandbox outside production, trusting only PayPal certificate URLs', () => {
    expect(build(paypal).paypal).toEqual({
      apiBase: 'https://api-m.sandbox.paypal.com',
      clientId: 'client-id',
      clientSecret: 'S3cretPayPalClientSecret',
      webhookId: 'WH-123',
      certUrlPrefixes: [
        'https://api.sandbox.paypal.com/v1/notifications/certs/',
        'https://api-m.sandbox.paypal.com/v1/notifications/certs/',
      ],
      minMinor: 100,
      maxMinor: 50_000,
      orderTtlDays: 3,
      returnUrl: 'https://webmail.example/paypal/return',
      cancelUrl: undefined,
      certRoots: undefined,
      certCommonNames: ['messageverificationcerts.sandbox.paypal.com'],
    });
    expect(build({ ...paypal, PAYPAL_API_BASE: 'live' }).paypal?.apiBase).toBe(
      'https://api-m.paypal.com',
    );
    expect(build({ ...paypal, PAYPAL_API_BASE: 'live' }).paypal?.certCommonNames).toEqual([
      'messageverificationcerts.paypal.com',
    ]);
    const local = build({ ...paypal, PAYPAL_API_BASE: 'http://127.0.0.1:8099' }).paypal!;
    expect(local.apiBase).toBe('http://127.0.0.1:8099');
    expect(local.certUrlPrefixes).toEqual(['http://127.0.0.1:8099/v1/notifications/certs/']);
  });

  it.each([
    ['no secret', { PAYPAL_CLIENT_SECRET: '' }, /PAYPAL_CLIENT_SECRET/],
    ['no webhook id', { PAYPAL_WEBHOOK_ID: '' }, /PAYPAL_WEBHOOK_ID/],
    ['no return URL', { PAYPAL_RETURN_URL: '' }, /PAYPAL_RETURN_URL/],
    [
      'a root file that is not there',
      { PAYPAL_CERT_CA_FILE: '/nonexistent/roots.pem' },
      /PAYPAL_CERT_CA_FILE/,
    ],
    [
      'a root file without certificates',
      { PAYPAL_CERT_CA_FILE: __filename },
      /PAYPAL_CERT_CA_FILE/,
    ],
    ['a currency PayPal does not take', { CURRENCY: 'RON' }, /CURRENCY RON .*PayPal/],
    ['another currency PayPal does not take', { CURRENCY: 'KRW' }, /CURRENCY KRW .*PayPal/],
    [
      'a base URL with a path',
      { PAYPAL_API_BASE: 'https://paypal.example/api' },
      /PAYPAL_API_BASE/,
    ],
    ['a prefix without a path', { PAYPAL_CERT_URL_PREFIX: 'https://api.paypal.com' }, /PREFIX/],
    [
      'a plain-http prefix off loopback',
      { PAYPAL_CERT_URL_PREFIX: 'http://certs.example/c/' },
      /PREFIX/,
    ],
    ['a maximum above PAYMENT_LIMIT_MINOR', { PAYPAL_MAX_MINOR: '60000' }, /PAYPAL_MAX_MINOR/],
    [
      'a minimum above the maximum',
      { PAYPAL_MIN_MINOR: '5000', PAYPAL_MAX_MINOR: '4000' },
      /PAYPAL_MIN_MINOR/,
    ],
  ])('refuses %s, naming the variable', (_, env, message) => {
    expect(failure({ ...paypal, ...env })).toMatch(message);
  });

  it('takes the currencies PayPal takes, whole-unit ones included, and RON without PayPal', () => {
    for (const currency of ['EUR', 'USD', 'HUF', 'TWD', 'JPY'])
      expect(build({ ...paypal, CURRENCY: currency }).paypal).toBeDefined();
    expect(build({ CURRENCY: 'RON' }).currency).toBe('RON');
  });

  it('makes production name its PayPal environment', () => {
    expect(failure({ ...paypal, NODE_ENV: 'production' })).toMatch(/PAYPAL_API_BASE/);
    expect(
      build({ ...paypal, NODE_ENV: 'production', PAYPAL_API_BASE: 'live' }).paypal,
    ).toBeDefined();
  });

  it('never writes the client secret into JSON', () => {
    const config = build(paypal);
    expect(JSON.stringify(config)).not.toContain('S3cretPayPalClientSecret');
    expect(JSON.parse(JSON.stringify(config)).paypal.clientSecret).toBe('[redacted]');
  });
});
