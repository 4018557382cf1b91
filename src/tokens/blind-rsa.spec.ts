import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  webcrypto,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publicVerif, TokenChallenge, TOKEN_TYPES } from '@cloudflare/privacypass-ts';
import { blindSign, BlindSignFailed, verifySignature } from './blind-rsa';
import { challengeBytes, challengeDigest, parseToken, parseTokenRequest } from './private-token';
import { pssTokenKey } from './token-keys.service';

const vector = JSON.parse(
  readFileSync(
    join(__dirname, '../../test/fixtures/tokens/rfc9474-sha384-pss-deterministic.json'),
    'utf8',
  ),
) as Record<'p' | 'q' | 'n' | 'e' | 'd' | 'msg' | 'blinded_msg' | 'blind_sig' | 'sig', string>;

const big = (hex: string) => BigInt(`0x${hex}`);
const b64u = (n: bigint) => {
  const hex = n.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
};

/** The vector's key as node:crypto holds it (JWK with the CRT values computed here). */
function vectorKeys(): { privateKey: KeyObject; publicKey: KeyObject } {
  const [p, q, d] = [big(vector.p), big(vector.q), big(vector.d)];
  const inverse = (a: bigint, m: bigint): bigint => {
    let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
    while (r1 !== 0n) {
      const k = r0 / r1;
      [r0, r1, s0, s1] = [r1, r0 - k * r1, s1, s0 - k * s1];
    }
    return ((s0 % m) + m) % m;
  };
  const jwk = {
    kty: 'RSA',
    n: b64u(big(vector.n)),
    e: b64u(big(vector.e)),
    d: b64u(d),
    p: b64u(p),
    q: b64u(q),
    dp: b64u(d % (p - 1n)),
    dq: b64u(d % (q - 1n)),
    qi: b64u(inverse(q, p)),
  };
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

describe('RSABSSA-SHA384-PSS-Deterministic with node:crypto', () => {
  it("signs RFC 9474's blinded message to the vector's blind signature", () => {
    const { privateKey, publicKey } = vectorKeys();
    const signature = blindSign(privateKey, publicKey, Buffer.from(vector.blinded_msg, 'hex'));
    expect(signature.toString('hex')).toBe(vector.blind_sig);
  });

  it("verifies the vector's final signature over its message, and refuses it over another", () => {
    const { publicKey } = vectorKeys();
    const msg = Buffer.from(vector.msg, 'hex');
    const sig = Buffer.from(vector.sig, 'hex');
    expect(verifySignature(publicKey, msg, sig)).toBe(true);
    const other = Buffer.from(msg);
    other[0] ^= 1;
    expect(verifySignature(publicKey, other, sig)).toBe(false);
  });

  it('refuses a blinded message not below the modulus, or of the wrong length', () => {
    const { privateKey, publicKey } = vectorKeys();
    expect(() => blindSign(privateKey, publicKey, Buffer.alloc(256, 0xff))).toThrow(
      BlindSignFailed,
    );
    expect(() => blindSign(privateKey, publicKey, Buffer.alloc(255, 1))).toThrow(BlindSignFailed);
  });

  it("agrees with the Privacy Pass library: its client's request, our signature, its token, both verifiers", async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicExponent: 0x10001,
    });
    const tokenKey = await pssTokenKey(publicKey);
    const challenge = new TokenChallenge(
      TOKEN_TYPES.BLIND_RSA.value,
      'billing.test',
      new Uint8Array(0),
    );
    expect(Buffer.from(challenge.serialize()).equals(challengeBytes('billing.test'))).toBe(true);

    const client = new publicVerif.Client(publicVerif.BlindRSAMode.PSS);
    const request = await client.createTokenRequest(challenge, tokenKey);
    const parsed = parseTokenRequest(Buffer.from(request.serialize()))!;
    const blindSig = blindSign(privateKey, publicKey, parsed.blindedMsg);

    // The library's own issuer, on the same key and request, gives the same bytes.
    const webPrivate = await webcrypto.subtle.importKey(
      'pkcs8',
      privateKey.export({ format: 'der', type: 'pkcs8' }),
      { name: 'RSA-PSS', hash: 'SHA-384' },
      true,
      ['sign'],
    );
    const webPublic = await webcrypto.subtle.importKey(
      'spki',
      publicKey.export({ format: 'der', type: 'spki' }),
      { name: 'RSA-PSS', hash: 'SHA-384' },
      true,
      ['verify'],
    );
    const issuer = new publicVerif.Issuer(
      publicVerif.BlindRSAMode.PSS,
      'billing.test',
      webPrivate,
      webPublic,
    );
    expect(Buffer.from((await issuer.issue(request)).blindSig).equals(blindSig)).toBe(true);
    expect(parsed.truncatedKeyId).toBe((await issuer.tokenKeyID()).at(-1));

    const token = await client.finalize(new publicVerif.TokenResponse(new Uint8Array(blindSig)));
    const bytes = Buffer.from(token.serialize());
    const read = parseToken(bytes)!;
    expect(read.challengeDigest.equals(challengeDigest('billing.test'))).toBe(true);
    expect(verifySignature(publicKey, read.input, read.authenticator)).toBe(true);
    const origin = new publicVerif.Origin(publicVerif.BlindRSAMode.PSS);
    expect(await origin.verify(token, webPublic)).toBe(true);
  }, 30_000);
});
