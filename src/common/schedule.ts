/** Whether the service runs its own jobs on a schedule (off in tests that drive them by hand). */
export const SCHEDULE_ENABLED = Symbol('SCHEDULE_ENABLED');
