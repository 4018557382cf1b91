import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger';
import { AppConfig } from '../config/app-config';
import { Metrics } from './metrics';

/**
 * Serves GET /metrics on METRICS_HOST:METRICS_PORT, a listener of its own:
 * the figures (payment sums among them) never reach the public port that the
 * load balancer exposes, and the scraper needs no API key. Unset: not served.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;

  constructor(
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The port it listens on (METRICS_PORT=0 picks a free one); undefined when off. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const where = this.config.metrics;
    if (!where) return;
    const registry = this.metrics.registry;
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => {
          this.logger.error({ error: (error as Error)?.name ?? 'unknown' }, 'metrics failed');
          response.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable\n');
        },
      );
    });
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(where.port, where.host, () => {
        server.off('error', fail);
        done();
      });
    });
    this.server = server;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
}
