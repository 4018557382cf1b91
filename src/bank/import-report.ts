import { z } from 'zod';
import type { CamtWarning } from './camt';

const warningSchema = z
  .object({
    code: z.string().meta({ example: 'camt.missing-status-read-as-booked' }),
    file: z.string(),
    line: z.number().int(),
    entries: z.number().int(),
    detail: z.string(),
  })
  .meta({ id: 'ImportWarning' });

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
    /**
     * How many transactions the credits were written in: a long import is
     * written in parts, each whole; a crash keeps the parts before it.
     */
    parts: z.number().int(),
    /** Present when the reader took a liberty with a file: one per file and kind. */
    warnings: z.array(warningSchema).optional(),
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
    parts: 0,
  };
}

const WARNING_TEXT: Record<CamtWarning['code'], string> = {
  'camt.missing-status-read-as-booked':
    'entries without Sts read as booked (a camt.053 reports booked entries)',
};

/** Adds what the reader of one file warned of, naming the file and the first entry's line. */
export function addWarnings(report: ImportReport, file: string, warnings: CamtWarning[]): void {
  for (const { code, line, entries } of warnings) {
    (report.warnings ??= []).push({
      code,
      file,
      line,
      entries,
      detail: `${file}:${line}: ${entries} ${WARNING_TEXT[code]}`,
    });
  }
}

/** Two reports as one: the CLI and the inbox import files one by one. */
export function addReports(a: ImportReport, b: ImportReport): ImportReport {
  const sum: ImportReport = {
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
    parts: a.parts + b.parts,
  };
  if (a.warnings || b.warnings) sum.warnings = [...(a.warnings ?? []), ...(b.warnings ?? [])];
  return sum;
}
