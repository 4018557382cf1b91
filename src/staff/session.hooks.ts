import { timingSafeEqual } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_BASE } from '../common/domain-error';
import { CSRF_HEADER, cookieValue, SESSION_COOKIE, StaffSessions } from './staff-sessions';
import { StaffPrincipal } from '../auth/staff-principal';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Routes a browser posts to before it has a session: checked for origin, not for a token. */
export const SESSION_FREE_POSTS = new Set([
  '/v1/staff/session',
  '/v1/staff/enrolment',
  '/v1/staff/enrolment/completion',
]);

declare module 'fastify' {
  interface FastifyRequest {
    staff: StaffPrincipal | null;
  }
}

/**
 * Staff sessions, before anything reads a body: the session cookie is resolved
 * to its person, and a state-changing request that carries it must come from
 * this origin and carry the session's CSRF token in a header. Checked in
 * onRequest, so a cross-site form post (urlencoded, multipart, text/plain) is
 * refused with 403 before a body parser could answer 415, and nothing runs.
 * A request with an Authorization header is an API client's: the cookie is ignored.
 */
export function addStaffSessionHooks(app: NestFastifyApplication): void {
  const sessions = app.get(StaffSessions);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.decorateRequest('staff', null);
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.headers.authorization !== undefined) return;
    const unsafe = !SAFE_METHODS.has(request.method);
    const path = request.url.split('?')[0];
    if (unsafe && crossSite(request)) return refuse(reply, 'a request from another site');
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (id === undefined) return;
    const principal = await sessions.resolve(id);
    if (!principal) {
      if (unsafe && !SESSION_FREE_POSTS.has(path))
        return refuse(reply, 'the session has ended; sign in again', 401);
      return;
    }
    if (unsafe && !SESSION_FREE_POSTS.has(path) && !tokenMatches(request, principal.csrfToken))
      return refuse(reply, `a state-changing request needs the ${CSRF_HEADER} header`);
    request.staff = principal;
  });
}

/** Sec-Fetch-Site and Origin, where the browser sends them, must name this origin. */
function crossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

function tokenMatches(request: FastifyRequest, expected: string): boolean {
  const sent = request.headers[CSRF_HEADER];
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function refuse(reply: FastifyReply, detail: string, status = 403): FastifyReply {
  const [slug, title] =
    status === 401
      ? ['unauthenticated', 'A valid API key is required']
      : ['forbidden', 'This API key may not use this route'];
  return reply
    .status(status)
    .header('content-type', 'application/problem+json')
    .send({ type: `${PROBLEM_BASE}/${slug}`, title, status, detail: `Refused: ${detail}.` });
}
