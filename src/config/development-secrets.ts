import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './app-config';
import { decodeSecret, Env, envSchema, MIN_SECRET_BYTES, Role, ROLES } from './config.schema';

export interface GeneratedSecrets {
  env: Env;
  /** API keys created on this start: printed once by the caller, then only on disk. */
  newApiKeys: { role: Role; key: string }[];
}

/**
 * Outside production, a start with no configuration must just work: the secret
 * and the API keys are generated into the data folder on first start and read
 * back afterwards, so a restart keeps codes and keys valid. In production
 * nothing is generated: buildConfig then stops the start naming the variable.
 */
export function withDevelopmentSecrets(env: Env): GeneratedSecrets {
  if (env.NODE_ENV === 'production') return { env, newApiKeys: [] };
  let result = env;
  let newApiKeys: { role: Role; key: string }[] = [];
  if (!env.SECRET_KEY || !env.API_KEYS) mkdirSync(env.DATA_DIR, { recursive: true, mode: 0o700 });

  if (!env.SECRET_KEY) {
    const file = join(env.DATA_DIR, 'secret.key');
    if (!existsSync(file))
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
    const secret = decodeSecret(readFileSync(file, 'utf8'));
    // A damaged file (say, emptied by a crash) must not turn into a weak key.
    if (secret.length < MIN_SECRET_BYTES)
      throw new ConfigError(
        `${file} holds fewer than ${MIN_SECRET_BYTES} bytes: restore it or set SECRET_KEY`,
      );
    result = { ...result, SECRET_KEY: secret };
  }
  if (!env.API_KEYS) {
    const file = join(env.DATA_DIR, 'api-keys');
    if (!existsSync(file)) {
      newApiKeys = ROLES.map((role) => ({ role, key: randomBytes(24).toString('base64url') }));
      writeFileSync(file, newApiKeys.map((k) => `${k.role}:${k.key}`).join('\n') + '\n', {
        mode: 0o600,
      });
    }
    // Read with the same rules as API_KEYS, so a damaged file stops the start.
    const keys = envSchema.shape.API_KEYS.safeParse(
      readFileSync(file, 'utf8').split('\n').filter(Boolean).join(','),
    );
    if (!keys.success || !keys.data) {
      const problems = keys.error?.issues.map((i) => i.message).join('; ') ?? 'no role:key pair';
      throw new ConfigError(`${file} is damaged (${problems}): restore it or set API_KEYS`);
    }
    result = { ...result, API_KEYS: keys.data };
  }
  return { env: result, newApiKeys };
}
