export type {
  CamtMessageType,
  CamtSummary,
  CamtTransaction,
  CamtWarning,
  CreditorReference,
} from './camt-transaction';
export { CamtError, type CamtErrorCode, type CamtWarningCode } from './camt.errors';
export { readCamt, readCamtFile, type CamtRead, type CamtReadOptions } from './camt.reader';
