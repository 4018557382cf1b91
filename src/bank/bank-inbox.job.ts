import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DomainError } from '../common/domain-error';
import { LOGGER } from '../common/logger';
import { SCHEDULE_ENABLED } from '../common/schedule';
import { AppConfig } from '../config/app-config';
import { JOB_LOCKS, JobLock } from '../database/job-lock';
import { BankImportService } from './bank-import.service';
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
 * growing is imported on its own and moved to archive/, or to failed/ with a
 * .error.txt beside it saying why. A statement is never deleted. A database
 * outage leaves the file where it is for the next run. Logs carry counts, not
 * file names (which can hold account numbers).
 */
@Injectable()
export class BankInboxJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(BankImportService) private readonly bank: BankImportService,
    @Inject(JobLock) private readonly lock: JobLock,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SCHEDULE_ENABLED) private readonly scheduled: boolean,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.bankInboxDir || !this.scheduled) return;
    this.timer = setInterval(() => void this.tick(), this.config.bankInboxIntervalSeconds * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
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
    if (imported + failed > 0)
      this.logger.info(
        { job: 'bank-inbox', imported, failed, waiting, report },
        'bank inbox imported',
      );
    return outcome.result;
  }

  private async importInbox(inbox: string, now: number): Promise<InboxRun> {
    const run: InboxRun = { imported: 0, failed: 0, waiting: 0, report: emptyReport() };
    const files = readdirSync(inbox)
      .filter((name) => !name.startsWith('.'))
      .sort()
      .map((name) => ({ name, path: join(inbox, name), stat: statSync(join(inbox, name)) }))
      .filter((f) => f.stat.isFile());
    for (const file of files) {
      if (now - file.stat.mtimeMs < QUIET_MS) {
        run.waiting++;
        continue;
      }
      try {
        const report = await this.bank.importFiles([{ path: file.path, size: file.stat.size }]);
        run.report = addReports(run.report, report);
        moveAside(inbox, 'archive', file.name);
        run.imported++;
      } catch (error) {
        if (!isPermanent(error)) {
          this.logger.warn(
            { job: 'bank-inbox', err: { type: (error as Error).name } },
            'import failed; will retry',
          );
          continue;
        }
        const target = moveAside(inbox, 'failed', file.name);
        writeFileSync(`${target}.error.txt`, `${(error as Error).message}\n`);
        run.failed++;
      }
    }
    return run;
  }
}

/** Files the import refused (unreadable, too large) fail for good; outages do not. */
function isPermanent(error: unknown): boolean {
  return error instanceof DomainError && error.status >= 400 && error.status < 500;
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
