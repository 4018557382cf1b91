import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { AppModule, AppOptions } from './app.module';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BANK_STATEMENTS_PATH, STATEMENT_CONTENT_TYPES } from './bank/bank-statements.controller';
import { CASH_BATCH_BODY_LIMIT_BYTES, CASH_BATCHES_PATH } from './cash/cash.schemas';
import { describeProblems, HTTP_PROBLEMS, ProblemKind } from './http/api-problems';
import { PROBLEM_BASE, UnsupportedMediaType, ValidationFailed } from './common/domain-error';
import { duplicateMember } from './http/json-body';
import { NestPinoLogger } from './common/logger';
import { AppConfig } from './config/app-config';
import { Metrics } from './metrics/metrics';
import { addStaffSessionHooks } from './staff/session.hooks';
import { SESSION_COOKIE, STAFF_SESSION_SCHEME } from './staff/staff-sessions';
import { SchedulerRegistry } from '@nestjs/schedule';
import { JobLock } from './database/job-lock';
import { EventDelivery } from './events/event-delivery';
import { RequestGate } from './http/request-gate';
import { Settlement } from './payments/settlement/settlement.service';

/**
 * Builds the service as main.ts runs it; tests and benchmarks build it the
 * same way, with their own configuration and log sink.
 */
export async function createApp(options: AppOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    logger: false,
    bodyLimit: options.config.bodyLimitBytes,
    // The client address is never read or logged (invariant 4).
    trustProxy: false,
    // Mailbox ids may be 128 characters; the default limit of 100 would answer 414.
    routerOptions: { maxParamLength: 256 },
    // The router's own answers (a malformed URL, an over-long parameter) echo the URL.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const problem = ROUTER_PROBLEMS[error.code] ?? HTTP_PROBLEMS[400];
      void reply
        .headers(SECURITY_HEADERS)
        .header('content-security-policy', API_POLICY)
        .status(problem.status)
        .header('content-type', 'application/problem+json')
        .send({
          type: `${PROBLEM_BASE}/${problem.slug}`,
          title: problem.title,
          status: problem.status,
          detail: problem.title,
        });
    },
  });
  addBodyParsers(adapter.getInstance(), options.config);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(options),
    adapter,
    {
      logger: new NestPinoLogger(options.logger),
      abortOnError: false,
      // addBodyParsers registers the only parsers.
      bodyParser: false,
    },
  );
  addSecurityHeaders(app);
  // After the security headers, before anything that reads a session or a body.
  const gate = new RequestGate();
  gate.install(adapter.getInstance());
  gates.set(app, gate);
  addStaffSessionHooks(app);
  addAccessLog(app, options.logger);
  addRequestMetrics(app);
  addOpenApi(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

const gates = new WeakMap<NestFastifyApplication, RequestGate>();

/**
 * Stops the service (main.ts, on SIGTERM or SIGINT) within `graceMs`: new
 * requests are answered 503; those under way finish; scheduled jobs stop and
 * the one running (an inbox import, a settlement, the fee run) ends; what
 * waits is settled and its events delivered; then HTTP and the database
 * close. Resolves to the exit code: 0 when all of it finished in time. When
 * the grace period runs out first, requests still unanswered get 503 and the
 * process may end: their transactions never commit, and the pending tables,
 * the outbox and the inbox keep what the next start resumes.
 */
export async function stopGracefully(
  app: NestFastifyApplication,
  logger: Logger,
  graceMs: number,
): Promise<number> {
  const gate = gates.get(app)!;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, graceMs, 'late')));
  const work = (async () => {
    stopSchedules(app);
    await gate.close();
    await app.get(JobLock).idle();
    await app.get(Settlement).run();
    await app.get(EventDelivery).tick();
    await stopListening(app);
    await app.close();
    return 'done' as const;
  })();
  try {
    if ((await Promise.race([work, late])) === 'done') return 0;
    logger.error(
      { inFlight: gate.inFlight, graceMs },
      'stopping took longer than SHUTDOWN_GRACE_SECONDS; the next start resumes what was unfinished',
    );
    await Promise.race([gate.refuseUnanswered(), new Promise((r) => setTimeout(r, 1000))]);
    return 1;
  } catch (error) {
    logger.error({ error: (error as Error).name }, 'stopping failed; the next start resumes');
    return 1;
  } finally {
    clearTimeout(timer);
  }
}

/** How long connections open when the listener closes may still send their request (it gets 503). */
const LINGER_MS = 1000;

/**
 * Closes the listener, so new connections are refused, and gives the
 * connections it accepted a moment to send their request and be answered 503
 * instead of being cut: http.Server.close() would end at once those that have
 * sent nothing yet, whose request may be on its way.
 */
