import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { DomainError, ServiceUnavailable } from '../common/domain-error';
import { LOGGER } from '../common/logger';
import { Scheduler } from '../config/schedule';
import { AppConfig } from '../config/app-config';
import { JOB_LOCKS, JobLock } from '../database/job-lock';
import { Metrics } from '../metrics/metrics';
import { ImportThread } from './import-thread';
import { addReports, emptyReport, ImportReport } from './import-report';

/** A file still being written must not be imported: only files quiet this long are. */
export const QUIET_MS = 10_000;

export interface InboxRun {
  imported: number;
  failed: number;
  waiting: number;
  report: ImportReport;
}

/**
 * The scheduled import of BANK_INBOX_DIR. Every statement that has stopped
 * growing is imported on its own and moved to archive/, or, whatever the
 * failure, to failed/ with a .error.txt beside it saying why: a file is tried
 * once, never again on every run. When the database itself gave out, the run
 * stops there and the files after it wait for the next. A statement is never
 * deleted. Logs carry counts and error types, not file names (which can hold
 * account numbers) nor what the files say.
 */
@Injectable()
export class BankInboxJob implements OnApplicationBootstrap {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(ImportThread) private readonly imports: ImportThread,
    @Inject(JobLock) private readonly lock: JobLock,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(Scheduler) private readonly scheduler: Scheduler,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.bankInboxDir) return;
    this.scheduler.every('bank-inbox', this.config.bankInboxIntervalSeconds, () =>
      this.tick().catch((error: unknown) =>
        this.logger.error({ job: 'bank-inbox', err: errorType(error) }, 'bank inbox run failed'),
      ),
    );
  }

  /** One run; undefined when another instance (or run) holds the lock. */
  async tick(now = Date.now()): Promise<InboxRun | undefined> {
    const inbox = this.config.bankInboxDir;
    if (!inbox) return undefined;
    const outcome = await this.lock.run(JOB_LOCKS.bankInbox, () => this.importInbox(inbox, now));
    if (!outcome.ran) {
      this.logger.info({ job: 'bank-inbox' }, 'another run holds the lock; skipped');
      return undefined;
    }
    const { imported, failed, waiting, report } = outcome.result;
    // Warnings name files: the log has their number only.
    const { warnings, ...counts } = report;
    const fields = {
      job: 'bank-inbox',
      imported,
      failed,
      waiting,
      report: counts,
      warnings: warnings?.length ?? 0,
    };
    if (failed > 0) this.logger.warn(fields, 'bank inbox: statements failed');
    else if (imported > 0) this.logger.info(fields, 'bank inbox imported');
    return outcome.result;
  }

  private async importInbox(inbox: string, now: number): Promise<InboxRun> {
    const run: InboxRun = { imported: 0, failed: 0, waiting: 0, report: emptyReport() };
    for (const name of readdirSync(inbox).sort()) {
      if (name.startsWith('.')) continue;
      const path = join(inbox, name);
      let size: number;
      try {
        const stat = statSync(path);
        if (!stat.isFile()) continue;
        if (now - stat.mtimeMs < QUIET_MS) {
          run.waiting++;
          continue;
        }
        size = stat.size;
      } catch (error) {
        // A link to nothing, a file gone since the listing: it cannot be imported.
        if (this.fail(inbox, name, error)) run.failed++;
        continue;
      }
      let report: ImportReport;
      const imported = this.metrics.importStarted('inbox');
      try {
        report = await this.imports.importFiles([{ path, size }]);
        imported(report.entries);
      } catch (error) {
        if (this.fail(inbox, name, error)) run.failed++;
        if (error instanceof ServiceUnavailable) break;
        continue;
      }
      run.report = addReports(run.report, report);
      run.imported++;
      try {
        moveAside(inbox, 'archive', name);
      } catch (error) {
        this.logger.error(
          { job: 'bank-inbox', err: errorType(error) },
          'bank statement imported but not moved to archive/; the next run finds it a duplicate',
        );
      }
    }
    return run;
  }

  /** Moves a file that failed to failed/ with its reason; false when even that failed. */
  private fail(inbox: string, name: string, error: unknown): boolean {
    const err = errorType(error);
    try {
      const target = moveAside(inbox, 'failed', name);
      writeFileSync(`${target}.error.txt`, `${reason(error)}\n`, { mode: 0o600 });
    } catch (moveError) {
      this.logger.error(
        { job: 'bank-inbox', err, moveErr: errorType(moveError) },
        'bank statement failed and could not be moved to failed/',
      );
      return false;
    }
    this.logger.warn({ job: 'bank-inbox', err }, 'bank statement failed; moved to failed/');
    return true;
  }
}

/**
 * Why a file failed, for the .error.txt beside it: a refusal's own message (it
 * names file and line, as the HTTP answer does); of anything else only its
 * type, as a 500 says nothing more.
 */
function reason(error: unknown): string {
  if (error instanceof DomainError) {
    const problems = (error.errors ?? []).map((e) => `${e.path}: ${e.message}`);
    return [error.message, ...problems].join('\n');
  }
  const { type, code } = errorType(error);
  return (
    `the import stopped on an unexpected error (${code ? `${type} ${code}` : type}); ` +
    'the parts of this file written before it stay imported. Move it back into the inbox ' +
    'to import the rest: what was imported is found a duplicate and credited once.'
  );
}

/** What a log line may say of an error: its type and stable code, never its message. */
function errorType(error: unknown): { type: string; code?: string } {
  const type = error instanceof Error ? error.name : typeof error;
  if (error instanceof DomainError) return { type, code: error.errors?.[0]?.message ?? error.slug };
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? { type, code } : { type };
}

/** Moves a file into a sub-folder without ever overwriting one that is there. */
function moveAside(inbox: string, folder: 'archive' | 'failed', name: string): string {
  const dir = join(inbox, folder);
  mkdirSync(dir, { recursive: true });
  const ext = extname(name);
  let target = join(dir, name);
  for (let n = 1; existsSync(target); n++) target = join(dir, `${basename(name, ext)}.${n}${ext}`);
  renameSync(join(inbox, name), target);
  return target;
}
