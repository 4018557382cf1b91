import { generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';

/*
 * A self-signed X.509 certificate made at run time with node:crypto alone
 * (Node can read certificates but not write them): a few DER helpers, a
 * TBSCertificate, signed with SHA-256 and RSA. Enough for the stand-in to sign
 * webhooks the way PayPal does; no openssl and no fixture files at test time.
 */

function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  if (length < 0x80) return Buffer.concat([Buffer.from([tag, length]), content]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.concat([Buffer.from([tag, 0x80 | bytes.length, ...bytes]), content]);
}

const sequence = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));
const integer = (bytes: Buffer) =>
  tlv(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
const bitString = (bytes: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), bytes]));
const NULL = Buffer.from([0x05, 0x00]);

function objectId(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * first + second];
  for (const value of rest) {
    const base128 = [value & 0x7f];
    for (let v = Math.floor(value / 128); v > 0; v = Math.floor(v / 128))
      base128.unshift((v & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime, YYMMDDHHMMSSZ: fine until 2049. */
function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

export interface TestCertificate {
  privateKey: KeyObject;
  /** PEM, as PayPal serves it from its certificate URL. */
  pem: string;
}

export function makeTestCertificate(
  options: { commonName?: string; notBefore?: Date; notAfter?: Date } = {},
): TestCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Date.now();
  const notBefore = options.notBefore ?? new Date(now - 24 * 3600_000);
  const notAfter = options.notAfter ?? new Date(now + 365 * 24 * 3600_000);
  const name = sequence(
    set(
      sequence(
        objectId('2.5.4.3'),
        utf8(options.commonName ?? 'messageverificationcerts.fake-paypal.test'),
      ),
    ),
  );
  const sha256WithRsa = sequence(objectId('1.2.840.113549.1.1.11'), NULL);
  const serial = randomBytes(12);
  serial[0] &= 0x7f;
  const tbs = sequence(
    tlv(0xa0, integer(Buffer.from([2]))), // v3
    integer(serial),
    sha256WithRsa,
    name,
    sequence(utcTime(notBefore), utcTime(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const der = sequence(tbs, sha256WithRsa, bitString(sign('sha256', tbs, privateKey)));
  const lines = der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return { privateKey, pem: `-----BEGIN CERTIFICATE-----\n${lines}\n-----END CERTIFICATE-----\n` };
}
