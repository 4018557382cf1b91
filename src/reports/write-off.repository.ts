import { Day } from '../common/day';
import { placeholders } from '../database/sql';
import { Tx } from '../database/tx';
import { JOURNAL_COLUMNS } from '../payments/payment.repository';
import { ROWS_PER_STATEMENT } from '../database/rows';

/** The journal as the books read it: written rows and those waiting for the next settlement. */
const JOURNAL = `(SELECT ${JOURNAL_COLUMNS.join(', ')} FROM payment
  UNION ALL SELECT ${JOURNAL_COLUMNS.join(', ')} FROM pending_payment) journal`;

export type WriteOffKind = 'refund' | 'reversal' | 'dispute';

/** Money claimed back from a payment after it was credited, which no mailbox is charged for. */
export interface WriteOff {
  kind: WriteOffKind;
  day: Day;
  channel: string;
  amountMinor: number;
}

/** The channels whose refunds, reversals and disputes PayPal reports (webhooks). */
const CLAIMED_BACK_CHANNELS = ['paypal', 'card'];

/**
 * Write-offs, derived from what the journal keeps: a refund, reversal or
 * dispute row (its reference starts with its kind) names the capture it
 * concerns in its text ("… of capture ID"); it is a write-off when that
 * capture was credited. The capture and the claim are both journal rows:
 * nothing here reaches a mailbox.
 */
export const WriteOffRepository = {
  async between(tx: Tx, from: Day, to: Day): Promise<WriteOff[]> {
    const claims = await tx.query<{
      channel: string;
      kind: WriteOffKind;
      booked_on: Day;
      amount_minor: number | string;
      remittance: string | null;
    }>(
      `SELECT channel, kind, booked_on, amount_minor, remittance FROM ${JOURNAL}
        WHERE channel IN (${placeholders(CLAIMED_BACK_CHANNELS.length, 3)})
          AND kind IN ('refund', 'reversal', 'dispute')
          AND booked_on >= $1 AND booked_on <= $2`,
      [from, to, ...CLAIMED_BACK_CHANNELS],
    );
    const concerns = claims.map((c) => ({
      claim: c,
      capture: /\bof capture ([A-Za-z0-9-]+)/.exec(c.remittance ?? '')?.[1],
    }));
    const credited = new Set<string>();
    const captures = [...new Set(concerns.flatMap((c) => (c.capture ? [c.capture] : [])))];
    for (let start = 0; start < captures.length; start += ROWS_PER_STATEMENT) {
      const chunk = captures.slice(start, start + ROWS_PER_STATEMENT);
      const rows = await tx.query<{ channel: string; external_ref: string }>(
        `SELECT channel, external_ref FROM ${JOURNAL}
          WHERE status = 'credited' AND external_ref IN (${placeholders(chunk.length, 1)})`,
        chunk,
      );
      for (const r of rows) credited.add(`${r.channel}|${r.external_ref}`);
    }
    return concerns
      .filter((c) => c.capture && credited.has(`${c.claim.channel}|${c.capture}`))
      .map(({ claim }) => ({
        kind: claim.kind,
        day: claim.booked_on,
        channel: claim.channel,
        amountMinor: Number(claim.amount_minor),
      }));
  },
};
