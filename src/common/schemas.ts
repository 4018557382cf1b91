import { z } from 'zod';
import { isDay } from './day';

export const mailboxIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._@+-]{1,128}$/, 'a mailbox id is 1 to 128 of A-Z a-z 0-9 . _ @ + -');

export const mailboxParamsSchema = z.strictObject({ mailboxId: mailboxIdSchema });

export const daySchema = z.string().refine(isDay, 'must be a calendar day, YYYY-MM-DD');

export const currencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code');

export const amountMinorSchema = z
  .number()
  .int('must be an integer count of minor units')
  .positive()
  .max(Number.MAX_SAFE_INTEGER);

export const moneySchema = z
  .strictObject({ amountMinor: z.number().int(), currency: z.string() })
  .meta({ id: 'Money' });

export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

/** Opaque cursors for keyset pagination: base64url of "day|id". */
export const Cursor = {
  encode(day: string, id: string): string {
    return Buffer.from(`${day}|${id}`).toString('base64url');
  },
  decode(cursor: string | undefined): { bookedOn: string; id: string } | undefined {
    if (!cursor) return undefined;
    const [bookedOn, id] = Buffer.from(cursor, 'base64url').toString().split('|');
    return bookedOn && id && isDay(bookedOn) ? { bookedOn, id } : undefined;
  },
};

/**
 * One page of a keyset listing: the caller fetched `limit + 1` rows, so the
 * extra row says whether a next page exists; the cursor points after the last
 * row shown.
 */
export function pageOf<T extends { id: string; bookedOn: string }>(rows: T[], limit: number) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    page,
    nextCursor: rows.length > limit && last ? Cursor.encode(last.bookedOn, last.id) : null,
  };
}
