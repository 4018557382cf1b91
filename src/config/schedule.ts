import { Inject, Injectable, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

/** Whether the service runs its own jobs on a schedule (off in tests that drive them by hand). */
export const SCHEDULE_ENABLED = Symbol('SCHEDULE_ENABLED');

/**
 * The one way work runs on a schedule: @nestjs/schedule. Daily work is an
 * `@Cron`; work repeated at a configured interval is registered here, in the
 * same registry, which clears it when the service shuts down. With
 * SCHEDULE_ENABLED false (tests, the CLI) nothing is registered.
 */
@Injectable()
export class Scheduler {
  constructor(
    @Inject(SCHEDULE_ENABLED) readonly enabled: boolean,
    @Optional() @Inject(SchedulerRegistry) private readonly registry?: SchedulerRegistry,
  ) {}

  /** Runs `work` every `seconds`; a failure is the work's own to log. */
  every(name: string, seconds: number, work: () => Promise<unknown>): void {
    if (!this.enabled || !this.registry) return;
    const timer = setInterval(() => void work(), seconds * 1000);
    timer.unref();
    this.registry.addInterval(name, timer);
  }

  stop(name: string): void {
    if (this.registry?.doesExist('interval', name)) this.registry.deleteInterval(name);
  }
}
