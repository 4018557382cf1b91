import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Role } from '../config/config.schema';
import { Transactions } from '../database/transactions';
import { StaffAccount, StaffAccountRepository } from './staff-account.repository';
import { StaffPrincipal, StaffRole } from '../auth/staff-principal';
import { StaffSessionRepository } from './staff-session.repository';
import { newToken, sha256, StaffSecrets } from './staff-secrets';

/** `__Host-`: Secure, Path=/, no Domain; the browser refuses it any other way. */
export const SESSION_COOKIE = '__Host-billing-staff';
export const CSRF_HEADER = 'x-csrf-token';
/** How the OpenAPI document names the session: one more way in wherever a staff, importer or admin key goes. */
export const STAFF_SESSION_SCHEME = {
  type: 'apiKey' as const,
  in: 'cookie' as const,
  name: SESSION_COOKIE,
  description:
    'A staff console session (POST /v1/staff/session); state-changing requests also send X-CSRF-Token.',
};
/** last_seen_at is written at most this often: not one write per request. */
const TOUCH_EVERY_MS = 60_000;

export function apiRolesOf(role: StaffRole): Role[] {
  return role === 'admin' ? ['staff', 'importer', 'admin'] : ['staff', 'importer'];
}

/** Server-side sessions: revocable, with an idle and an absolute timeout. */
@Injectable()
export class StaffSessions {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(StaffSecrets) private readonly secrets: StaffSecrets,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** A new session (a new id at every sign-in); returns the cookie's value and the CSRF token. */
  async open(account: StaffAccount): Promise<{ id: string; csrfToken: string }> {
    const id = newToken();
    const now = Date.now();
    await this.transactions.run(async (tx) => {
      await StaffSessionRepository.removeStale(
        tx,
        now - this.config.console.sessionIdleMs,
        now - this.config.console.sessionMaxMs,
      );
      await StaffSessionRepository.insert(tx, {
        idHash: sha256(id),
        accountId: account.id,
        createdAt: now,
        lastSeenAt: now,
      });
    });
    return { id, csrfToken: this.secrets.csrfToken(id) };
  }

  /** The session's person, or undefined when it ended, timed out or its account is disabled. */
  async resolve(id: string): Promise<StaffPrincipal | undefined> {
    const idHash = sha256(id);
    const now = Date.now();
    return this.transactions.run(async (tx) => {
      const session = await StaffSessionRepository.find(tx, idHash);
      if (!session) return undefined;
      const expired =
        now - session.lastSeenAt > this.config.console.sessionIdleMs ||
        now - session.createdAt > this.config.console.sessionMaxMs;
      const account = expired
        ? undefined
        : await StaffAccountRepository.byId(tx, session.accountId);
      if (!account || account.status !== 'active') {
        await StaffSessionRepository.remove(tx, idHash);
        return undefined;
      }
      if (now - session.lastSeenAt > TOUCH_EVERY_MS)
        await StaffSessionRepository.touch(tx, idHash, now);
      return {
        accountId: account.id,
        name: account.name,
        role: account.role,
        locale: account.locale,
        roles: apiRolesOf(account.role),
        sessionHash: idHash,
        csrfToken: this.secrets.csrfToken(id),
      };
    });
  }

  close(sessionHash: string): Promise<number> {
    return this.transactions.run((tx) => StaffSessionRepository.remove(tx, sessionHash));
  }
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
