import { Readable, Transform } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { KeyedHash } from '../config/keyed-hash';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { PaymentIntake } from '../payments/payment-intake';
import { Settlement } from '../payments/settlement/settlement.service';
import { CreditBatch } from '../payments/settlement/settling';
import { IntakeOutcome, ReceivedPayment } from '../payments/received-payment';
import { Day } from '../common/day';
import { Occurrences, toBankEntry } from './bank-payment.mapper';
import { StatementRejected } from './bank.errors';
import { CamtError, readCamt } from './camt';
import { addWarnings, emptyReport, ImportReport } from './import-report';
import { looksLikeZip, StatementSource, fileSource, zipSources } from './statement-sources';

export interface ImportProgress {
  file: string;
  /** Bytes of the file read so far, and its size where known. */
  bytes: number;
  size: number | null;
  transactions: number;
}

/** How long a part should hold the writer: a code issued meanwhile waits at most about this long. */
const PART_MS = 100;
/**
 * Fewest entries in a part (unless the whole import has fewer): a part's
 * credits are the anonymity set of its payments (invariant 7).
 */
const MIN_PART = 200;
const MAX_PART = 5000;
const FIRST_PART = 500;

type PartOutcome = IntakeOutcome['status'];

export interface ImportOptions {
  onProgress?: (p: ImportProgress) => void;
  /**
   * false: each part shares a group commit with other units (inside a
   * savepoint) instead of a transaction of its own; for the tests of the
   * savepoint journal.
   */
  alone?: boolean;
}

/**
 * Imports bank statements through the one payment intake, in parts: entries
 * are read and mapped outside any transaction, then written a part at a time,
 * each part one transaction of its own (its journal rows, bookings and, at its
 * end, its credits in random order). Between two parts every write that queued
 * meanwhile goes first, so a long import does not stall the service; a part
 * lasts about PART_MS. A crash or a refused file keeps the parts written
 * before it, each whole; the same file again finds those a duplicate and
 * credits the rest, so every booking is credited exactly once. All credits of
 * one import are booked on one day (invariant 6).
 */
@Injectable()
export class BankImportService {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(PaymentIntake) private readonly intake: PaymentIntake,
    @Inject(Settlement) private readonly settlement: Settlement,
    @Inject(KeyedHash) private readonly hash: KeyedHash,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** Imports files from disk (the CLI, the inbox); a ZIP is unpacked member by member. */
  importFiles(
    files: { path: string; size: number }[],
    onProgress?: (p: ImportProgress) => void,
  ): Promise<ImportReport> {
    return this.importSources(this.expand(files), { onProgress });
  }

  async importSources(
    sources: AsyncIterable<StatementSource>,
    options: ImportOptions = {},
  ): Promise<ImportReport> {
    const { onProgress } = options;
    const report = emptyReport();
    const settleOn = this.clock.today();
    const parts = new Parts(
      (payments) => this.writePart(payments, settleOn, options.alone),
      report,
    );
    const digest = (text: string) => this.hash.request('bank-booking', text);
    for await (const source of sources) {
      let transactions = 0;
      const occurrences: Occurrences = new Map();
      let bytes = 0;
      // Counted on the way through: a 'data' listener would set the stream flowing
      // before the reader iterates it, and chunks would pass the reader by.
      const input = onProgress ? counted(source.open(), (n) => (bytes += n)) : source.open();
      const read = readCamt(input, { fileName: source.name });
      const progress = () =>
        onProgress?.({ file: source.name, bytes, size: source.size, transactions });
      try {
        for await (const transaction of read) {
          const entry = toBankEntry(transaction, digest, source.name, occurrences);
          if (entry.kind === 'ignored') {
            if (entry.why === 'debit') report.ignored.debits++;
            else report.ignored.notBooked++;
          } else await parts.add(entry.payment);
          if (++transactions % 1000 === 0) progress();
        }
      } catch (error) {
        if (error instanceof CamtError)
          throw new StatementRejected(refusal(error.message, report), [
            { path: error.file, message: error.code },
          ]);
        throw error;
      }
      report.files++;
      report.statements += read.summary.statements;
      report.entries += read.summary.entries;
      addWarnings(report, source.name, read.summary.warnings);
      progress();
    }
    await parts.finish();
    return report;
  }

  /** One part in one transaction: its payments through the intake, then its credits together. */
  private writePart(
    payments: readonly ReceivedPayment[],
    settleOn: Day,
    alone = true,
  ): Promise<{ outcomes: PartOutcome[]; ms: number }> {
    return this.transactions.run(
      async (tx) => {
        const started = performance.now();
        const credits = new CreditBatch(settleOn);
        const outcomes: PartOutcome[] = [];
        for (const payment of payments) {
          const outcome = await this.intake.take(tx, payment, { kind: 'batch', batch: credits });
          outcomes.push(outcome.status);
        }
        await this.settlement.closeBatch(tx, credits);
        return { outcomes, ms: performance.now() - started };
      },
      { alone },
    );
  }

  /** Files as sources; a ZIP (told by its first bytes, not its name) becomes its members. */
  async *expand(files: { path: string; size: number }[]): AsyncGenerator<StatementSource> {
    for (const file of files) {
      if (await looksLikeZip(file.path))
        yield* zipSources(file.path, this.config.bankFileLimitBytes);
      else yield fileSource(file.path, file.size);
    }
  }
}

function counted(input: Readable, onBytes: (count: number) => void): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
  input.on('error', (error) => counter.destroy(error));
  return input.pipe(counter);
}

/**
 * Entries gathered into parts: a part is written when it is full, and the last
 * one with the rest, so no part but a whole small import has fewer than
 * MIN_PART entries. The size follows how long parts take to write.
 */
class Parts {
  private pending: ReceivedPayment[] = [];
  private size = FIRST_PART;

  constructor(
    private readonly write: (
      payments: readonly ReceivedPayment[],
    ) => Promise<{ outcomes: PartOutcome[]; ms: number }>,
    private readonly report: ImportReport,
  ) {}

  async add(payment: ReceivedPayment): Promise<void> {
    this.pending.push(payment);
    if (this.pending.length >= this.size + MIN_PART) await this.flush(this.size);
  }

  finish(): Promise<void> {
    return this.flush(this.pending.length);
  }

  private async flush(count: number): Promise<void> {
    if (count === 0) return;
    const part = this.pending.slice(0, count);
    this.pending = this.pending.slice(count);
    const { outcomes, ms } = await this.write(part);
    for (const status of outcomes) this.report.credits[status]++;
    this.report.parts++;
    const scaled = Math.round((part.length * PART_MS) / Math.max(ms, 1));
    this.size = Math.min(MAX_PART, Math.max(MIN_PART, scaled));
  }
}

/** A refusal's message, saying what of the import was written before it. */
function refusal(message: string, report: ImportReport): string {
  const written = report.credits.credited + report.credits.unmatched + report.credits.duplicate;
  if (written === 0) return message;
  return (
    `${message}; the ${written} entries before it were imported in ${report.parts} part(s) ` +
    'and stay: importing the corrected file credits each booking once'
  );
}
