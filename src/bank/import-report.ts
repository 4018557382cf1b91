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
