import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** PostgreSQL advisory lock ids: one per job that runs on one instance at a time. */
export const JOB_LOCKS = {
  bankInbox: 7_220_101,
  fees: 7_220_102,
  events: 7_220_103,
  retention: 7_220_104,
  settlement: 7_220_105,
  tokenKeys: 7_220_901,
} as const;

/**
 * Runs a scheduled job on one instance at a time. On PostgreSQL the instances
 * agree through a session advisory lock, held on a connection of its own for the
 * whole run; on SQLite (one instance by design) a flag keeps two runs in one
 * process apart. A run that finds the lock taken does nothing and says so.
 */
@Injectable()
export class JobLock {
  private readonly running = new Set<number>();
  private readonly runs = new Set<Promise<unknown>>();

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Resolves when the jobs of this process running now have ended (a shutdown waits for them). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.runs]);
  }

  async run<T>(
    lock: number,
    job: () => Promise<T>,
  ): Promise<{ ran: true; result: T } | { ran: false }> {
    if (this.running.has(lock)) return { ran: false };
    this.running.add(lock);
    const run = this.runLocked(lock, job);
    this.runs.add(run);
    try {
      return await run;
    } finally {
      this.runs.delete(run);
      this.running.delete(lock);
    }
  }

  private async runLocked<T>(
    lock: number,
    job: () => Promise<T>,
  ): Promise<{ ran: true; result: T } | { ran: false }> {
    if (this.dataSource.options.type !== 'postgres') return { ran: true, result: await job() };
    const runner = this.dataSource.createQueryRunner();
    try {
      const [row] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [lock])) as {
        locked: boolean;
      }[];
      if (!row.locked) return { ran: false };
      try {
        return { ran: true, result: await job() };
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [lock]);
      }
    } finally {
      await runner.release();
    }
  }
}
