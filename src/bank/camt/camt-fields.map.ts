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
  // Plain text up to v04, a Cd (or a bank's own Prtry) child from v05 on.
  status: ['Sts', 'Sts/Cd', 'Sts/Prtry'],
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

/**
 * Each field's length in the schema (Max35Text, Max140Text, Max500Text, an
 * IBAN's 34, a decimal's 18 digits with point and sign, ISODateTime).
 */
type Lengths<F> = { readonly [K in keyof F]: number };

const STATEMENT_LENGTHS = { id: 35, accountId: 34 } satisfies Lengths<typeof STATEMENT_FIELDS>;

const ENTRY_LENGTHS = {
  amount: 20,
  currency: 3,
  creditDebit: 4,
  reversal: 5,
  // A code has 4 characters, a proprietary status 35.
  status: 35,
  bookingDate: 35,
  valueDate: 35,
  accountServicerRef: 35,
  entryRef: 35,
  domain: 4,
  family: 4,
  subFamily: 4,
  proprietaryCode: 35,
  additionalInfo: 500,
} satisfies Lengths<typeof ENTRY_FIELDS>;

const DETAIL_LENGTHS = {
  amount: 20,
  currency: 3,
  transactionAmount: 20,
  transactionCurrency: 3,
  creditDebit: 4,
  accountServicerRef: 35,
  endToEndId: 35,
  domain: 4,
  family: 4,
  subFamily: 4,
  proprietaryCode: 35,
  debtorName: 140,
  debtorAccount: 34,
  ultimateDebtorName: 140,
  unstructured: 140,
  additionalInfo: 500,
} satisfies Lengths<typeof DETAIL_FIELDS>;

const CREDITOR_REFERENCE_LENGTHS = {
  ref: 35,
  code: 4,
  proprietary: 35,
} satisfies Lengths<typeof CREDITOR_REFERENCE_FIELDS>;

/**
 * Banks write past the schema now and then (a 188-character Ustrd of EREF+ and
 * SVWZ+ tags): a field may hold this many times its schema length, and a file
 * with a longer one is refused. Whatever a file holds, what the reader keeps of
 * one entry stays bounded by these limits.
 */
export const LENGTH_TOLERANCE = 4;
/** Ustrd lines of one detail: one in SEPA, two in the corpus, 14 in old DTAUS-style exports. */
export const MAX_USTRD = 20;
/** Creditor references (Strd blocks) of one detail: one in practice. */
export const MAX_CREDITOR_REFERENCES = 20;
/** Transaction details of one (batch) entry. */
export const MAX_DETAILS = 10_000;

const tolerated = <F>(lengths: Lengths<F>): Lengths<F> =>
  Object.fromEntries(
    Object.entries(lengths).map(([field, length]) => [
      field,
      (length as number) * LENGTH_TOLERANCE,
    ]),
  ) as Lengths<F>;

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
    lengths: tolerated(STATEMENT_LENGTHS),
    child: {
      at: ['Ntry'],
      fields: ENTRY_FIELDS,
      lengths: tolerated(ENTRY_LENGTHS),
      child: {
        // TxDtls stood directly in Ntry in v01.
        at: ['NtryDtls/TxDtls', 'TxDtls'],
        fields: DETAIL_FIELDS,
        lengths: tolerated(DETAIL_LENGTHS),
        listItems: MAX_USTRD,
        repeats: MAX_DETAILS,
        child: {
          at: ['RmtInf/Strd/CdtrRefInf'],
          fields: CREDITOR_REFERENCE_FIELDS,
          lengths: tolerated(CREDITOR_REFERENCE_LENGTHS),
          repeats: MAX_CREDITOR_REFERENCES,
        },
      },
    },
  };
}
