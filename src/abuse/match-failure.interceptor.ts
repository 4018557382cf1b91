import { createHash } from 'node:crypto';
import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, tap } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../common/domain-error';
import { FixedWindowCounter } from './fixed-window.counter';
import { tooManyRequests } from './too-many-requests';

/** A window of one hour: a morning's letters fit in it, a guessing run does not. */
const WINDOW_MS = 60 * 60 * 1000;

/**
 * Counts failed code matches per credential, like failed authentications: a
 * well-formed code that is not live (a letter answered `unknown-code`, a
 * resolution answered `code-not-live`). Past MATCH_FAILURE_LIMIT_PER_HOUR the
 * credential's cash and resolution requests get 429 until the hour is over,
 * so a staff key cannot try codes at the rate the service answers. Counted in
 * memory per process, by a SHA-256 of the credential presented (the
 * Authorization header, or the session cookie); nothing is stored or logged.
 */
/** Failed matches per credential, one window of an hour; shared by every route that counts them. */
@Injectable()
export class MatchFailureBudget {
  readonly failures: FixedWindowCounter;

  constructor(@Inject(AppConfig) config: AppConfig) {
    this.failures = new FixedWindowCounter(config.rateLimits.matchFailuresPerCredential, WINDOW_MS);
  }
}

@Injectable()
export class MatchFailureInterceptor implements NestInterceptor {
  private readonly failures: FixedWindowCounter;

  constructor(@Inject(MatchFailureBudget) budget: MatchFailureBudget) {
    this.failures = budget.failures;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const credential = credentialOf(request);
    if (this.failures.exhausted(credential)) {
      throw tooManyRequests(
        context,
        this.failures.retryAfterSeconds(),
        'too many codes that are not live were sent with this credential; try again later',
      );
    }
    return next.handle().pipe(
      tap({
        next: (body) => {
          // A replayed answer was counted when it was first given.
          if (reply.getHeader('idempotent-replayed') === 'true') return;
          this.failures.add(credential, failedMatchesIn(body));
        },
        error: (error: unknown) => {
          if (error instanceof DomainError && error.slug === 'code-not-live')
            this.failures.add(credential, 1);
        },
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
