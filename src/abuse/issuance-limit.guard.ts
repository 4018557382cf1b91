import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { KeyedHash } from '../config/keyed-hash';
import { AppConfig } from '../config/app-config';
import { FixedWindowCounter } from './fixed-window.counter';
import { tooManyRequests } from './too-many-requests';

/** The route whose use is limited per mailbox. */
export const ISSUE_ROUTE = { method: 'POST', url: '/v1/mailboxes/:mailboxId/topup-codes' };

/**
 * Limits code issuance per mailbox, keyed by the mailbox's keyed pseudonym (the
 * same HMAC the tables use), never by the id and never by an address; nothing
 * here is logged. It runs after ApiKeyGuard, so only authenticated requests
 * count and no stranger can use up a mailbox's budget.
 */
@Injectable()
export class IssuanceLimitGuard implements CanActivate {
  private readonly perMailbox: FixedWindowCounter;

  constructor(
    @Inject(KeyedHash) private readonly hash: KeyedHash,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.perMailbox = new FixedWindowCounter(config.rateLimits.codeIssuesPerMailbox);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.method !== ISSUE_ROUTE.method || request.routeOptions.url !== ISSUE_ROUTE.url)
      return true;
    const mailboxId = (request.params as { mailboxId?: unknown }).mailboxId;
    if (typeof mailboxId !== 'string') return true;
    if (this.perMailbox.hit(this.hash.mailbox(mailboxId))) return true;
    throw tooManyRequests(
      context,
      this.perMailbox.retryAfterSeconds(),
      'too many codes issued for this mailbox; try again later',
    );
  }
}
