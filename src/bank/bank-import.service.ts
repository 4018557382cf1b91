import { Readable, Transform } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { KeyedHash } from '../config/keyed-hash';
import { AppConfig } from '../config/app-config';
import { Transactions, Tx } from '../database/transactions';
import { PaymentIntake } from '../payments/payment-intake';
import { Settlement } from '../payments/settlement/settlement.service';
import { CreditBatch } from '../payments/settlement/settling';
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
 * Imports bank statements through the one payment intake. One import (a file,
 * an upload, a ZIP of statements) is one database transaction: it lands whole
 * or not at all, so a crash or a damaged file leaves nothing half-done, and a
 * re-run of the same bookings finds each one already taken (a duplicate).
 * All credits of one import are booked on one day (invariant 6) and written
 * together at its end, in random order (invariant 7).
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
    return this.transactions.run((tx) => this.importInto(tx, this.expand(files), onProgress), {
      alone: true,
    });
  }

  /** Imports within the caller's transaction (the HTTP route, which also records its idempotency key). */
  async importInto(
    tx: Tx,
    sources: AsyncIterable<StatementSource>,
    onProgress?: (p: ImportProgress) => void,
  ): Promise<ImportReport> {
    const report = emptyReport();
    // One import is one settlement: its credits are written together at the end.
    const credits = new CreditBatch(this.clock.today());
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
          } else {
            const outcome = await this.intake.take(tx, entry.payment, {
              kind: 'batch',
              batch: credits,
            });
            report.credits[outcome.status]++;
          }
          if (++transactions % 1000 === 0) progress();
        }
      } catch (error) {
        if (error instanceof CamtError)
          throw new StatementRejected(error.message, [{ path: error.file, message: error.code }]);
        throw error;
      }
      report.files++;
      report.statements += read.summary.statements;
      report.entries += read.summary.entries;
      addWarnings(report, source.name, read.summary.warnings);
      progress();
    }
    await this.settlement.closeBatch(tx, credits);
    return report;
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
