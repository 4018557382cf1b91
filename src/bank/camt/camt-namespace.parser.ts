import type { CamtMessageType } from './camt-transaction';

export interface CamtMessageKind {
  messageType: CamtMessageType;
  version: string;
}

const ISO_20022_PREFIX = 'urn:iso:std:iso:20022:tech:xsd:';
const CAMT_NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:(camt\.05[234])\.(001\.(\d\d))$/;
const LAST_KNOWN_VERSION = 13;

/**
 * Reads message type and version from a Document namespace URI. Returns 'unknown' for
 * an ISO 20022 namespace this reader does not know (camt.056, pain.001, camt.053.001.14),
 * so that it is refused by name rather than read as an empty file; null for anything else.
 */
export function parseCamtNamespace(uri: string): CamtMessageKind | 'unknown' | null {
  if (!uri.startsWith(ISO_20022_PREFIX)) return null;
  const match = CAMT_NAMESPACE.exec(uri);
  if (match === null) return 'unknown';
  const release = Number(match[3]);
  if (release < 1 || release > LAST_KNOWN_VERSION) return 'unknown';
  return { messageType: match[1] as CamtMessageType, version: match[2] };
}
