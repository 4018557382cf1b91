import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { HTTP_PROBLEMS, INTERNAL_PROBLEM } from './api-problems';
import { DomainError, FieldError, PROBLEM_BASE, ServiceUnavailable } from '../common/domain-error';
import { LOGGER } from '../common/logger';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

/** Slug and title of the answers Fastify and Nest give by status. */
const HTTP_SLUGS: Record<number, [string, string]> = Object.fromEntries(
  Object.values(HTTP_PROBLEMS).map((p) => [p.status, [p.slug, p.title]]),
);

/** Errors of the database that mean "cannot answer now", not "bug": a 503, not a 500. */
function isDatabaseUnavailable(error: unknown): boolean {
  const code = String(
    (error as { code?: unknown })?.code ??
      (error as { driverError?: { code?: unknown } })?.driverError?.code ??
      '',
  );
  return (
    /^SQLITE_(BUSY|LOCKED|READONLY|IOERR|CANTOPEN|FULL|CORRUPT|NOTADB)/.test(code) ||
    /^(08|53|57P)/.test(code) || // PostgreSQL: connection, resources, shutdown
    code === '25006' || // PostgreSQL: read-only transaction
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'].includes(code) ||
    /Connection terminated|database connection/i.test(String((error as Error)?.message))
  );
}

/**
 * Maps every error to RFC 9457 problem+json in one place. Domain errors carry
 * their own slug and status; anything unknown is a 500 that reveals nothing,
 * logged with its type and stack but not its message (a driver's message can
 * quote the values of a failed statement).
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const problem = this.toProblem(error);
    void reply
      .status(problem.status)
      .header('content-type', 'application/problem+json')
      .send(problem);
  }

  private toProblem(error: unknown): Problem {
    if (error instanceof DomainError) {
      // The service's own outages (the database file gone, closed, refusing) are
      // for operators to see; their messages are written here and quote no value.
      if (error instanceof ServiceUnavailable)
        this.logger.error({ err: { type: error.slug } }, error.message);
      return {
        type: `${PROBLEM_BASE}/${error.slug}`,
        title: error.title,
        status: error.status,
        detail: error.message,
        ...(error.errors ? { errors: error.errors } : {}),
      };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const [slug, title] = HTTP_SLUGS[status] ?? ['http-' + status, 'Request failed'];
      return { type: `${PROBLEM_BASE}/${slug}`, title, status, detail: httpDetail(error, title) };
    }
    const fastifyStatus = (error as { statusCode?: number })?.statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      const [slug, title] = HTTP_SLUGS[fastifyStatus] ?? [
        'http-' + fastifyStatus,
        'Request failed',
      ];
      return { type: `${PROBLEM_BASE}/${slug}`, title, status: fastifyStatus, detail: title };
    }
    if (isDatabaseUnavailable(error)) {
      this.logger.error(
        { err: { type: (error as Error)?.name, code: (error as { code?: string }).code } },
        'database unavailable',
      );
      return {
        type: `${PROBLEM_BASE}/unavailable`,
        title: 'The service cannot answer right now',
        status: 503,
        detail: 'The database is not available; nothing was changed. Try again later.',
      };
    }
    const stack = (error as Error)?.stack?.split('\n').slice(1).join('\n');
    this.logger.error(
      { err: { type: (error as Error)?.name ?? typeof error, stack } },
      'unhandled error',
    );
    return {
      type: `${PROBLEM_BASE}/${INTERNAL_PROBLEM.slug}`,
      title: INTERNAL_PROBLEM.title,
      status: 500,
      detail: 'The request failed; nothing is revealed here. The error was logged.',
    };
  }
}

function httpDetail(error: HttpException, fallback: string): string {
  // Nest's 404 message repeats the URL, which can hold a mailbox id.
  if (error.getStatus() === 404) return 'There is no such route.';
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  return typeof message === 'string' ? message : fallback;
}
