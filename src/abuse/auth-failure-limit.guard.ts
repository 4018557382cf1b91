import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_KEY } from '../auth/roles.decorator';
import { AppConfig } from '../config/app-config';
import { WindowCounter, WindowCounters } from './window-counters';
import { tooManyRequests } from './too-many-requests';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Limits failed authentications. The service never reads client addresses
 * (invariant 4), so failures are counted per presented credential (a SHA-256
 * of the Authorization header, counted for one window: WindowCounters) and, as a fuse
 * against guessing with ever new keys, in one global budget. Only requests that
 * would fail are counted or refused: a valid key is never limited, so an
 * attacker spending the global budget cannot lock the webmail backend out.
 * It runs before ApiKeyGuard, which still answers the 401 under the limit.
 */
@Injectable()
export class AuthFailureLimitGuard implements CanActivate {
  private readonly keys: Buffer[];
  private readonly perCredential: WindowCounter;
  private readonly global: WindowCounter;

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AppConfig) config: AppConfig,
    @Inject(WindowCounters) counters: WindowCounters,
  ) {
    this.keys = config.apiKeys.map((k) => digest(k.key));
    this.perCredential = counters.create(
      'auth-failure',
      config.rateLimits.authFailuresPerCredential,
    );
    this.global = counters.create('auth-failure-all', config.rateLimits.authFailuresGlobal);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, unknown>; staff?: unknown }>();
    // A signed-in staff session; failed sign-ins are limited per account (StaffAccounts).
    if (request.staff) return true;
    const header = request.headers.authorization;
    const presented = typeof header === 'string' ? header : '';
    if (this.isValid(presented)) return true;
    if (!(await this.global.hit('all')))
      throw tooManyRequests(
        context,
        this.global.retryAfterSeconds(),
        'too many failed authentications; try again later',
      );
    if (!(await this.perCredential.hit(digest(presented).toString('base64'))))
      throw tooManyRequests(
        context,
        this.perCredential.retryAfterSeconds(),
        'too many failed authentications with this credential; try again later',
      );
    return true;
  }

  /** The same comparison as ApiKeyGuard: every key, in constant time. */
  private isValid(header: string): boolean {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return false;
    const presented = digest(match[1]);
    let valid = false;
    for (const key of this.keys) if (timingSafeEqual(presented, key)) valid = true;
    return valid;
  }
}
