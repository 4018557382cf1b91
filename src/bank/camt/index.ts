export type {
  CamtMessageType,
  CamtSummary,
  CamtTransaction,
  CreditorReference,
} from './camt-transaction';
export { CamtError, type CamtErrorCode } from './camt.errors';
export { readCamt, readCamtFile, type CamtRead, type CamtReadOptions } from './camt.reader';
