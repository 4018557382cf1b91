import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { AppModule, AppOptions } from './app.module';
import { STATEMENT_CONTENT_TYPES } from './bank/bank-statements.controller';
import { NestPinoLogger } from './common/logger';

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
  });
  // Bank statements are streamed to disk by their route, never parsed into memory.
  adapter
    .getInstance()
    .addContentTypeParser(
      STATEMENT_CONTENT_TYPES,
      { bodyLimit: options.config.bankUploadLimitBytes },
      (_request, payload, done) => done(null, payload),
    );
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(options),
    adapter,
    {
      logger: new NestPinoLogger(options.logger),
      abortOnError: false,
    },
  );
  app.enableShutdownHooks();
  addSecurityHeaders(app);
  addAccessLog(app, options.logger);
  addOpenApi(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
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
 * HSTS is left to the TLS-terminating proxy in front (README: deployment).
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
          'without any link from a payment to a mailbox. Errors are RFC 9457 problem documents.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
