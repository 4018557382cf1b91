import { isDay } from '../../common/day';
import { AmountFormatError, parseDecimalToMinor } from '../../common/money';
import type {
  CREDITOR_REFERENCE_FIELDS,
  DETAIL_FIELDS,
  ENTRY_FIELDS,
  STATEMENT_FIELDS,
} from './camt-fields.map';
import type { CamtMessageKind } from './camt-namespace.parser';
import type { CamtTransaction, CamtWarning, CreditorReference } from './camt-transaction';
import { CamtError, type CamtErrorCode } from './camt.errors';
import { checkRfReference } from './creditor-reference.check';
import type { FieldValues, RecordValues } from './record-path.trie';

/** One record element as read: its values, where it starts, and its inner records. */
export interface RecordFrame {
  readonly values: RecordValues;
  readonly line: number;
  readonly children: RecordFrame[];
}

type StatementValues = FieldValues<typeof STATEMENT_FIELDS>;
type EntryValues = FieldValues<typeof ENTRY_FIELDS>;
type DetailValues = FieldValues<typeof DETAIL_FIELDS>;
type CreditorReferenceValues = FieldValues<typeof CREDITOR_REFERENCE_FIELDS>;

/** Turns the records of one entry into its transactions, one per detail. */
export class CamtTransactionBuilder {
  /** Dates repeat through a statement: check each distinct one once. */
  private lastDay = '';
  /** Entries of a camt.053 without Sts, read as booked. */
  private readonly unstated: CamtWarning = {
    code: 'camt.missing-status-read-as-booked',
    line: 0,
    entries: 0,
  };

  constructor(
    private readonly fileName: string,
    private readonly kind: CamtMessageKind,
  ) {}

  build(
    statement: RecordFrame,
    statementIndex: number,
    entryFrame: RecordFrame,
    entryIndex: number,
    out: CamtTransaction[],
  ): void {
    const entry = entryFrame.values as EntryValues;
    const details = entryFrame.children;
    const context: EntryContext = {
      statement: statement.values as StatementValues,
      statementIndex,
      entry,
      entryIndex,
      status: entry.status ?? this.missingStatus(entryFrame.line),
      bookingDate: this.day(entry.bookingDate, entryFrame.line),
      valueDate: this.day(entry.valueDate, entryFrame.line),
      line: entryFrame.line,
    };
    if (details.length === 0) {
      out.push(this.transaction(context, null, 0, this.entryAmount(entryFrame)));
      return;
    }
    for (let i = 0; i < details.length; i++) {
      const amount = this.detailAmount(details[i], details.length === 1 ? entryFrame : null);
      out.push(this.transaction(context, details[i], i, amount));
    }
  }

  private transaction(
    context: EntryContext,
    detailFrame: RecordFrame | null,
    detailIndex: number,
    amount: Amount,
  ): CamtTransaction {
    const { entry, statement } = context;
    const detail = detailFrame === null ? null : (detailFrame.values as DetailValues);
    const parts = detail === null ? [] : detail.unstructured;
    return {
      messageType: this.kind.messageType,
      version: this.kind.version,
      statementIndex: context.statementIndex,
      statementId: statement.id,
      accountIban: statement.accountId,
      entryIndex: context.entryIndex,
      detailIndex,
      creditDebit: this.creditDebit(detail?.creditDebit ?? entry.creditDebit, context.line),
      reversal: entry.reversal === 'true' || entry.reversal === '1',
      status: context.status,
      bookingDate: context.bookingDate,
      valueDate: context.valueDate,
      amountMinor: amount.amountMinor,
      currency: amount.currency,
      accountServicerRef: detail?.accountServicerRef ?? entry.accountServicerRef,
      entryServicerRef: entry.accountServicerRef,
      detailServicerRef: detail?.accountServicerRef ?? null,
      entryRef: entry.entryRef,
      endToEndId: detail?.endToEndId ?? null,
      debtorName: detail?.debtorName ?? null,
      debtorIban: detail?.debtorAccount ?? null,
      ultimateDebtorName: detail?.ultimateDebtorName ?? null,
      remittance: {
        unstructuredParts: parts,
        unstructured: parts.length === 0 ? null : parts.join(' '),
        creditorReferences: detailFrame === null ? [] : creditorReferences(detailFrame),
      },
      bankTransactionCode: bankTransactionCode(detail, entry),
      additionalInfo: detail?.additionalInfo ?? entry.additionalInfo,
      line: context.line,
    };
  }

