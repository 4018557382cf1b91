import { Readable, Transform } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ServiceUnavailable } from '../common/domain-error';
import { KeyedHash } from '../config/keyed-hash';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { Tx } from '../database/tx';
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

/**
 * Fewest entries in a part (unless the whole import has fewer): a part's
 * credits are the anonymity set of its payments (invariant 7).
 */
const MIN_PART = 200;
/** Longest stretch the import keeps the event loop to itself. */
const YIELD_MS = 5;

type PartOutcome = IntakeOutcome['status'];

export interface ImportOptions {
  onProgress?: (p: ImportProgress) => void;
  /**
   * false: a part shares a group commit with other units (inside a savepoint)
   * instead of a transaction of its own: for the tests of the savepoint journal.
   */
  alone?: boolean;
}

/**
 * Imports bank statements through the one payment intake, in parts, each one
 * transaction of its own: its journal rows and bookings, then its credits
 * together in random order. A part ends when another write waits for SQLite's
 * writer (once it holds MIN_PART entries), so a long import does not stall the
 * service, or at BANK_IMPORT_PART_ENTRIES, which bounds the memory of its
 * credits and the length of its checkpoint. A crash or a refused file keeps
 * the parts written before it, each whole; the same file again finds those a
 * duplicate and credits the rest, so every booking is credited exactly once.
 * All credits of one import are booked on one day (invariant 6).
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
    const report = emptyReport();
    const settleOn = this.clock.today();
    const entries = new Lookahead(this.payments(sources, report, options.onProgress));
    while (await entries.has(1)) {
      const outcomes = await this.transactions.run((tx) => this.writePart(tx, entries, settleOn), {
        alone: options.alone ?? true,
      });
      entries.commit();
      for (const status of outcomes) report.credits[status]++;
      report.parts++;
    }
    return report;
  }

  /** The payments of every file in turn; counts what it reads (and ignores) in the report. */
  private async *payments(
    sources: AsyncIterable<StatementSource>,
    report: ImportReport,
    onProgress?: (p: ImportProgress) => void,
  ): AsyncGenerator<ReceivedPayment> {
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
          } else yield entry.payment;
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
  }

  /** One part: payments through the intake until the part may end, then its credits together. */
  private async writePart(
    tx: Tx,
    entries: Lookahead<ReceivedPayment>,
    settleOn: Day,
  ): Promise<PartOutcome[]> {
    const credits = new CreditBatch(settleOn);
    const outcomes: PartOutcome[] = [];
    entries.begin();
    let ran = performance.now();
    while (await entries.has(1)) {
      if (performance.now() - ran > YIELD_MS) {
        // Requests that arrived meanwhile are read now: reads answer from
        // their own connection, and a write that queues ends this part.
        await new Promise((resolve) => setImmediate(resolve));
        ran = performance.now();
      }
      const payment = entries.take();
      outcomes.push(
        (await this.intake.take(tx, payment, { kind: 'batch', batch: credits })).status,
      );
      if (outcomes.length < MIN_PART) continue;
      const full = outcomes.length >= this.config.bankImportPartEntries;
      const someoneWaits = this.transactions.queueDepth > 0;
      // Ends only with enough entries left for a part of its own.
      if ((full || someoneWaits) && (await entries.has(MIN_PART))) break;
    }
    await this.settlement.closeBatch(tx, credits);
    return outcomes;
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
 * The payments ahead of the import, read ahead on demand. What a part took is
 * not kept (its texts hold on to the file's chunks: kept, parts of 10,000 took
 * a 100,000-entry import's peak from 185 to 420 MB), so a part cannot be run
 * again: one that lost a race (another import recorded one of its bookings
 * first, a deadlock) ends the import with a 503 instead; the same file again
 * finds what was written a duplicate and credits the rest.
 */
class Lookahead<T> {
  private readonly ahead: T[] = [];
  private takenSinceCommit = 0;
  private ended = false;

  constructor(private readonly source: AsyncIterator<T>) {}

  /** True when at least n items are ahead (reading as many as needed). */
  async has(n: number): Promise<boolean> {
    while (this.ahead.length < n && !this.ended) {
      const next = await this.source.next();
      if (next.done) this.ended = true;
      else this.ahead.push(next.value);
    }
    return this.ahead.length >= n;
  }

  /** The next item; call after has(1). */
  take(): T {
    this.takenSinceCommit++;
    return this.ahead.shift()!;
  }

  /** Starts a part; refuses to run one again over items it no longer has. */
  begin(): void {
    if (this.takenSinceCommit > 0)
      throw new ServiceUnavailable(
        'another transaction recorded a booking of this import first; the parts before ' +
          'stay imported: import the file again to credit the rest once',
      );
  }

  commit(): void {
    this.takenSinceCommit = 0;
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
