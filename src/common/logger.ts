import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';

/**
 * Structured logs (pino). What may go into them is decided at each call site:
 * never a code, a mailbox id, an IP address, an IBAN or a name (DESIGN.md,
 * invariant 4). The access log names the route pattern, not the URL, because
 * the URL carries the mailbox id. A test captures a whole flow's logs and
 * searches them for every secret the flow used.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/**
 * The logger of a start that failed before the service's own exists (the
 * configuration names the level): one line on stderr, written before the
 * process exits.
 */
export function createStartupLogger(): Logger {
  return createLogger('info', pino.destination({ dest: 2, sync: true }));
}

/** Lets Nest's own messages (start-up, module init) go through the same logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, stackOrContext?: string, context?: string) {
    this.logger.error({ context: context ?? stackOrContext }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
  fatal(message: unknown, context?: string) {
    this.logger.fatal({ context }, String(message));
  }
}

export const LOGGER = Symbol('LOGGER');
