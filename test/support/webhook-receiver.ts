import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * The webmail backend as the service sees it: a real HTTP server on loopback
 * that answers `failures` requests with 503 (or drops the connection) before it
 * takes events with 204, and keeps what it was sent.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  readonly accepted: Received[] = [];
  /** Requests to refuse before accepting; set it to fail again. */
  failures = 0;
  /** When set, refusals close the connection instead of answering 503. */
  hangUp = false;
  private server: Server | undefined;

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const got = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.received.push(got);
        if (this.failures > 0) {
          this.failures -= 1;
          if (this.hangUp) {
            request.socket.destroy();
            return;
          }
          response.writeHead(503).end('down for maintenance');
          return;
        }
        this.accepted.push(got);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/billing-events`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
