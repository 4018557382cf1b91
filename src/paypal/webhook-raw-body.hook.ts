import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Transform } from 'node:stream';

export const WEBHOOK_PATH = '/v1/paypal/webhooks';

/** The webhook body exactly as PayPal sent it: the signature covers these bytes, not a re-serialised JSON. */
export type RequestWithRawBody = FastifyRequest & { rawBody?: Buffer };

/**
 * Keeps the raw bytes of the PayPal webhook route's body beside the parsed
 * one. Fastify's JSON parser still reads (and limits) the body; this only
 * copies what passes through, for that one route, so other routes pay nothing.
 * Hooks added before the server is ready apply to routes registered earlier.
 */
@Injectable()
export class WebhookRawBodyHook implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly host: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.addHook('preParsing', (request: RequestWithRawBody, _reply, payload, done) => {
      if (request.routeOptions.url !== WEBHOOK_PATH) return done(null, payload);
      const chunks: Buffer[] = [];
      const copy = new Transform({
        transform(chunk: Buffer, _encoding, next) {
          chunks.push(chunk);
          next(null, chunk);
        },
        flush(next) {
          request.rawBody = Buffer.concat(chunks);
          next();
        },
      });
      payload.on('error', (error) => copy.destroy(error));
      done(null, payload.pipe(copy));
    });
  }
}
