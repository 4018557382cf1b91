import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { DomainError, FieldError } from '../common/domain-error';
import { KeyedHash } from '../config/keyed-hash';
import { AmountFormatError, isKnownCurrency, parseDecimalToMinor } from '../common/money';
import { mailboxIdSchema } from '../common/schemas';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { MailboxIdSeal } from '../ledger/mailbox-id.seal';
import { FeeAccountRepository } from '../fees/fee-account.repository';
import { LedgerRepository } from '../ledger/ledger.repository';
import { MailboxRepository } from '../ledger/mailbox.repository';

export class OpeningBalancesRejected extends DomainError {
  readonly slug = 'opening-balances-rejected';
  readonly status = 422;
  readonly title = 'The opening balances were not imported';
}

export interface OpeningBalancesReport {
  mailboxes: number;
  registered: number;
  credited: number;
  totalMinor: number;
  currency: string;
}

interface Line {
  line: number;
  mailboxId: string;
  amountMinor: number;
}

/**
 * Opening balances from another system, for a provider moving its mailboxes
 * here: a CSV of mailbox id, amount (a decimal, "12.50") and currency, with an
 * optional header. Every line is checked first and every problem is reported
 * by line number (never echoing the mailbox id); then all lines land in one
 * transaction, or none. A mailbox not yet registered is registered on the
 * import day. A mailbox that already has an opening balance is refused, so
 * the same file imported twice credits nothing twice.
 */
@Injectable()
export class OpeningBalancesService {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(KeyedHash) private readonly hash: KeyedHash,
    @Inject(MailboxIdSeal) private readonly seal: MailboxIdSeal,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async import(csv: string): Promise<OpeningBalancesReport> {
    const lines = this.parse(csv);
    const today = this.clock.today();
    return this.transactions.run(async (tx) => {
      const problems: FieldError[] = [];
      const report: OpeningBalancesReport = {
        mailboxes: lines.length,
        registered: 0,
        credited: 0,
        totalMinor: 0,
        currency: this.config.currency,
      };
      for (const { line, mailboxId, amountMinor } of lines) {
        const pseudonym = this.hash.mailbox(mailboxId);
        if (await LedgerRepository.hasOpening(tx, pseudonym)) {
          problems.push({
            path: `line ${line}`,
            message: 'the mailbox has an opening balance already',
          });
          continue;
        }
        if (await MailboxRepository.insert(tx, pseudonym)) report.registered++;
        await FeeAccountRepository.open(tx, pseudonym, today);
        if (this.config.webhook)
          await MailboxRepository.seal(tx, pseudonym, this.seal.seal(mailboxId, pseudonym));
        if (amountMinor > 0) {
          await LedgerRepository.append(tx, {
            mailbox: pseudonym,
            kind: 'credit',
            channel: 'opening',
            amountMinor,
            currency: this.config.currency,
            bookedOn: today,
          });
          report.credited++;
          report.totalMinor += amountMinor;
        }
      }
      if (problems.length > 0) throw rejected(problems);
      return report;
    });
  }

  private parse(csv: string): Line[] {
    const problems: FieldError[] = [];
    const lines: Line[] = [];
    const firstLine = new Map<string, number>();
    const rows = csv.replace(/^\uFEFF/, '').split(/\r?\n/);
    rows.forEach((text, i) => {
      const line = i + 1;
      if (text.trim() === '') return;
      const fields = splitCsvLine(text);
      const problem = (message: string) => problems.push({ path: `line ${line}`, message });
      if (!fields) return problem('a quoted field is not closed');
      const isHeader =
        /^mailbox([ _-]?id)?$/i.test(fields[0]?.trim() ?? '') &&
        /^amount/i.test(fields[1]?.trim() ?? '');
      if (isHeader && lines.length === 0 && problems.length === 0) return;
      if (fields.length !== 3)
        return problem(`expected 3 fields (mailbox id, amount, currency), found ${fields.length}`);
      const [mailboxId, amount, currency] = fields.map((f) => f.trim());
      if (!mailboxIdSchema.safeParse(mailboxId).success)
        return problem('the mailbox id is not 1 to 128 of A-Z a-z 0-9 . _ @ + -');
      if (!isKnownCurrency(currency)) return problem('the currency is not an ISO 4217 code');
      if (currency !== this.config.currency)
        return problem(`balances are kept in ${this.config.currency}, not ${currency}`);
      let amountMinor: number;
      try {
        amountMinor = parseDecimalToMinor(amount, currency);
      } catch (error) {
        if (!(error instanceof AmountFormatError)) throw error;
        return problem('the amount is not a non-negative decimal in the currency (e.g. 12.50)');
      }
      const earlier = firstLine.get(mailboxId);
      if (earlier !== undefined) return problem(`the same mailbox as line ${earlier}`);
      firstLine.set(mailboxId, line);
      lines.push({ line, mailboxId, amountMinor });
    });
    if (problems.length > 0) throw rejected(problems);
    if (lines.length === 0)
      throw rejected([{ path: 'line 1', message: 'no balances in the file' }]);
    return lines;
  }
}

function rejected(problems: FieldError[]): OpeningBalancesRejected {
  return new OpeningBalancesRejected(
    `${problems.length} line(s) cannot be imported; nothing was imported.`,
    problems,
  );
}

/** One CSV line (RFC 4180 quoting, comma or semicolon); undefined when a quote is left open. */
export function splitCsvLine(text: string): string[] | undefined {
  const separator = !text.includes(',') && text.includes(';') ? ';' : ',';
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === separator) {
      fields.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}
