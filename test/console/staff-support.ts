import { generateSync } from 'otplib';
import { StaffAccounts } from '../../src/staff/staff-accounts.service';
import { SESSION_COOKIE } from '../../src/staff/staff-sessions';
import { TestApp } from '../support/test-app';

export interface Enrolled {
  name: string;
  password: string;
  secret: string;
  /** The TOTP code of now plus `steps` periods of 30 s (the server accepts one step either side). */
  code(steps?: number): string;
}

/** An account added as `staff add` does and enrolled as its person would; its first code is spent. */
export async function anEnrolledAccount(
  t: TestApp,
  name: string,
  role: 'staff' | 'admin' = 'staff',
  locale: 'de' | 'en' = 'en',
): Promise<Enrolled> {
  const accounts = t.app.get(StaffAccounts);
  const { link } = await accounts.add(name, role, locale, 'test');
  const token = link.split('#')[1];
  const { secret } = await accounts.enrolment(token);
  const password = `correct horse ${name} battery`;
  await accounts.completeEnrolment(token, password, generateSync({ secret }));
  return {
    name,
    password,
    secret,
    code: (steps = 0) =>
      generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 * steps }),
  };
}

export interface SignedIn {
  cookie: string;
  csrf: string;
  /** Cookie and CSRF header for a state-changing request. */
  headers: Record<string, string>;
}

/** Signs in over HTTP with the next step's code (the enrolment spent this step's). */
export async function signIn(t: TestApp, account: Enrolled, steps = 1): Promise<SignedIn> {
  const res = await t.http
    .post('/v1/staff/session')
    .send({ name: account.name, password: account.password, oneTimeCode: account.code(steps) });
  if (res.status !== 201) throw new Error(`sign-in failed: ${res.status} ${res.text}`);
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const cookie = setCookie[0].split(';')[0];
  if (!cookie.startsWith(`${SESSION_COOKIE}=`)) throw new Error('no session cookie');
  return {
    cookie,
    csrf: res.body.csrfToken,
    headers: { cookie, 'x-csrf-token': res.body.csrfToken },
  };
}
