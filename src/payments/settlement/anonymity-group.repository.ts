import { randomUUID } from 'node:crypto';
import { Day } from '../../common/day';
import { Tx } from '../../database/tx';
import { insertRows } from '../../database/rows';

export interface AnonymityGroup {
  bookedOn: Day;
  channel: string;
  amountMinor: number;
  credits: number;
}

/**
 * The anonymity sets of credits, as written: per settlement batch, the number
 * of credits that share a day, a channel and an amount. Rows written together
 * show that they belong together (one transaction), so a credit hides only
 * among the credits of its batch with its amount, not among the day's.
 */
export const AnonymityGroupRepository = {
  /** Counts the lines by day, channel and amount and records each count. */
  async record(
    tx: Tx,
    lines: readonly { bookedOn: Day; channel: string; amountMinor: number }[],
  ): Promise<AnonymityGroup[]> {
    const groups = new Map<string, AnonymityGroup>();
    for (const line of lines) {
      const key = `${line.bookedOn}|${line.channel}|${line.amountMinor}`;
      const group = groups.get(key);
      if (group) group.credits++;
      else groups.set(key, { ...line, credits: 1 });
    }
    await insertRows(
      tx,
      'anonymity_group',
      ['id', 'booked_on', 'channel', 'amount_minor', 'credits'],
      [...groups.values()],
      (g) => [randomUUID(), g.bookedOn, g.channel, g.amountMinor, g.credits],
    );
    return [...groups.values()];
  },

  /** Every group's size per day, for the reconciliation. */
  async sizes(tx: Tx, from: Day, to: Day): Promise<Map<Day, number[]>> {
    const rows = await tx.query<{ day: Day; credits: number | string }>(
      'SELECT booked_on AS day, credits FROM anonymity_group WHERE booked_on >= $1 AND booked_on <= $2',
      [from, to],
    );
    const sizes = new Map<Day, number[]>();
    for (const r of rows) {
      const day = sizes.get(r.day) ?? [];
      day.push(Number(r.credits));
      sizes.set(r.day, day);
    }
    return sizes;
  },

  async purgeBefore(tx: Tx, day: Day): Promise<number> {
    return tx.execute('DELETE FROM anonymity_group WHERE booked_on < $1', [day]);
  },
};
