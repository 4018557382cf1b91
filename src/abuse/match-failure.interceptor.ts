import { createHash } from 'node:crypto';
import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, concatMap, from, Observable, switchMap } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../common/domain-error';
import { WindowCounter, WindowCounters } from './window-counters';
import { tooManyRequests } from './too-many-requests';

/** A window of one hour: a morning's letters fit in it, a guessing run does not. */
const WINDOW_MS = 60 * 60 * 1000;

/**
 * Counts failed code matches per credential, like failed authentications: a
 * well-formed code that is not live (a letter answered `unknown-code`, a
 * resolution answered `code-not-live`). Past MATCH_FAILURE_LIMIT_PER_HOUR the
 * credential's cash and resolution requests get 429 until the hour is over,
 * so a staff key cannot try codes at the rate the service answers. Counted
 * (WindowCounters) by a SHA-256 of the credential presented (the
 * Authorization header, or the session cookie); nothing is logged.
 */
/** Failed matches per credential, one window of an hour; shared by every route that counts them. */
@Injectable()
export class MatchFailureBudget {
  readonly failures: WindowCounter;

  constructor(
    @Inject(AppConfig) config: AppConfig,
    @Inject(WindowCounters) counters: WindowCounters,
  ) {
    this.failures = counters.create(
      'match-failure',
      config.rateLimits.matchFailuresPerCredential,
      WINDOW_MS,
    );
  }
}

@Injectable()
export class MatchFailureInterceptor implements NestInterceptor {
  private readonly failures: WindowCounter;

  constructor(@Inject(MatchFailureBudget) budget: MatchFailureBudget) {
    this.failures = budget.failures;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const credential = credentialOf(request);
    return from(this.failures.exhausted(credential)).pipe(
      switchMap((exhausted) => {
        if (exhausted)
          throw tooManyRequests(
            context,
            this.failures.retryAfterSeconds(),
            'too many codes that are not live were sent with this credential; try again later',
          );
        return next.handle();
      }),
      // Counted before the answer goes out, so the next request sees the count.
      concatMap(async (body: unknown) => {
        // A replayed answer was counted when it was first given.
        if (reply.getHeader('idempotent-replayed') !== 'true')
          await this.failures.add(credential, failedMatchesIn(body));
        return body;
      }),
      catchError(async (error: unknown) => {
        if (error instanceof DomainError && error.slug === 'code-not-live')
          await this.failures.add(credential, 1);
        throw error;
      }),
    );
  }
}

function credentialOf(request: FastifyRequest): string {
  const presented = request.headers.authorization ?? request.headers.cookie ?? '';
  return createHash('sha256').update(presented).digest('base64');
}

/** Letters of a cash answer (one, or a batch's) whose code was well-formed but not live. */
function failedMatchesIn(body: unknown): number {
  const answer = body as { reason?: string; payments?: { reason?: string }[] } | undefined;
  const letters = answer?.payments ?? (answer ? [answer] : []);
  return letters.filter((letter) => letter.reason === 'unknown-code').length;
}
