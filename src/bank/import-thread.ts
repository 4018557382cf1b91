import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../common/clock';
import { Day } from '../common/day';
import { DomainError, FieldError, ServiceUnavailable } from '../common/domain-error';
import { LOGGER } from '../common/logger';
import { AppConfig, sourceOf } from '../config/app-config';
import { Env } from '../config/config.schema';
import { Transactions } from '../database/transactions';
import { Metrics } from '../metrics/metrics';
import { BankImportService } from './bank-import.service';
import { StatementRejected, StatementTooLarge } from './bank.errors';
import { ImportReport } from './import-report';

export interface ImportThreadData {
  env: Env;
  turn: SharedArrayBuffer;
}

type Files = { path: string; size: number }[];

export type ToImportThread =
  | { kind: 'open'; session: number; data: ImportThreadData }
  | { kind: 'import'; session: number; id: number; files: Files; today: Day }
  | { kind: 'close'; session: number };

interface DescribedError {
  name: string;
  message: string;
  domain?: { slug: string; status: number; title: string; errors?: FieldError[] };
}

export type FromImportThread =
  | { kind: 'opened'; session: number }
  | { kind: 'open-failed'; session: number; error: DescribedError }
  | { kind: 'closed'; session: number }
  | { kind: 'log'; session: number; line: string }
  | { kind: 'taken'; session: number; taken: { key: string; count: number; amountMinor: number }[] }
  | { kind: 'done'; id: number; report: ImportReport }
  | { kind: 'failed'; id: number; error: DescribedError };

/**
 * One import thread per process, started on the first import and kept: each
 * service in the process (tests start many) opens a session of its own there.
 * Kept rather than started per service: the TypeScript loader of the tests
 * (swc's native addon) crashes the process when a second thread loads it.
 */
let shared: Worker | undefined;
const services = new Map<number, ImportThread>();
const jobs = new Map<
  number,
  { resolve: (r: ImportReport) => void; reject: (e: unknown) => void }
>();
let nextId = 1;

function thread(): Worker {
  if (shared) return shared;
  // From TypeScript sources (tests, benches) the thread compiles them as it loads them.
  const fromSources = __filename.endsWith('.ts');
  const worker = new Worker(join(__dirname, `import-thread.worker.${fromSources ? 'ts' : 'js'}`), {
    execArgv: fromSources ? ['--require', require.resolve('@swc-node/register')] : [],
    stdout: false,
    stderr: false,
  });
  worker.unref();
  worker.on('message', (message: FromImportThread) => {
    if (message.kind === 'done' || message.kind === 'failed') {
      const job = jobs.get(message.id);
      jobs.delete(message.id);
      if (message.kind === 'done') job?.resolve(message.report);
      else job?.reject(rebuilt(message.error));
    } else services.get(message.session)?.receive(message);
  });
  const lost = (why: string) => {
    shared = undefined;
    for (const job of jobs.values())
      job.reject(
        new ServiceUnavailable(
          `the import stopped (${why}); the parts it wrote stay: import the file again to credit the rest once`,
        ),
      );
    jobs.clear();
    for (const service of services.values()) service.lostThread();
  };
  worker.on('error', (error) => lost(error.message));
  worker.on('exit', (code) => lost(`the import thread exited with code ${code}`));
  shared = worker;
  return worker;
}

/** How long a closing service waits for its session to close its database. */
const CLOSE_MS = 10_000;

let nextSession = 1;

/**
 * Bank statements imported on a thread of their own, on SQLite. The import's
 * parts are SQLite writes that hold the one write lock and, at their commit,
 * the thread that makes them: on the service's thread every request, reads
 * included, waited behind each part's commit. The import thread shares the
 * write lock with the service's group commit (database/writer-turn.ts) and
 * ends a part as soon as the service waits for it, as before. On PostgreSQL
 * (no shared writer), for an in-memory database and with BANK_IMPORT_THREAD=false,
 * it runs here.
 */
