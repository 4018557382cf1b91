import type { CamtWarningCode } from './camt.errors';

/** The three bank-to-customer messages: intraday report, statement, notification. */
export type CamtMessageType = 'camt.052' | 'camt.053' | 'camt.054';

export interface CreditorReference {
  ref: string;
  type: string | null;
  /** ISO 11649 check result for references starting with 'RF'; null for others. */
  rfValid: boolean | null;
}

/** One transaction detail of a CAMT entry (an entry without details is one transaction). */
export interface CamtTransaction {
  messageType: CamtMessageType;
  version: string;
  statementIndex: number;
  statementId: string | null;
  accountIban: string | null;
  entryIndex: number;
  detailIndex: number;
  creditDebit: 'CRDT' | 'DBIT';
  reversal: boolean;
  status: string;
  bookingDate: string | null;
  valueDate: string | null;
  amountMinor: number;
  currency: string;
  /** The bank's reference: the detail's (TxDtls/Refs/AcctSvcrRef), else the entry's. */
  accountServicerRef: string | null;
  /** Ntry/AcctSvcrRef and TxDtls/Refs/AcctSvcrRef, each as given: the two identities of a booking. */
  entryServicerRef: string | null;
  detailServicerRef: string | null;
  entryRef: string | null;
  endToEndId: string | null;
  debtorName: string | null;
  debtorIban: string | null;
  ultimateDebtorName: string | null;
  remittance: {
    unstructuredParts: string[];
    unstructured: string | null;
    creditorReferences: CreditorReference[];
  };
  bankTransactionCode: string | null;
  additionalInfo: string | null;
  /** Line of the file where the entry (Ntry) starts. */
  line: number;
}

/** One kind of liberty the reader took with a file: how many entries, the first one's line. */
export interface CamtWarning {
  code: CamtWarningCode;
  line: number;
  entries: number;
}

/** What a whole file held, known once it has been read to the end. */
export interface CamtSummary {
  messageType: CamtMessageType;
  version: string;
  statements: number;
  entries: number;
  transactions: number;
  warnings: CamtWarning[];
}
