import { z } from 'zod';

export const importReportSchema = z
  .object({
    files: z.number().int(),
    statements: z.number().int(),
    entries: z.number().int(),
    credits: z.object({
      credited: z.number().int(),
      unmatched: z.number().int(),
      duplicate: z.number().int(),
    }),
    ignored: z.object({ debits: z.number().int(), notBooked: z.number().int() }),
  })
  .meta({ id: 'ImportReport' });
export type ImportReport = z.infer<typeof importReportSchema>;

export function emptyReport(): ImportReport {
  return {
    files: 0,
    statements: 0,
    entries: 0,
    credits: { credited: 0, unmatched: 0, duplicate: 0 },
    ignored: { debits: 0, notBooked: 0 },
  };
}

/** Two reports as one: the CLI and the inbox import files one by one. */
export function addReports(a: ImportReport, b: ImportReport): ImportReport {
  return {
    files: a.files + b.files,
    statements: a.statements + b.statements,
    entries: a.entries + b.entries,
    credits: {
      credited: a.credits.credited + b.credits.credited,
      unmatched: a.credits.unmatched + b.credits.unmatched,
      duplicate: a.credits.duplicate + b.credits.duplicate,
    },
    ignored: {
      debits: a.ignored.debits + b.ignored.debits,
      notBooked: a.ignored.notBooked + b.ignored.notBooked,
    },
  };
}
