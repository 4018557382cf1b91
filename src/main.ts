import 'reflect-metadata';
import { createApp, stopGracefully } from './app.factory';
import { buildConfig, ConfigError, parseEnv, readEnvironment } from './config/app-config';
import { withDevelopmentSecrets } from './config/development-secrets';
import { createLogger, createStartupLogger } from './common/logger';

async function main(): Promise<void> {
  let generated;
  try {
    generated = withDevelopmentSecrets(parseEnv(readEnvironment()));
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
    // Printed once, on the start that made them; afterwards they are only in the
    // data folder. Written to the terminal, not logged: a key never goes where
    // logs are collected (test/privacy/logs).
    console.log(`Generated API keys (kept in ${config.dataDir}/api-keys; shown only now):`);
    for (const { role, key } of generated.newApiKeys) console.log(`  ${role.padEnd(9)} ${key}`);
  }
  const logger = createLogger(config.logLevel);
  const app = await createApp({ config, logger });
  await app.listen({ port: config.port, host: config.host });
  logger.info({ port: config.port, database: config.database.type }, 'billing service listening');
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'billing service stopping');
    void stopGracefully(app, logger, config.shutdownGraceSeconds * 1000).then((code) => {
      logger.info({ code }, 'billing service stopped');
      logger.flush(() => process.exit(code));
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** A configuration the service refuses: its own message names the variable, never the value. */
function fail(error: unknown): void {
  const message = error instanceof ConfigError ? error.message : String(error);
  createStartupLogger().fatal(`billing: ${message}`);
  process.exitCode = 1;
}

main().catch((error: unknown) => {
  createStartupLogger().fatal(
    `billing: could not start: ${(error as Error)?.message ?? String(error)}`,
  );
  process.exit(1);
});
