import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createApp } from '../src/app.factory';
import { createLogger } from '../src/common/logger';
import { buildConfig, parseEnv } from '../src/config/app-config';

/**
 * Writes the service's OpenAPI document (what /docs-json serves) to the file
 * named, for `npm run lint:openapi`. The service is built on an in-memory
 * database with throwaway keys; nothing listens.
 */
async function main(out: string): Promise<void> {
  const config = buildConfig(
    parseEnv({
      NODE_ENV: 'test',
      DATABASE_URL: 'sqlite::memory:',
      SECRET_KEY: randomBytes(32).toString('hex'),
      API_KEYS: `admin:${randomBytes(24).toString('base64url')}`,
      LOG_LEVEL: 'silent',
    }),
  );
  const app = await createApp({ config, logger: createLogger('silent'), schedule: false });
  try {
    const res = await app.getHttpAdapter().getInstance().inject({ url: '/docs-json' });
    if (res.statusCode !== 200) throw new Error(`/docs-json answered ${res.statusCode}`);
    writeFileSync(out, JSON.stringify(res.json(), null, 2) + '\n');
  } finally {
    await app.close();
  }
}

main(process.argv[2] ?? 'openapi.json').catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