@Injectable()
export class ImportThread implements OnApplicationShutdown {
  private readonly session = nextSession++;
  private opened?: Promise<void>;
  private settle?: { resolve: () => void; reject: (e: unknown) => void };
  private closed?: () => void;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(BankImportService) private readonly bank: BankImportService,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  /** Imports files from disk (an upload's spooled copy, the inbox), as BankImportService.importFiles. */
  async importFiles(files: Files): Promise<ImportReport> {
    const env = sourceOf(this.config);
    const database = this.config.database;
    if (this.transactions.dialect !== 'sqlite' || database.type !== 'sqlite')
      return this.bank.importFiles(files);
    if (database.path === ':memory:' || env === undefined || !this.config.bankImportThread)
      return this.bank.importFiles(files);
    const worker = thread();
    await (this.opened ??= this.open(worker, env));
    return new Promise<ImportReport>((resolve, reject) => {
      const id = nextId++;
      jobs.set(id, { resolve, reject });
      const job: ToImportThread = {
        kind: 'import',
        session: this.session,
        id,
        files,
        today: this.clock.today(),
      };
      worker.postMessage(job);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    if (!opened || !shared) {
      services.delete(this.session);
      return;
    }
    await opened.catch(() => undefined);
    const worker = shared;
    const closed = new Promise<void>((resolve) => {
      this.closed = resolve;
      setTimeout(resolve, CLOSE_MS).unref();
    });
    worker.postMessage({ kind: 'close', session: this.session } satisfies ToImportThread);
    await closed;
    services.delete(this.session);
  }

  private open(worker: Worker, env: Env): Promise<void> {
    services.set(this.session, this);
    const data: ImportThreadData = { env, turn: this.transactions.turn.memory };
    const opened = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    worker.postMessage({ kind: 'open', session: this.session, data } satisfies ToImportThread);
    // A failed opening is tried again at the next import.
    opened.catch(() => (this.opened = undefined));
    return opened;
  }

  /** A message of this service's session. */
  receive(message: FromImportThread): void {
    switch (message.kind) {
      case 'opened':
        this.settle?.resolve();
        return;
      case 'open-failed':
        this.settle?.reject(rebuilt(message.error));
        return;
      case 'closed':
        this.closed?.();
        return;
      case 'log':
        this.relog(message.line);
        return;
      case 'taken':
        for (const { key, count, amountMinor } of message.taken) {
          const [channel, outcome] = key.split('|');
          this.metrics.paymentsTaken(channel, outcome, count, amountMinor);
        }
    }
  }

  /** The thread is gone: the next import starts another and opens the session again. */
  lostThread(): void {
    this.opened = undefined;
    // A thread that died holding the write turn would hold every write of the service.
    this.transactions.turn.reclaim();
    this.settle?.reject(new ServiceUnavailable('the import thread stopped'));
    this.closed?.();
  }

  /** A line of the thread's logger, written by the service's. */
  private relog(line: string): void {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const { level, msg, time: _time, ...fields } = entry;
    const write = this.logger[level as 'info'];
    if (typeof write === 'function') write.call(this.logger, fields, String(msg ?? ''));
  }
}

const KNOWN: Record<string, new (message: string, errors?: FieldError[]) => DomainError> = {
  StatementRejected,
  StatementTooLarge,
  ServiceUnavailable,
};

/** The thread's error as the service's own: the same class where it is one the import throws. */
function rebuilt(error: DescribedError): Error {
  const Known = KNOWN[error.name];
  if (Known) return new Known(error.message, error.domain?.errors);
  if (error.domain) return new ThreadDomainError(error.message, error.domain);
  return Object.assign(new Error(error.message), { name: error.name });
}

class ThreadDomainError extends DomainError {
  readonly slug: string;
  readonly status: number;
  readonly title: string;
  constructor(message: string, domain: NonNullable<DescribedError['domain']>) {
    super(message, domain.errors);
    this.slug = domain.slug;
    this.status = domain.status;
    this.title = domain.title;
  }
}