async function stopListening(app: NestFastifyApplication): Promise<void> {
  const server = app.getHttpServer() as Server;
  // A poll phase first: it accepts the connections queued meanwhile, which
  // closing the listener would reset unanswered.
  await new Promise((resolve) => setImmediate(resolve));
  Reflect.apply(NetServer.prototype.close, server, []);
  const until = Date.now() + LINGER_MS;
  while (Date.now() < until) {
    const open = await new Promise<number>((resolve) =>
      server.getConnections((error, count) => resolve(error ? 0 : count)),
    );
    if (open === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every interval, timeout and cron job of @nestjs/schedule (absent when scheduling is off). */
function stopSchedules(app: NestFastifyApplication): void {
  let registry: SchedulerRegistry;
  try {
    registry = app.get(SchedulerRegistry);
  } catch {
    return;
  }
  for (const name of registry.getIntervals()) registry.deleteInterval(name);
  for (const name of registry.getTimeouts()) registry.deleteTimeout(name);
  for (const job of registry.getCronJobs().values()) void job.stop();
}

const ROUTER_PROBLEMS: Record<string, ProblemKind> = {
  FST_ERR_MAX_PARAM_LENGTH: HTTP_PROBLEMS[414],
  FST_ERR_BAD_URL: HTTP_PROBLEMS[400],
};

/**
 * JSON for every route but the bank statements', which takes CAMT XML or a ZIP
 * streamed to disk; anything else is a 415. Routes register after this, so the
 * cash batch route gets a body limit that holds the largest batch its schema allows.
 */
function addBodyParsers(fastify: FastifyInstance, config: AppConfig): void {
  fastify.removeAllContentTypeParsers();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    parseJson(request, text, (error, value) => {
      if (error) return done(error, undefined);
      const duplicate = duplicateMember(text, value);
      if (duplicate === undefined) return done(null, value);
      done(
        new ValidationFailed('A member is written twice; nothing was read.', [
          { path: duplicate, message: 'appears more than once' },
        ]),
        undefined,
      );
    });
  });
  fastify.addContentTypeParser(
    STATEMENT_CONTENT_TYPES,
    { bodyLimit: config.bankUploadLimitBytes },
    (_request, payload, done) => done(null, payload),
  );
  fastify.addHook('onRoute', (route) => {
    if (route.url === CASH_BATCHES_PATH && route.method === 'POST') {
      route.bodyLimit = Math.max(config.bodyLimitBytes, CASH_BATCH_BODY_LIMIT_BYTES);
    }
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    const type = request.headers['content-type']?.split(';')[0].trim().toLowerCase();
    if (type === undefined || request.body === undefined) return done();
    const accepted =
      request.routeOptions.url === BANK_STATEMENTS_PATH
        ? STATEMENT_CONTENT_TYPES
        : ['application/json'];
    if (accepted.includes(type)) return done();
    done(
      new UnsupportedMediaType(`This route takes ${accepted.join(' or ')}.`, [
        { path: 'Content-Type', message: `${type} is not taken here` },
      ]),
    );
  });
}

/** Method, route pattern, status and duration: no URL (it holds mailbox ids), no address. */
function addAccessLog(app: NestFastifyApplication, logger: Logger): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onResponse', (request, reply, done) => {
    logger.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? '(no route)',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
    done();
  });
}

/** Request durations by method, route pattern and status: the pattern, never the URL (it holds codes). */
function addRequestMetrics(app: NestFastifyApplication): void {
  const metrics = app.get(Metrics);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (request, reply, done) => {
      metrics.answered(
        request.method,
        request.routeOptions.url,
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
      done();
    });
}

/**
 * Helmet's default headers, computed once. @fastify/helmet builds them for every
 * answer: measured on bench:http, that cost a fifth of code issuance throughput.
 */
const SECURITY_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
} as const;

/** The API sends only JSON: its policy allows nothing. */
const API_POLICY =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Swagger UI loads its own scripts, styles and the OpenAPI document from this origin. */
const DOCS_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // Swagger UI sets style attributes from its scripts.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');

/**
 * The security headers of helmet's defaults on every answer, with a content
 * security policy that allows nothing for the API and just what /docs needs.
 * HSTS is left to the TLS-terminating proxy in front.
 */
function addSecurityHeaders(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      reply.headers(SECURITY_HEADERS);
      reply.header(
        'content-security-policy',
        request.url.startsWith('/docs') ? DOCS_POLICY : API_POLICY,
      );
      done();
    });
}

function addOpenApi(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Anonymous prepaid billing')
      .setDescription(
        'Top-up codes, cash letters, bank statements and PayPal, credited to prepaid mailbox balances ' +
          'without any link from a payment to a mailbox. Errors are RFC 9457 problem documents ' +
          '(application/problem+json) whose `type` names the rule.',
      )
      .setVersion('1')
      .setLicense('AGPL-3.0-only', 'https://www.gnu.org/licenses/agpl-3.0.html')
      .addServer('/', 'this service')
      // An opaque API key, one role each; not a JWT.
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: undefined,
        description: 'An API key from API_KEYS; its role decides the routes it may use.',
      })
      .addCookieAuth(SESSION_COOKIE, STAFF_SESSION_SCHEME, 'staff-session')
      .build(),
  );
  // /health and PayPal's webhooks take no API key: say so, rather than say nothing.
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations) as { security?: unknown[] }[]) {
      operation.security ??= [];
    }
  }
  describeProblems(document as unknown as Parameters<typeof describeProblems>[0]);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
