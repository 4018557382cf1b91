import type { FastifyInstance, FastifyReply } from 'fastify';
import { PROBLEM_BASE } from '../common/domain-error';

/** What a request that arrives while the service stops is told: come back (to another instance). */
const STOPPING = JSON.stringify({
  type: `${PROBLEM_BASE}/unavailable`,
  title: 'The service cannot answer right now',
  status: 503,
  detail: 'The service is stopping; send the request again.',
});

/** The largest body read before a 503 (a cash batch fits); a larger one is cut. */
const DRAINED_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Lets requests in until the service stops, then tells every new one 503 with
 * Retry-After (nothing of it has run) and closes its connection, while those
 * let in before finish and keep theirs (a client that reuses it at once after
 * an answer saying close may have it reset). The listener stays open meanwhile,
 * so a client is answered rather than reset.
 */
export class RequestGate {
  private closing = false;
  private readonly open = new Set<FastifyReply>();
  private drained?: () => void;

  install(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', (request, reply, done) => {
      if (this.closing) {
        const refuse = () =>
          void reply
            .status(503)
            .header('connection', 'close')
            .header('retry-after', '5')
            .header('content-type', 'application/problem+json')
            .send(STOPPING);
        // A connection closed with a body still unread is reset, and the client
        // may lose the answer with it: a small body is read (and dropped) first.
        const raw = request.raw;
        const length = Number(raw.headers['content-length'] ?? 0);
        if (raw.complete || !(length > 0 && length <= DRAINED_BODY_BYTES)) return refuse();
        raw.once('end', refuse).once('error', refuse).resume();
        return;
      }
      this.open.add(reply);
      // 'close' comes once the response is sent or the client went away.
      reply.raw.once('close', () => this.release(reply));
      done();
    });
  }

  /** Requests let in and not yet answered. */
  get inFlight(): number {
    return this.open.size;
  }

  /** Lets no new request in; resolves once every request let in has been answered. */
  close(): Promise<void> {
    this.closing = true;
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }

  /**
   * Answers 503 to every request let in and not answered yet: the process ends
   * before their transactions commit, so nothing of them is kept.
   */
  refuseUnanswered(): Promise<void> {
    const sent = [...this.open]
      .filter((reply) => !reply.raw.headersSent)
      .map(
        (reply) =>
          new Promise<void>((resolve) => {
            reply.raw.once('close', resolve);
            reply.raw.writeHead(503, {
              connection: 'close',
              'retry-after': '5',
              'content-type': 'application/problem+json',
            });
            reply.raw.end(STOPPING);
          }),
      );
    return Promise.all(sent).then(() => undefined);
  }

  private release(reply: FastifyReply): void {
    this.open.delete(reply);
    if (this.open.size === 0) this.drained?.();
  }
}
