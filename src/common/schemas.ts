import { iso31661 } from 'iso-3166/1.js';
import { z } from 'zod';
import { isDay } from './day';

const ASSIGNED_COUNTRIES = new Set(iso31661.map((country) => country.alpha2));

/** VAT evidence: an assigned ISO 3166-1 alpha-2 code (XX, QQ and other unassigned ones are not). */
export const countrySchema = z
  .string()
  .regex(/^[A-Z]{2}$/, { message: 'must be an ISO 3166-1 alpha-2 country code', abort: true })
  .refine((code) => ASSIGNED_COUNTRIES.has(code), 'is not an assigned ISO 3166-1 country code');

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
  cursor: z
    .string()
    .max(200)
    .refine((cursor) => Cursor.decode(cursor) !== undefined, 'is not a cursor from a previous page')
    .optional()
    .describe('nextCursor of the previous page'),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Opaque cursors for keyset pagination: base64url of "day|id". */
export const Cursor = {
  encode(day: string, id: string): string {
    return Buffer.from(`${day}|${id}`).toString('base64url');
  },
  /** The position a cursor of this service points at; undefined for anything else. */
  decode(cursor: string | undefined): { bookedOn: string; id: string } | undefined {
    if (!cursor) return undefined;
    const [bookedOn, id, ...rest] = Buffer.from(cursor, 'base64url').toString().split('|');
    if (rest.length > 0 || !bookedOn || !id || !isDay(bookedOn) || !UUID.test(id)) return undefined;
    // base64url decoding skips what it cannot read: only the exact encoding is ours.
    return Cursor.encode(bookedOn, id) === cursor ? { bookedOn, id } : undefined;
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
