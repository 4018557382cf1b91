import { createHash } from 'node:crypto';

/** Token type 0x0002 of RFC 9578: blind RSA, RSABSSA-SHA384-PSS-Deterministic, 2048 bits. */
export const TOKEN_TYPE = 0x0002;
const NK = 256;
const NONCE = 32;
const DIGEST = 32;
const KEY_ID = 32;
/** token_type || nonce || challenge_digest || token_key_id: what the authenticator signs. */
const INPUT = 2 + NONCE + DIGEST + KEY_ID;
export const TOKEN_BYTES = INPUT + NK;
/** TokenRequest (RFC 9578, 6.1): token_type, truncated_token_key_id, blinded_msg. */
export const TOKEN_REQUEST_BYTES = 2 + 1 + NK;

export interface ParsedToken {
  nonce: Buffer;
  challengeDigest: Buffer;
  keyId: Buffer;
  /** The bytes the authenticator is a signature over. */
  input: Buffer;
  authenticator: Buffer;
}

export function parseToken(bytes: Buffer): ParsedToken | undefined {
  if (bytes.length !== TOKEN_BYTES || bytes.readUInt16BE(0) !== TOKEN_TYPE) return undefined;
  return {
    nonce: bytes.subarray(2, 2 + NONCE),
    challengeDigest: bytes.subarray(2 + NONCE, 2 + NONCE + DIGEST),
    keyId: bytes.subarray(2 + NONCE + DIGEST, INPUT),
    input: bytes.subarray(0, INPUT),
    authenticator: bytes.subarray(INPUT),
  };
}

export interface ParsedTokenRequest {
  truncatedKeyId: number;
  blindedMsg: Buffer;
}

export function parseTokenRequest(bytes: Buffer): ParsedTokenRequest | undefined {
  if (bytes.length !== TOKEN_REQUEST_BYTES || bytes.readUInt16BE(0) !== TOKEN_TYPE)
    return undefined;
  return { truncatedKeyId: bytes[2], blindedMsg: bytes.subarray(3) };
}

/**
 * The TokenChallenge every token of this service answers (RFC 9577, 2.1): its
 * type, the issuer name, an empty redemption context (tokens are fetched ahead
 * of use, so nothing may tie them to a session) and empty origin info.
 */
export function challengeBytes(issuerName: string): Buffer {
  const name = Buffer.from(issuerName, 'utf8');
  const out = Buffer.alloc(2 + 2 + name.length + 1 + 2);
  out.writeUInt16BE(TOKEN_TYPE, 0);
  out.writeUInt16BE(name.length, 2);
  name.copy(out, 4);
  out.writeUInt8(0, 4 + name.length);
  out.writeUInt16BE(0, 5 + name.length);
  return out;
}

export function challengeDigest(issuerName: string): Buffer {
  return createHash('sha256').update(challengeBytes(issuerName)).digest();
}
