import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { generateSecret, generateSync, generateURI } from 'otplib';
import { WindowCounter, WindowCounters } from '../abuse/window-counters';
import { AuditTrail } from '../audit/audit-trail';
import { ValidationFailed } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { StaffAccount, StaffAccountRepository } from './staff-account.repository';
import { StaffLocale, StaffRole } from '../auth/staff-principal';
import { StaffSessionRepository } from './staff-session.repository';
import { newToken, sha256, StaffSecrets } from './staff-secrets';
import { EnrolmentInvalid, SignInFailed, SignInLocked, WeakPassword } from './staff.errors';

const TOTP_PURPOSE = 'billing/staff-totp';
const TOTP_PERIOD_S = 30;
const ENROLMENT_TTL_MS = 72 * 3_600_000;
export const MIN_PASSWORD_LENGTH = 12;
/** Failed sign-ins an account may have before it is locked for LOCK_MS. */
export const SIGN_IN_FAILURES = 5;
const LOCK_MS = 15 * 60_000;
/** Hashed when the name is unknown, so both answers take as long. */
const DUMMY_HASH = argon2Hash('not a password of anyone');

export const STAFF_NAME = /^[a-z][a-z0-9._-]{1,31}$/;

export interface AccountView {
  name: string;
  role: StaffRole;
  locale: StaffLocale;
  status: string;
  createdAt: string;
  lastSignInAt: string | null;
}

const view = (a: StaffAccount): AccountView => ({
  name: a.name,
  role: a.role,
  locale: a.locale,
  status: a.status,
  createdAt: new Date(a.createdAt).toISOString(),
  lastSignInAt: a.lastSignInAt === null ? null : new Date(a.lastSignInAt).toISOString(),
});

