/**
 * Writes a large, realistic camt.053.001.08 statement for benchmarks: one statement,
 * `entries` booked credit transfers, each with one transaction detail carrying a
 * debtor IBAN and name, an unstructured remittance text and a unique AcctSvcrRef.
 * Written in batches so that memory stays flat at any size.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export interface GenerateCamtOptions {
  entries: number;
  /** The text (e.g. a top-up code) to put into entry i's remittance; null for none. */
  codeFor?: (i: number) => string | null;
  out: string;
}

export interface GeneratedCamt {
  bytes: number;
}

const NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';
const CREDITOR_IBAN = 'DE02120300000000202051';
const BATCH = 500;

const FIRST_NAMES = ['Anna', 'Jürgen', 'Marie', 'Ömer', 'Lukas', 'Zoë', 'Paul', 'Fatma'];
const LAST_NAMES = ['Müller', 'Schmidt', 'Weiß', 'Großmann', 'Nowak', 'Yılmaz', 'Becker'];

export function generateCamt053(opts: GenerateCamtOptions): GeneratedCamt {
  const codeFor = opts.codeFor ?? (() => null);
  const fd = openSync(opts.out, 'w');
  let bytes = 0;
  const write = (text: string): void => {
    bytes += writeSync(fd, text, null, 'utf8');
  };
  try {
    write(header(opts.entries));
    for (let start = 0; start < opts.entries; start += BATCH) {
      const parts: string[] = [];
      const end = Math.min(opts.entries, start + BATCH);
      for (let i = start; i < end; i++) parts.push(entry(i, codeFor(i)));
      write(parts.join(''));
    }
    write('    </Stmt>\n  </BkToCstmrStmt>\n</Document>\n');
  } finally {
    closeSync(fd);
  }
  return { bytes };
}

function header(entries: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="${NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrStmt>
    <GrpHdr>
      <MsgId>BENCH-${entries}</MsgId>
      <CreDtTm>2024-05-02T18:00:00+02:00</CreDtTm>
    </GrpHdr>
    <Stmt>
      <Id>STMT-2024-05-02</Id>
      <ElctrncSeqNb>1</ElctrncSeqNb>
      <CreDtTm>2024-05-02T18:00:00+02:00</CreDtTm>
      <Acct>
        <Id>
          <IBAN>${CREDITOR_IBAN}</IBAN>
        </Id>
        <Ccy>EUR</Ccy>
      </Acct>
      <Bal>
        <Tp>
          <CdOrPrtry>
            <Cd>OPBD</Cd>
          </CdOrPrtry>
        </Tp>
        <Amt Ccy="EUR">0.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Dt>
          <Dt>2024-05-01</Dt>
        </Dt>
      </Bal>
`;
}

function entry(i: number, code: string | null): string {
  const amount = `${1 + (i % 97)}.00`;
  const ref = `2024050200${String(i).padStart(9, '0')}`;
  const name = `${FIRST_NAMES[i % FIRST_NAMES.length]} ${LAST_NAMES[i % LAST_NAMES.length]}`;
  const text = code === null ? `Rechnung ${100000 + i} vom 02.05.2024` : `Guthaben ${code}`;
  return `      <Ntry>
        <NtryRef>${i + 1}</NtryRef>
        <Amt Ccy="EUR">${amount}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>
          <Cd>BOOK</Cd>
        </Sts>
        <BookgDt>
          <Dt>2024-05-02</Dt>
        </BookgDt>
        <ValDt>
          <Dt>2024-05-02</Dt>
        </ValDt>
        <AcctSvcrRef>${ref}</AcctSvcrRef>
        <BkTxCd>
          <Domn>
            <Cd>PMNT</Cd>
            <Fmly>
              <Cd>RCDT</Cd>
              <SubFmlyCd>ESCT</SubFmlyCd>
            </Fmly>
          </Domn>
          <Prtry>
            <Cd>NTRF+166+00931</Cd>
            <Issr>DK</Issr>
          </Prtry>
        </BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs>
              <AcctSvcrRef>${ref}</AcctSvcrRef>
              <EndToEndId>NOTPROVIDED</EndToEndId>
            </Refs>
            <Amt Ccy="EUR">${amount}</Amt>
            <CdtDbtInd>CRDT</CdtDbtInd>
            <RltdPties>
              <Dbtr>
                <Pty>
                  <Nm>${escapeXml(name)}</Nm>
                  <PstlAdr>
                    <Ctry>DE</Ctry>
                    <AdrLine>Hauptstraße ${1 + (i % 200)}</AdrLine>
                    <AdrLine>10115 Berlin</AdrLine>
                  </PstlAdr>
                </Pty>
              </Dbtr>
              <DbtrAcct>
                <Id>
                  <IBAN>${debtorIban(i)}</IBAN>
                </Id>
              </DbtrAcct>
              <Cdtr>
                <Pty>
                  <Nm>Mail &amp; Privacy GmbH</Nm>
                </Pty>
              </Cdtr>
              <CdtrAcct>
                <Id>
                  <IBAN>${CREDITOR_IBAN}</IBAN>
                </Id>
              </CdtrAcct>
            </RltdPties>
            <RltdAgts>
              <DbtrAgt>
                <FinInstnId>
                  <BICFI>COBADEFFXXX</BICFI>
                </FinInstnId>
              </DbtrAgt>
            </RltdAgts>
            <RmtInf>
              <Ustrd>${escapeXml(text)}</Ustrd>
            </RmtInf>
            <AddtlTxInf>SEPA Credit Transfer</AddtlTxInf>
          </TxDtls>
        </NtryDtls>
        <AddtlNtryInf>SEPA-GUTSCHRIFT</AddtlNtryInf>
      </Ntry>
`;
}

/** A German IBAN with correct check digits, so that consumers may validate it. */
function debtorIban(i: number): string {
  const bban = `10070000${String(i).padStart(10, '0')}`;
  // ISO 13616: BBAN + "DE00" with letters as numbers (D=13, E=14), then 98 - mod 97.
  const check = 98 - mod97(`${bban}131400`);
  return `DE${String(check).padStart(2, '0')}${bban}`;
}

function mod97(digits: string): number {
  let rest = 0;
  for (let i = 0; i < digits.length; i++) rest = (rest * 10 + digits.charCodeAt(i) - 48) % 97;
  return rest;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