  /** What the reader read without the file saying it. */
  get warnings(): CamtWarning[] {
    return this.unstated.entries === 0 ? [] : [{ ...this.unstated }];
  }

  /**
   * A statement (camt.053) reports booked entries only, and some banks leave
   * Sts out of it; in an intraday report or a notification a missing status
   * could as well be pending, so there it refuses the file.
   */
  private missingStatus(line: number): string {
    if (this.kind.messageType !== 'camt.053') {
      return this.fail('camt.missing-status', line, 'entry without Sts');
    }
    if (this.unstated.entries++ === 0) this.unstated.line = line;
    return 'BOOK';
  }

  /** TxDtls/Amt, else AmtDtls/TxAmt, else the entry's when it has this one detail. */
  private detailAmount(frame: RecordFrame, soleDetailOf: RecordFrame | null): Amount {
    const detail = frame.values as DetailValues;
    if (detail.amount !== null) return this.amount(detail.amount, detail.currency, frame.line);
    if (detail.transactionAmount !== null) {
      return this.amount(detail.transactionAmount, detail.transactionCurrency, frame.line);
    }
    if (soleDetailOf !== null) return this.entryAmount(soleDetailOf);
    return this.fail('camt.missing-amount', frame.line, 'transaction detail without an amount');
  }

  private entryAmount(frame: RecordFrame): Amount {
    const entry = frame.values as EntryValues;
    if (entry.amount === null)
      return this.fail('camt.missing-amount', frame.line, 'entry without Amt');
    return this.amount(entry.amount, entry.currency, frame.line);
  }

  private amount(text: string, currency: string | null, line: number): Amount {
    if (currency === null)
      return this.fail('camt.invalid-amount', line, `amount ${text} without Ccy`);
    try {
      return { amountMinor: parseDecimalToMinor(text, currency), currency };
    } catch (error) {
      if (!(error instanceof AmountFormatError)) throw error;
      return this.fail('camt.invalid-amount', line, `invalid amount: ${error.message}`);
    }
  }

  private creditDebit(indicator: string | null, line: number): 'CRDT' | 'DBIT' {
    if (indicator === 'CRDT' || indicator === 'DBIT') return indicator;
    return this.fail('camt.invalid-credit-debit', line, `CdtDbtInd is ${indicator ?? 'missing'}`);
  }

  /** The calendar day as written: DtTm's date part is the local day of its offset. */
  private day(value: string | null, line: number): string | null {
    if (value === null) return null;
    const day = value.slice(0, 10);
    if (day !== this.lastDay) {
      if (!isDay(day)) return this.fail('camt.invalid-date', line, `not a date: ${value}`);
      this.lastDay = day;
    }
    return day;
  }

  private fail(code: CamtErrorCode, line: number, detail: string): never {
    throw new CamtError(code, this.fileName, line, detail);
  }
}

/** What all transactions of one entry share, worked out once. */
interface EntryContext {
  statement: StatementValues;
  statementIndex: number;
  entry: EntryValues;
  entryIndex: number;
  status: string;
  bookingDate: string | null;
  valueDate: string | null;
  line: number;
}

interface Amount {
  amountMinor: number;
  currency: string;
}

function creditorReferences(detail: RecordFrame): CreditorReference[] {
  const references: CreditorReference[] = [];
  for (const frame of detail.children) {
    const { ref, code, proprietary } = frame.values as CreditorReferenceValues;
    if (ref !== null)
      references.push({ ref, type: code ?? proprietary, rfValid: checkRfReference(ref) });
  }
  return references;
}

type CodeValues = Pick<EntryValues, 'domain' | 'family' | 'subFamily' | 'proprietaryCode'>;

/** The ISO domain code wherever it stands, before any bank-proprietary code. */
function bankTransactionCode(detail: CodeValues | null, entry: CodeValues): string | null {
  return (
    (detail && domainCode(detail)) ??
    domainCode(entry) ??
    detail?.proprietaryCode ??
    entry.proprietaryCode
  );
}

function domainCode(values: CodeValues): string | null {
  const { domain, family, subFamily } = values;
  if (domain === null || family === null || subFamily === null) return null;
  return `${domain}/${family}/${subFamily}`;
}
