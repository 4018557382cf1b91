import { ExecutionContext, HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** A 429 (problem+json through ProblemFilter) with Retry-After set on the reply. */
export function tooManyRequests(
  context: ExecutionContext,
  retryAfterSeconds: number,
  detail: string,
): HttpException {
  void context
    .switchToHttp()
    .getResponse<FastifyReply>()
    .header('retry-after', String(retryAfterSeconds));
  return new HttpException(detail, HttpStatus.TOO_MANY_REQUESTS);
}