/** Staff accounts: created by the CLI, enrolled by their person, signed in with a second factor. */
@Injectable()
export class StaffAccounts {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(StaffSecrets) private readonly secrets: StaffSecrets,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(WindowCounters) counters: WindowCounters,
  ) {
    this.failures = counters.create('staff-sign-in-failure', config.rateLimits.authFailuresGlobal);
  }

  /** Failed sign-ins in the current minute, whatever the name (of all instances on PostgreSQL). */
  private readonly failures: WindowCounter;

  /** A new account and its one-time enrolment link (the token is in the fragment, never sent in a URL). */
  async add(
    name: string,
    role: StaffRole,
    locale: StaffLocale,
    actor = 'cli',
  ): Promise<{ link: string }> {
    if (!STAFF_NAME.test(name))
      throw new ValidationFailed('A name is 2-32 of a-z, 0-9, dot, dash, underscore.', [
        { path: 'name', message: 'not a valid name' },
      ]);
    const token = newToken();
    await this.transactions.run(async (tx) => {
      if (await StaffAccountRepository.byName(tx, name))
        throw new ValidationFailed(`${name} exists already.`, [{ path: 'name', message: 'taken' }]);
      await StaffAccountRepository.insert(tx, {
        id: randomUUID(),
        name,
        role,
        locale,
        enrolTokenHash: sha256(token),
        enrolExpiresAt: Date.now() + ENROLMENT_TTL_MS,
        createdAt: Date.now(),
      });
      await this.audit.append(tx, {
        actor,
        action: 'account-added',
        detail: { account: name, role, locale },
      });
    });
    return { link: `${this.config.console.url}/staff/enrol#${token}` };
  }

  /** What the enrolment page shows: the TOTP secret, made on first look and kept sealed. */
  enrolment(token: string): Promise<{ name: string; secret: string; uri: string }> {
    return this.transactions.run(async (tx) => {
      const account = await this.enrolling(tx, token);
      let secret: string;
      if (account.totpSealed)
        secret = this.secrets.open(TOTP_PURPOSE, account.id, account.totpSealed);
      else {
        secret = generateSecret();
        await StaffAccountRepository.update(tx, account.id, {
          totp_sealed: this.secrets.seal(TOTP_PURPOSE, account.id, secret),
        });
      }
      const uri = generateURI({ issuer: 'Billing console', label: account.name, secret });
      return { name: account.name, secret, uri };
    });
  }

  /** Sets the password and proves the authenticator works; the link is spent. */
  async completeEnrolment(token: string, password: string, totpCode: string): Promise<void> {
    if (password.length < MIN_PASSWORD_LENGTH)
      throw new WeakPassword(`A password has at least ${MIN_PASSWORD_LENGTH} characters.`, [
        { path: 'password', message: `shorter than ${MIN_PASSWORD_LENGTH}` },
      ]);
    const passwordHash = await argon2Hash(password);
    await this.transactions.run(async (tx) => {
      const account = await this.enrolling(tx, token);
      const step = account.totpSealed
        ? this.matchingStep(
            this.secrets.open(TOTP_PURPOSE, account.id, account.totpSealed),
            totpCode,
          )
        : undefined;
      if (step === undefined)
        throw new ValidationFailed('The one-time code does not match; try the next one.', [
          { path: 'totpCode', message: 'does not match' },
        ]);
      await StaffAccountRepository.update(tx, account.id, {
        password_hash: passwordHash,
        status: 'active',
        enrol_token_hash: null,
        enrol_expires_at: null,
        last_totp_step: step,
      });
      await this.audit.append(tx, {
        actor: account.name,
        action: 'account-enrolled',
        detail: { account: account.name },
      });
    });
  }

  /**
   * Name, password and a TOTP code. Failures are counted on the account and
   * lock it for a while after SIGN_IN_FAILURES; a code is accepted once.
   */
  async signIn(name: string, password: string, totpCode: string): Promise<StaffAccount> {
    // A fuse for guessing with ever new names: each costs an argon2 verification.
    if (await this.failures.exhausted('all'))
      throw new SignInLocked('Too many failed sign-ins in all; try again in a minute.');
    try {
      return await this.checkSignIn(name, password, totpCode);
    } catch (error) {
      if (error instanceof SignInFailed) await this.failures.add('all', 1);
      throw error;
    }
  }

  private async checkSignIn(
    name: string,
    password: string,
    totpCode: string,
  ): Promise<StaffAccount> {
    const found = await this.transactions.run((tx) => StaffAccountRepository.byName(tx, name));
    if (!found || found.status !== 'active' || !found.passwordHash) {
      await argon2Verify(await DUMMY_HASH, password).catch(() => false);
      throw new SignInFailed('Check name, password and one-time code.');
    }
    if (found.lockedUntil !== null && found.lockedUntil > Date.now())
      throw new SignInLocked('Too many failed sign-ins; try again in 15 minutes.');
    const passwordOk = await argon2Verify(found.passwordHash, password).catch(() => false);
    const step = passwordOk
      ? this.matchingStep(this.secrets.open(TOTP_PURPOSE, found.id, found.totpSealed!), totpCode)
      : undefined;
    const outcome = await this.transactions.run(async (tx) => {
      const account = (await StaffAccountRepository.byName(tx, name, true))!;
      const fresh = step !== undefined && (account.lastTotpStep ?? -1) < step;
      if (!fresh || account.status !== 'active') {
        const failures = account.failedSignIns + 1;
        await StaffAccountRepository.update(tx, account.id, {
          failed_sign_ins: failures >= SIGN_IN_FAILURES ? 0 : failures,
          locked_until: failures >= SIGN_IN_FAILURES ? Date.now() + LOCK_MS : account.lockedUntil,
        });
        await this.audit.append(tx, {
          actor: account.name,
          action: 'sign-in-failed',
          detail: { locked: failures >= SIGN_IN_FAILURES },
        });
        return undefined;
      }
      await StaffAccountRepository.update(tx, account.id, {
        failed_sign_ins: 0,
        locked_until: null,
        last_totp_step: step,
        last_sign_in_at: Date.now(),
      });
      return account;
    });
    if (!outcome) throw new SignInFailed('Check name, password and one-time code.');
    return outcome;
  }

  list(): Promise<AccountView[]> {
    return this.transactions.run(async (tx) => (await StaffAccountRepository.all(tx)).map(view));
  }

  /** Ends the account and every one of its sessions, in one transaction. */
  async disable(name: string, actor = 'cli'): Promise<boolean> {
    return this.transactions.run(async (tx) => {
      const account = await StaffAccountRepository.byName(tx, name, true);
      if (!account) return false;
      await StaffAccountRepository.update(tx, account.id, {
        status: 'disabled',
        password_hash: null,
        totp_sealed: null,
        enrol_token_hash: null,
      });
      const sessions = await StaffSessionRepository.removeAllOf(tx, account.id);
      await this.audit.append(tx, {
        actor,
        action: 'account-disabled',
        detail: { account: name, sessionsEnded: sessions },
      });
      return true;
    });
  }

  private async enrolling(tx: Parameters<typeof StaffAccountRepository.byName>[0], token: string) {
    const account = await StaffAccountRepository.byEnrolToken(tx, sha256(token));
    if (!account || account.status !== 'enrolling' || (account.enrolExpiresAt ?? 0) < Date.now())
      throw new EnrolmentInvalid('Ask an admin for a new link (npm run cli -- staff add).');
    return account;
  }

  /** The time step whose code this is (now, one before or one after), or undefined. */
  private matchingStep(secret: string, code: string): number | undefined {
    if (!/^\d{6}$/.test(code.trim())) return undefined;
    const now = Math.floor(Date.now() / 1000);
    for (const offset of [0, -1, 1]) {
      const epoch = now + offset * TOTP_PERIOD_S;
      if (generateSync({ secret, epoch }) === code.trim()) return Math.floor(epoch / TOTP_PERIOD_S);
    }
    return undefined;
  }
}
