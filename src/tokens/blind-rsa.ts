import { constants, KeyObject, privateDecrypt, publicEncrypt, verify } from 'node:crypto';

/** RSABSSA-SHA384-PSS-Deterministic (RFC 9474): SHA-384, MGF1-SHA-384, 48-byte salt. */
export const SALT_LENGTH = 48;

export class BlindSignFailed extends Error {}

/**
 * RFC 9474's BlindSign, section 4.3: s = m^d mod n, then the check that
 * s^e mod n gives m back (a fault in the private operation must not leak the
 * key). Both halves are node:crypto's raw RSA operations (OpenSSL, CRT with
 * its own blinding), a thousand times the speed of a JavaScript bignum.
 */
export function blindSign(privateKey: KeyObject, publicKey: KeyObject, blindedMsg: Buffer): Buffer {
  const size = modulusBytes(publicKey);
  if (blindedMsg.length !== size) throw new BlindSignFailed(`a blinded message is ${size} bytes`);
  let signature: Buffer;
  try {
    // A message not below n is refused here (RSASP1's "message representative out of range").
    signature = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, blindedMsg);
  } catch {
    throw new BlindSignFailed('the blinded message is out of range');
  }
  const check = publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature);
  if (!check.equals(blindedMsg)) throw new BlindSignFailed('signing failed its check');
  return signature;
}

/** An RSASSA-PSS signature as RFC 9474's Finalize produces it (what a token carries). */
export function verifySignature(publicKey: KeyObject, message: Buffer, signature: Buffer): boolean {
  if (signature.length !== modulusBytes(publicKey)) return false;
  return verify(
    'sha384',
    message,
    { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: SALT_LENGTH },
    signature,
  );
}

export function modulusBytes(key: KeyObject): number {
  return Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
}
