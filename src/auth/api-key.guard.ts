import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { Role } from '../config/config.schema';
import { Forbidden, Unauthenticated } from './auth.errors';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';
import type { StaffPrincipal } from './staff-principal';

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  role?: Role;
  staff?: StaffPrincipal;
}

const digest = (key: string) => createHash('sha256').update(key).digest();

/**
 * Bearer API keys, one role each. Keys are compared as SHA-256 digests with
 * timingSafeEqual, against every configured key without stopping early, so
 * neither the length nor the first differing byte shows in the timing.
 * A route without @Roles is closed to everyone: forgetting it fails safe.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: { role: Role; digest: Buffer }[];

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.keys = config.apiKeys.map((k) => ({ role: k.role, digest: digest(k.key) }));
  }

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const allowed = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) ?? [];
    // A staff session (src/staff/session.hooks.ts) is one more way in, with its account's roles.
    if (request.staff) {
      const granted = allowed.find((r) => request.staff!.roles.includes(r));
      if (!granted) throw new Forbidden(`a ${request.staff.role} account may not use this route`);
      request.role = granted;
      return true;
    }
    const role = this.roleOf(request.headers.authorization);
    if (!role) throw new Unauthenticated('send Authorization: Bearer <api key>');
    if (!allowed.includes(role)) throw new Forbidden(`the ${role} role may not use this route`);
    request.role = role;
    return true;
  }

  private roleOf(header: string | string[] | undefined): Role | undefined {
    if (typeof header !== 'string') return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return undefined;
    const presented = digest(match[1]);
    let role: Role | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(presented, key.digest)) role = key.role;
    }
    return role;
  }
}
