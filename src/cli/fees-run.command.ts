import { isDay } from '../common/day';
import { FeeRun, FeesService } from '../fees/fees.service';

/** `fees run [--on <day>]`: the daily run, for a chosen day (catch-up, tests). */
export async function feesRun(
  fees: FeesService,
  day: string,
): Promise<{ ok: true; run: FeeRun } | { ok: false; message: string }> {
  if (!isDay(day)) return { ok: false, message: `--on needs a day, YYYY-MM-DD (got ${day})` };
  const run = await fees.run(day);
  if (!run) return { ok: false, message: 'another fee run holds the lock; nothing was done' };
  return { ok: true, run };
}
