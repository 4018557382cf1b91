import { displayCode } from '../codes/code-format';
import { findCodes } from '../codes/code-finder';
import { CamtTransaction, readCamtFile } from '../bank/camt';
import { formatMinor } from '../common/money';

/** One NDJSON line of `camt inspect --json`; other tools read these names (API.md). */
export function inspectRecord(t: CamtTransaction) {
  const texts = [
    t.remittance.unstructuredParts.join(''),
    ...t.remittance.creditorReferences.map((r) => r.ref),
    t.endToEndId ?? '',
  ];
  const found = findCodes(texts, { correctTypos: false }).exact;
  return {
    messageType: t.messageType,
    version: t.version,
    statementId: t.statementId,
    accountIban: t.accountIban,
    entryIndex: t.entryIndex,
    detailIndex: t.detailIndex,
    creditDebit: t.creditDebit,
    reversal: t.reversal,
    status: t.status,
    bookingDate: t.bookingDate,
    valueDate: t.valueDate,
    amountMinor: t.amountMinor,
    currency: t.currency,
    accountServicerRef: t.accountServicerRef,
    endToEndId: t.endToEndId,
    debtorName: t.debtorName ?? t.ultimateDebtorName,
    debtorIban: t.debtorIban,
    remittance: {
      unstructured: t.remittance.unstructured,
      creditorReference: t.remittance.creditorReferences[0]?.ref ?? null,
    },
    code: found.length > 0 ? displayCode(found[0].canonical) : null,
  };
}

const COLUMNS = [
  ['entry', 7],
  ['c/d', 4],
  ['status', 6],
  ['booked', 10],
  ['amount', 14],
  ['debtor', 22],
  ['remittance', 36],
  ['code', 14],
] as const;

function cell(text: string, width: number, right = false): string {
  const cut = text.length > width ? text.slice(0, width - 1) + '…' : text;
  return right ? cut.padStart(width) : cut.padEnd(width);
}

/** Reads a CAMT file and prints its transactions; touches no database. */
export async function camtInspect(
  file: string,
  json: boolean,
  out: (line: string) => void,
): Promise<void> {
  const read = readCamtFile(file);
  let header = false;
  for await (const t of read) {
    const record = inspectRecord(t);
    if (json) {
      out(JSON.stringify(record));
      continue;
    }
    if (!header) {
      out(`${t.messageType} ${t.version}  account ${t.accountIban ?? '-'}`);
      out(COLUMNS.map(([name, width]) => cell(name, width, name === 'amount')).join(' '));
      header = true;
    }
    const values = [
      `${t.entryIndex}.${t.detailIndex}`,
      t.creditDebit === 'CRDT' ? (t.reversal ? 'C/R' : 'C') : t.reversal ? 'D/R' : 'D',
      t.status,
      t.bookingDate ?? '-',
      `${formatMinor(t.amountMinor, t.currency)} ${t.currency}`,
      record.debtorName ?? '-',
      t.remittance.unstructured ?? record.remittance.creditorReference ?? '-',
      record.code ?? '-',
    ];
    out(values.map((v, i) => cell(v, COLUMNS[i][1], i === 4)).join(' '));
  }
  if (!json) {
    const s = read.summary;
    out(`${s.statements} statement(s), ${s.entries} entries, ${s.transactions} transactions`);
  }
}
