import { KeyedHash } from '../../src/config/keyed-hash';
import { startTestApp } from '../support/test-app';
import { redeemedCodes, runFullFlow, spellings } from './support/full-flow';

/**
 * DESIGN.md, invariant 4: logs carry no IP address, code, mailbox id, IBAN or
 * name, at any level. A whole flow runs once per pino level, and every line it
 * wrote is searched for everything the flow used.
 */
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** The only fields of an access log line: no URL (it holds mailbox ids), no address, no headers. */
const ACCESS_LOG_FIELDS = ['level', 'time', 'msg', 'method', 'route', 'status', 'ms'];

/** Fields that name a client or carry a request as it came. */
const CLIENT_FIELDS =
  /"(ip|ips|remoteAddress|remotePort|hostname|host|url|originalUrl|headers|authorization|user-?agent|x-forwarded-for|x-real-ip|forwarded|req|request|params|body|query)"\s*:/i;

describe('logs', () => {
  it.each(LEVELS)(
    'at level %s, hold nothing of a whole flow that names a person',
    async (level) => {
      const t = await startTestApp({ logLevel: level });
      try {
        const trace = await runFullFlow(t);
        const hash = t.app.get(KeyedHash);
        const text = t.logs.join('\n');

        const codes = [...redeemedCodes(trace), trace.openCode, trace.lateCode, trace.misread];
        const secrets = [
          ...codes.flatMap(spellings),
          // What the database holds instead: a log line with a time beside them would
          // say when a mailbox or a code was used.
          ...codes.map((code) => hash.code(code.replaceAll('-', ''))),
          ...trace.mailboxIds.flatMap((id) => [id, encodeURIComponent(id), hash.mailbox(id)]),
          ...trace.payers.flatMap((p) => [p.name, p.iban, p.iban.match(/.{1,4}/g)!.join(' ')]),
          ...trace.apiKeys,
          '127.0.0.1',
          '::1',
          '::ffff:',
          'localhost',
        ];
        for (const secret of secrets) expect(text, secret).not.toContain(secret);
        // No IPv4 address of any kind, and no field that would hold a client's.
        expect(text).not.toMatch(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/);
        expect(text).not.toMatch(CLIENT_FIELDS);

        const lines = t.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
        const access = lines.filter((l) => l.msg === 'request');
        // The capture works: below warn, every request of the flow left a line.
        if (['trace', 'debug', 'info'].includes(level)) {
          expect(access.length).toBeGreaterThan(20);
          expect(access.map((l) => l.status)).toEqual(expect.arrayContaining([401, 404, 409, 422]));
          expect(access.map((l) => l.route)).toEqual(
            expect.arrayContaining(['/v1/mailboxes/:mailboxId', '(no route)']),
          );
        } else {
          expect(access).toEqual([]);
        }
        for (const line of access) {
          expect(Object.keys(line).filter((k) => !ACCESS_LOG_FIELDS.includes(k))).toEqual([]);
          // A route pattern, never a path that was asked for.
          expect(String(line.route)).toMatch(/^(\/[a-z0-9-]*|\/:[A-Za-z]+)+$|^\(no route\)$/);
        }
      } finally {
        await t.close();
      }
    },
  );
});
