import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSecret, Env, Role, ROLES } from './config.schema';

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
    result = { ...result, SECRET_KEY: decodeSecret(readFileSync(file, 'utf8')) };
  }
  if (!env.API_KEYS) {
    const file = join(env.DATA_DIR, 'api-keys');
    if (!existsSync(file)) {
      newApiKeys = ROLES.map((role) => ({ role, key: randomBytes(24).toString('base64url') }));
      writeFileSync(file, newApiKeys.map((k) => `${k.role}:${k.key}`).join('\n') + '\n', {
        mode: 0o600,
      });
    }
    const keys = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const colon = line.indexOf(':');
        return { role: line.slice(0, colon) as Role, key: line.slice(colon + 1) };
      });
    result = { ...result, API_KEYS: keys };
  }
  return { env: result, newApiKeys };
}
