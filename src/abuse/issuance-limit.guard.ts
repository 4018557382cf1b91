import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { KeyedHash } from '../config/keyed-hash';
import { AppConfig } from '../config/app-config';
import { WindowCounter, WindowCounters } from './window-counters';
import { tooManyRequests } from './too-many-requests';

const ISSUES_CODES = 'billing:issues-codes';

/** A route that issues a code for its `:mailboxId` (a top-up code, a PayPal order): limited per mailbox. */
export const IssuesCodes = () => SetMetadata(ISSUES_CODES, true);

/**
 * Limits code issuance per mailbox, on every route that issues codes, keyed by the mailbox's keyed pseudonym (the
 * same HMAC the tables use), never by the id and never by an address; nothing
 * here is logged. It runs after ApiKeyGuard, so only authenticated requests
 * count and no stranger can use up a mailbox's budget.
 */
@Injectable()
export class IssuanceLimitGuard implements CanActivate {
  private readonly perMailbox: WindowCounter;

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(KeyedHash) private readonly hash: KeyedHash,
    @Inject(AppConfig) config: AppConfig,
    @Inject(WindowCounters) counters: WindowCounters,
  ) {
    this.perMailbox = counters.create('code-issue', config.rateLimits.codeIssuesPerMailbox);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.reflector.get<boolean>(ISSUES_CODES, context.getHandler())) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const mailboxId = (request.params as { mailboxId?: unknown }).mailboxId;
    if (typeof mailboxId !== 'string') return true;
    if (await this.perMailbox.hit(this.hash.mailbox(mailboxId))) return true;
    throw tooManyRequests(
      context,
      this.perMailbox.retryAfterSeconds(),
      'too many codes issued for this mailbox; try again later',
    );
  }
}
