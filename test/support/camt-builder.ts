/**
 * Small CAMT documents for import tests, written the way banks write them.
 * (The reader's own tests keep hand-written fixture files; these are for flows.)
 */
export interface AnEntry {
  amount?: string;
  currency?: string;
  creditDebit?: 'CRDT' | 'DBIT';
  /** null leaves Sts out. */
  status?: 'BOOK' | 'PDNG' | 'INFO' | null;
  reversal?: boolean;
  /** Also the value day; null leaves out both BookgDt and ValDt. */
  bookingDate?: string | null;
  /** The entry's AcctSvcrRef; null leaves it out. */
  ref?: string | null;
  /** The detail's own TxDtls/Refs/AcctSvcrRef; none unless given. */
  detailRef?: string | null;
  ustrd?: string[];
  debtorName?: string;
  debtorIban?: string;
  endToEndId?: string;
}

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

let refs = 0;
export const aBankRef = () => `ACSR-${Date.now().toString(36)}-${++refs}`;

export function anEntry(overrides: AnEntry = {}): Required<
  Omit<AnEntry, 'ref' | 'detailRef' | 'bookingDate'>
> & {
  ref: string | null;
  detailRef: string | null;
  bookingDate: string | null;
} {
  return {
    amount: '12.00',
    currency: 'EUR',
    creditDebit: 'CRDT',
    status: 'BOOK',
    reversal: false,
    bookingDate: '2026-11-24',
    ref: aBankRef(),
    detailRef: null,
    ustrd: ['Aufladung'],
    debtorName: 'Erika Mustermann',
    debtorIban: 'DE89370400440532013000',
    endToEndId: 'NOTPROVIDED',
    ...overrides,
  };
}

/** camt.053 (or .052/.054) with the given entries; version 001.08 status as Sts/Cd. */
export function aCamtDocument(
  entries: AnEntry[],
  options: { type?: '052' | '053' | '054'; account?: string } = {},
): string {
  const type = options.type ?? '053';
  const root = {
    '052': 'BkToCstmrAcctRpt',
    '053': 'BkToCstmrStmt',
    '054': 'BkToCstmrDbtCdtNtfctn',
  }[type];
  const block = { '052': 'Rpt', '053': 'Stmt', '054': 'Ntfctn' }[type];
  const body = entries
    .map((overrides) => {
      const e = anEntry(overrides);
      return `
      <Ntry>
        ${e.ref ? `<AcctSvcrRef>${e.ref}</AcctSvcrRef>` : ''}
        <Amt Ccy="${e.currency}">${e.amount}</Amt>
        <CdtDbtInd>${e.creditDebit}</CdtDbtInd>
        ${e.reversal ? '<RvslInd>true</RvslInd>' : ''}
        ${e.status === null ? '' : `<Sts><Cd>${e.status}</Cd></Sts>`}
        ${e.bookingDate === null ? '' : `<BookgDt><Dt>${e.bookingDate}</Dt></BookgDt>`}
        ${e.bookingDate === null ? '' : `<ValDt><Dt>${e.bookingDate}</Dt></ValDt>`}
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs>${e.detailRef ? `<AcctSvcrRef>${e.detailRef}</AcctSvcrRef>` : ''}<EndToEndId>${escape(e.endToEndId)}</EndToEndId></Refs>
          <RltdPties>
            <Dbtr><Pty><Nm>${escape(e.debtorName)}</Nm></Pty></Dbtr>
            <DbtrAcct><Id><IBAN>${e.debtorIban}</IBAN></Id></DbtrAcct>
          </RltdPties>
          <RmtInf>${e.ustrd.map((u) => `<Ustrd>${escape(u)}</Ustrd>`).join('')}</RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.${type}.001.08">
  <${root}>
    <GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-11-24T18:00:00+01:00</CreDtTm></GrpHdr>
    <${block}>
      <Id>STMT-1</Id>
      <Acct><Id><IBAN>${options.account ?? 'DE02120300000000202051'}</IBAN></Id></Acct>${body}
    </${block}>
  </${root}>
</Document>
`;
}
