import { generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';

/*
 * X.509 certificates made at run time with node:crypto alone (Node can read
 * certificates but not write them): a few DER helpers, a TBSCertificate with
 * basicConstraints, signed with SHA-256 and RSA. A root, an intermediate and a
 * signing certificate, as PayPal's chain to DigiCert: enough for the stand-in
 * to sign webhooks the way PayPal does; no openssl and no fixture files.
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
/**
 * A non-negative DER INTEGER in its one minimal form: OpenSSL refuses a leading
 * zero byte that is not needed ("illegal padding"), as one random serial in 256 had.
 */
function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && !(bytes[start + 1] & 0x80)) start++;
  const minimal = bytes.subarray(start);
  return tlv(0x02, minimal[0] & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}
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

const BOOLEAN_TRUE = Buffer.from([0x01, 0x01, 0xff]);
const octetString = (bytes: Buffer) => tlv(0x04, bytes);

/** basicConstraints (critical), CA or not: what lets a certificate issue others. */
function basicConstraints(ca: boolean): Buffer {
  return sequence(
    objectId('2.5.29.19'),
    BOOLEAN_TRUE,
    octetString(ca ? sequence(BOOLEAN_TRUE) : sequence()),
  );
}

const nameOf = (commonName: string) =>
  sequence(set(sequence(objectId('2.5.4.3'), utf8(commonName))));

function toPem(der: Buffer): string {
  const lines = der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN CERTIFICATE-----\n${lines}\n-----END CERTIFICATE-----\n`;
}

/** One certificate, signed by its issuer (or by itself). */
export interface TestAuthority {
  privateKey: KeyObject;
  name: Buffer;
  pem: string;
}

function issue(options: {
  commonName: string;
  ca: boolean;
  issuer?: TestAuthority;
  notBefore?: Date;
  notAfter?: Date;
  serial?: Buffer;
}): TestAuthority {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Date.now();
  const notBefore = options.notBefore ?? new Date(now - 24 * 3600_000);
  const notAfter = options.notAfter ?? new Date(now + 365 * 24 * 3600_000);
  const name = nameOf(options.commonName);
  const sha256WithRsa = sequence(objectId('1.2.840.113549.1.1.11'), NULL);
  const serial = options.serial ?? randomBytes(12);
  const tbs = sequence(
    tlv(0xa0, integer(Buffer.from([2]))), // v3
    integer(serial),
    sha256WithRsa,
    options.issuer?.name ?? name,
    sequence(utcTime(notBefore), utcTime(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, sequence(basicConstraints(options.ca))),
  );
  const signer = options.issuer?.privateKey ?? privateKey;
  const der = sequence(tbs, sha256WithRsa, bitString(sign('sha256', tbs, signer)));
  return { privateKey, name, pem: toPem(der) };
}

/** A root CA of the tests' own, as DigiCert's root is PayPal's. */
export function makeTestRoot(commonName = 'Fake PayPal Test Root CA'): TestAuthority {
  return issue({ commonName, ca: true, notAfter: new Date(Date.now() + 3650 * 24 * 3600_000) });
}

export interface TestCertificate {
  privateKey: KeyObject;
  /** PEM, as PayPal serves it from its certificate URL: the signing certificate, then its issuers. */
  pem: string;
  /** The root it chains to: what the service is told to trust. */
  rootPem: string;
}

/**
 * A webhook signing certificate as PayPal's: CN=messageverificationcerts(.sandbox).paypal.com,
 * issued by an intermediate CA that a root CA issued. `selfSigned` makes one that chains to
 * nothing; `intermediateIsCa: false` one whose issuer may not issue.
 */
export function makeTestCertificate(
  options: {
    commonName?: string;
    notBefore?: Date;
    notAfter?: Date;
    root?: TestAuthority;
    selfSigned?: boolean;
    intermediateIsCa?: boolean;
    /** The signing certificate's serial (random by default). */
    serial?: Buffer;
  } = {},
): TestCertificate {
  const commonName = options.commonName ?? 'messageverificationcerts.sandbox.paypal.com';
  if (options.selfSigned) {
    const alone = issue({
      commonName,
      ca: false,
      notBefore: options.notBefore,
      notAfter: options.notAfter,
    });
    return { privateKey: alone.privateKey, pem: alone.pem, rootPem: alone.pem };
  }
  const root = options.root ?? makeTestRoot();
  const intermediate = issue({
    commonName: 'Fake PayPal Test Intermediate CA',
    ca: options.intermediateIsCa ?? true,
    issuer: root,
  });
  const leaf = issue({
    commonName,
    ca: false,
    issuer: intermediate,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    serial: options.serial,
  });
  return { privateKey: leaf.privateKey, pem: leaf.pem + intermediate.pem, rootPem: root.pem };
}
