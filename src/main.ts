import 'reflect-metadata';
import { createApp } from './app.factory';
import { buildConfig, ConfigError, parseEnv } from './config/app-config';
import { withDevelopmentSecrets } from './config/development-secrets';
import { createLogger } from './common/logger';

async function main(): Promise<void> {
  let generated;
  try {
    generated = withDevelopmentSecrets(parseEnv(process.env));
  } catch (error) {
    return fail(error);
  }
  let config;
  try {
    config = buildConfig(generated.env);
  } catch (error) {
    return fail(error);
  }
  if (generated.newApiKeys.length > 0) {
    // Printed once, on the start that made them; afterwards they are only in the data folder.
    console.log(`Generated API keys (kept in ${config.dataDir}/api-keys; shown only now):`);
    for (const { role, key } of generated.newApiKeys) console.log(`  ${role.padEnd(9)} ${key}`);
  }
  const logger = createLogger(config.logLevel);
  const app = await createApp({ config, logger });
  await app.listen({ port: config.port, host: config.host });
  logger.info({ port: config.port, database: config.database.type }, 'billing service listening');
}

function fail(error: unknown): void {
  const message = error instanceof ConfigError ? error.message : String(error);
  console.error(`billing: ${message}`);
  process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(`billing: could not start: ${(error as Error)?.message ?? String(error)}`);
  process.exit(1);
});
