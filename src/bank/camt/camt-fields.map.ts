import type { CamtMessageType } from './camt-transaction';
import type { RecordSpec } from './record-path.trie';

/**
 * Where every value the reader keeps stands in the XML, as paths of local names
 * relative to the element that starts its record (Stmt, Ntry, TxDtls, CdtrRefInf).
 * `Amt@Ccy` reads an attribute; a trailing `[]` keeps every occurrence; a list of
 * paths names the places where different versions put the same value (a document
 * holds one of them). Adding a field is one line here and its use in
 * camt-transaction.builder.ts.
 */
export const STATEMENT_FIELDS = {
  id: 'Id',
  accountId: ['Acct/Id/IBAN', 'Acct/Id/Othr/Id', 'Acct/Id/PrtryAcct/Id'],
} as const;

export const ENTRY_FIELDS = {
  amount: 'Amt',
  currency: 'Amt@Ccy',
  creditDebit: 'CdtDbtInd',
  reversal: 'RvslInd',
  // Plain text up to v04, a Cd child from v05 on.
  status: ['Sts', 'Sts/Cd'],
  bookingDate: ['BookgDt/Dt', 'BookgDt/DtTm'],
  valueDate: ['ValDt/Dt', 'ValDt/DtTm'],
  accountServicerRef: 'AcctSvcrRef',
  entryRef: 'NtryRef',
  domain: 'BkTxCd/Domn/Cd',
  family: 'BkTxCd/Domn/Fmly/Cd',
  subFamily: 'BkTxCd/Domn/Fmly/SubFmlyCd',
  proprietaryCode: 'BkTxCd/Prtry/Cd',
  additionalInfo: 'AddtlNtryInf',
} as const;

export const DETAIL_FIELDS = {
  amount: 'Amt',
  currency: 'Amt@Ccy',
  transactionAmount: 'AmtDtls/TxAmt/Amt',
  transactionCurrency: 'AmtDtls/TxAmt/Amt@Ccy',
  creditDebit: 'CdtDbtInd',
  accountServicerRef: 'Refs/AcctSvcrRef',
  endToEndId: 'Refs/EndToEndId',
  domain: 'BkTxCd/Domn/Cd',
  family: 'BkTxCd/Domn/Fmly/Cd',
  subFamily: 'BkTxCd/Domn/Fmly/SubFmlyCd',
  proprietaryCode: 'BkTxCd/Prtry/Cd',
  // Dbtr/Nm up to v07, Dbtr/Pty/Nm from v08 on.
  debtorName: ['RltdPties/Dbtr/Nm', 'RltdPties/Dbtr/Pty/Nm'],
  debtorAccount: [
    'RltdPties/DbtrAcct/Id/IBAN',
    'RltdPties/DbtrAcct/Id/Othr/Id',
    'RltdPties/DbtrAcct/Id/PrtryAcct/Id',
  ],
  ultimateDebtorName: ['RltdPties/UltmtDbtr/Nm', 'RltdPties/UltmtDbtr/Pty/Nm'],
  unstructured: 'RmtInf/Ustrd[]',
  additionalInfo: 'AddtlTxInf',
} as const;

export const CREDITOR_REFERENCE_FIELDS = {
  // CdtrRef and CdtrRefTp in v01, Ref and Tp/CdOrPrtry from v02 on.
  ref: ['Ref', 'CdtrRef'],
  code: ['Tp/CdOrPrtry/Cd', 'CdtrRefTp/Cd'],
  proprietary: ['Tp/CdOrPrtry/Prtry', 'CdtrRefTp/Prtry'],
} as const;

/** The statement element of each message, below Document (V01 named its root apart). */
const STATEMENT_PATHS: Record<CamtMessageType, readonly string[]> = {
  'camt.052': ['BkToCstmrAcctRpt/Rpt', 'BkToCstmrAcctRptV01/Rpt'],
  'camt.053': ['BkToCstmrStmt/Stmt', 'BkToCstmrStmtV01/Stmt'],
  'camt.054': ['BkToCstmrDbtCdtNtfctn/Ntfctn', 'BkToCstmrDbtCdtNtfctnV01/Ntfctn'],
};

/** Record levels, outermost first; a record's index is its level in the reader. */
export const STATEMENT_LEVEL = 0;
export const ENTRY_LEVEL = 1;
export const DETAIL_LEVEL = 2;
export const CREDITOR_REFERENCE_LEVEL = 3;

export function camtRecords(messageType: CamtMessageType): RecordSpec {
  return {
    at: STATEMENT_PATHS[messageType],
    fields: STATEMENT_FIELDS,
    child: {
      at: ['Ntry'],
      fields: ENTRY_FIELDS,
      child: {
        // TxDtls stood directly in Ntry in v01.
        at: ['NtryDtls/TxDtls', 'TxDtls'],
        fields: DETAIL_FIELDS,
        child: { at: ['RmtInf/Strd/CdtrRefInf'], fields: CREDITOR_REFERENCE_FIELDS },
      },
    },
  };
}
