import { isDay } from '../../src/common/day';
import { startTestApp, TestApp } from '../support/test-app';
import { runFullFlow } from './support/full-flow';

/**
 * DESIGN.md, invariant 1: nothing in the schema joins a payment to a mailbox.
 * The live schema is read back from the database itself (not from the
 * migrations), so whatever a migration really created is what is judged.
 */

type Side = 'payment' | 'mailbox' | 'neutral';

/**
 * Every table of the schema and its side. A table that is not listed fails the
 * first test until someone decides here which side it is on, and why.
 */
const TABLES: Record<string, { side: Side; why: string }> = {
  payment: { side: 'payment', why: 'the payment journal, kept for bookkeeping' },
  bank_booking: {
    side: 'payment',
    why: "a bank payment's identity across camt.052/.054/.053: keyed digests of the booking and of the bank's references",
  },
  idempotent_request: {
    side: 'payment',
    why: 'the stored answers of POSTs that move money: they hold payment ids',
  },
  mailbox: { side: 'mailbox', why: 'mailboxes, as keyed pseudonyms' },
  rate_limit_window: {
    side: 'mailbox',
    why: 'rate-limit counts per window (PostgreSQL): keyed hashes, under their own subkey, of mailbox pseudonyms and credential digests; rows of past windows deleted',
  },
  ledger_entry: { side: 'mailbox', why: 'the credits and debits of each mailbox' },
  topup_code: { side: 'mailbox', why: 'pending links from a code hash to a mailbox' },
  paypal_order: {
    side: 'mailbox',
    why: 'pending links from a PayPal order to the hash of a code, deleted with the credit',
  },
  fee_account: {
    side: 'mailbox',
    why: "each mailbox's fee schedule: anchor day, periods charged, next due day, suspension day",
  },
  fee_charge: { side: 'mailbox', why: 'one row per mailbox and fee period charged (its key)' },
  event_outbox: {
    side: 'mailbox',
    why: 'events to the webmail backend until delivered: pseudonym, type and day only',
  },
  ledger_closed_total: {
    side: 'mailbox',
    why: "closed mailboxes' ledger sums per day, kind and channel; names no mailbox",
  },
  pending_credit: {
    side: 'mailbox',
    why: 'credits waiting for the next settlement: pseudonym, the code they hold, amount and day; the settlement erases the table',
  },
  pending_payment: {
    side: 'payment',
    why: 'journal rows of PayPal captures waiting for the next settlement; the settlement erases the table',
  },
  anonymity_group: {
    side: 'neutral',
    why: 'how many credits each settlement batch holds per day, channel and amount: counts, no row of either side',
  },
  migrations: { side: 'neutral', why: "TypeORM's record of the migrations that ran" },
  staff_account: {
    side: 'neutral',
    why: 'staff accounts: name, role, locale, argon2id hash, sealed TOTP secret; no payer, no mailbox',
  },
  staff_session: {
    side: 'neutral',
    why: 'console sessions: a digest of the cookie, the account, two times',
  },
  cash_batch_draft: {
    side: 'neutral',
    why: 'a batch waiting for its second person: who, the day, a count and the letters sealed under SECRET_KEY; deleted at confirmation',
  },
  audit_record: {
    side: 'neutral',
    why: 'staff side: who did what and when (a time of a staff action), payment ids but no mailbox and no code; test/console/staff-console.e2e-spec.ts checks it shares nothing with the mailbox side',
  },
  token_reserve: {
    side: 'payment',
    why: "token reserves: a code's keyed hash, a balance, a day of expiry; no mailbox (src/tokens)",
  },
  token_key: {
    side: 'neutral',
    why: 'the issuer keys, one per denomination and epoch, shared by every token they sign',
  },
  token_issued: {
    side: 'neutral',
    why: 'how many tokens were withdrawn per day and denomination: counts, no row of either side',
  },
  token_redeemed: {
    side: 'neutral',
    why: 'how many tokens were redeemed per day and denomination: counts, no row of either side',
  },
  token_write_off: {
    side: 'neutral',
    why: 'what expired reserves still held, per day: sums, no row of either side',
  },
  token_spent: {
    side: 'mailbox',
    why: 'nonces of redeemed tokens, until their key stops redeeming; a nonce never passes the withdrawal',
  },
};

/**
 * Column names both sides may have, each because it says little: the books
 * balance day by day, so a credit and its payment share channel, amount and
 * day by design (invariant 6); `id`s are random and drawn separately on each
 * side (the second test checks that no value is on both).
 */
const SHARED_BY_DESIGN: Record<string, string> = {
  id: 'a random id per row, drawn on each side on its own',
  channel: 'bank, cash or paypal',
  amount_minor: 'the amount: the books balance per day and amount',
  currency: 'three letters',
  booked_on: 'a day, the anonymity set of invariant 6',
  country: 'VAT evidence; moves from the code to the payment',
  kind: 'a few words for what a row is (a credit, a reversal …; a credit or a debit), alike on all rows of a kind',
  expires_on:
    "a day: a mailbox's codes and the token reserves expire alike, by RESERVE_TTL_DAYS and CODE_TTL_DAYS",
};

/**
 * Payment-side columns with the type of a mailbox-side key (the 64 characters
 * of a keyed hash), each checked to hold something else.
 */
const REVIEWED_WIDE_COLUMNS: Record<string, string> = {
  'payment.payer_iban': 'an IBAN, kept only until an unmatched payment is resolved',
  'pending_payment.payer_iban': 'the same column of a journal row waiting for settlement',
  'idempotent_request.key_hash': 'keyed hash of an Idempotency-Key, its own HMAC subkey',
  'idempotent_request.fingerprint': 'keyed hash of a request body, its own HMAC subkey',
  'bank_booking.content_key':
    "keyed hash of what a bank booking says, domain 'bank-booking' of the request subkey",
  'bank_booking.entry_key': "keyed hash of the bank's entry reference, the same domain",
  'bank_booking.detail_key': "keyed hash of the bank's detail reference, the same domain",
  'token_reserve.reserve_hash': "keyed hash of a reserve's code; a reserve has no mailbox",
};

/** Names that say "this points at a mailbox": on the payment side they are a path. */
const MAILBOX_REFERENCE =
  /(^|_)(mailbox|mailboxes|pseudonym|ledger|topup|voucher|user|owner|customer|subscriber|account_id)(_|$)|^code(_|$)|code_?hash|hash_?code/;
/** Names that say "this points at a payment": on the mailbox side they are a path. */
const PAYMENT_REFERENCE =
  /(^|_)(payment|payments|journal|payer|remittance|iban|external_ref|transaction)(_|$)|capture_(id|ref|hash)|order_id/;
/** Types that carry a time of day. */
const TIME_TYPE = /date|time|interval/i;
/** Names of columns that would hold a time whatever their type. */
const TIME_NAME =
  /(^|_)(at|time|times|timestamp|datetime|stamp|hour|minute|second|ms|millis|epoch|unix|seq|sequence)$/;

interface Column {
  table: string;
  name: string;
  /** Normalised: `varchar(64)`, `text`, `bigint`, `timestamp with time zone` … */
  type: string;
}

interface Schema {
  tables: string[];
  columns: Column[];
  foreignKeys: { from: string; to: string }[];
  indexes: { table: string; name: string; columns: string[]; definition: string }[];
  /** Views and triggers: each could join or copy across the sides. */
  others: string[];
}

async function sqliteSchema(t: TestApp): Promise<Schema> {
  const objects = await t.sql<{ type: string; name: string; tbl_name: string; sql: string | null }>(
    "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'",
  );
  const tables = objects.filter((o) => o.type === 'table').map((o) => o.name);
  const columns: Column[] = [];
  const foreignKeys: Schema['foreignKeys'] = [];
  const indexes: Schema['indexes'] = [];
  for (const table of tables) {
    for (const c of await t.sql<{ name: string; type: string }>(
      'SELECT name, type FROM pragma_table_info($1)',
      [table],
    )) {
      columns.push({ table, name: c.name, type: c.type.toLowerCase().replace(/\s+/g, '') });
    }
    for (const fk of await t.sql<{ table: string }>(
      'SELECT "table" FROM pragma_foreign_key_list($1)',
      [table],
    )) {
      foreignKeys.push({ from: table, to: fk.table });
    }
    for (const index of await t.sql<{ name: string }>('SELECT name FROM pragma_index_list($1)', [
      table,
    ])) {
      // xinfo names every column the index stores (also the primary key of a
      // WITHOUT ROWID table after the key); an expression has no name (cid -2).
      const stored = await t.sql<{ name: string | null; cid: number }>(
        'SELECT name, cid FROM pragma_index_xinfo($1) WHERE cid <> -1',
        [index.name],
      );
      const sql = objects.find((o) => o.name === index.name)?.sql ?? '(automatic)';
      indexes.push({
        table,
        name: index.name,
        columns: stored.map((k) => k.name ?? '(expression)'),
        definition: sql,
      });
    }
  }
  return {
    tables,
    columns,
    foreignKeys,
    indexes,
    others: objects.filter((o) => o.type !== 'table' && o.type !== 'index').map((o) => o.name),
  };
}

async function postgresSchema(t: TestApp): Promise<Schema> {
  const tables = (
    await t.sql<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    )
  ).map((r) => r.name);
  const columns = (
    await t.sql<{ table: string; name: string; type: string; length: number | null }>(
      `SELECT table_name AS "table", column_name AS name, data_type AS type, character_maximum_length AS length
         FROM information_schema.columns WHERE table_schema = current_schema()`,
    )
  ).map((c) => ({
    table: c.table,
    name: c.name,
    type:
      c.type === 'character varying'
        ? `varchar(${c.length ?? ''})`
        : c.type === 'character'
          ? `char(${c.length ?? ''})`
          : c.type,
  }));
  const foreignKeys = await t.sql<{ from: string; to: string }>(
    `SELECT c.conrelid::regclass::text AS "from", c.confrelid::regclass::text AS "to"
       FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace`,
  );
  const indexes = (
    await t.sql<{ table: string; name: string; columns: string | null; definition: string }>(
      `SELECT t.relname AS "table", i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition,
              COALESCE((SELECT string_agg(a.attname, ',' ORDER BY k.n)
                 FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum), '')
              || CASE WHEN x.indexprs IS NULL THEN '' ELSE ',(expression)' END AS columns
         FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relnamespace = current_schema()::regnamespace`,
    )
  ).map((i) => ({
    ...i,
    // An expression's attnum is 0 and joins no attribute: it is marked instead.
    columns: (i.columns ?? '').split(',').filter(Boolean),
  }));
  const others = (
    await t.sql<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.views WHERE table_schema = current_schema()
       UNION ALL SELECT matviewname FROM pg_matviews WHERE schemaname = current_schema()
       UNION ALL SELECT tgname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
                  WHERE NOT g.tgisinternal AND c.relnamespace = current_schema()::regnamespace`,
    )
  ).map((r) => r.name);
  return { tables, columns, foreignKeys, indexes, others };
}

const sideOf = (table: string): Side => TABLES[table]?.side ?? 'neutral';

describe('no path from a payment to a mailbox', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('has no column, foreign key or index in the live schema that could join the payment side to the mailbox side', async () => {
    const schema = t.db.dialect === 'sqlite' ? await sqliteSchema(t) : await postgresSchema(t);
    const named = (c: { table: string; name: string }) => `${c.table}.${c.name}`;

    // Every table has been put on a side by someone who looked at it.
    expect(schema.tables.filter((table) => !TABLES[table])).toEqual([]);
    expect(schema.tables).toEqual(expect.arrayContaining(['payment', 'mailbox', 'ledger_entry']));
    expect(schema.tables).toContain('topup_code');
    const onSide = (side: Side) => schema.columns.filter((c) => sideOf(c.table) === side);
    const paymentSide = onSide('payment');
    const mailboxSide = onSide('mailbox');
    expect(paymentSide.length).toBeGreaterThan(0);
    expect(mailboxSide.length).toBeGreaterThan(0);

    // No view or trigger, which could join or copy across the sides.
    expect(schema.others).toEqual([]);

    // No foreign key leaves its side.
    expect(schema.foreignKeys.filter((fk) => sideOf(fk.from) !== sideOf(fk.to))).toEqual([]);

    // No column named like a reference to the other side: on the payment side to
    // a mailbox, a code or the ledger; on the mailbox side to a payment or payer.
    expect(paymentSide.filter((c) => MAILBOX_REFERENCE.test(c.name)).map(named)).toEqual([]);
    expect(mailboxSide.filter((c) => PAYMENT_REFERENCE.test(c.name)).map(named)).toEqual([]);

    // No payment-side column shaped like a mailbox-side key, unless someone checked what it holds.
    const keyTypes = new Set(
      mailboxSide.filter((c) => /pseudonym|hash|^mailbox$/.test(c.name)).map((c) => c.type),
    );
    expect([...keyTypes]).toEqual(['varchar(64)']);
    expect(
      paymentSide
        .filter((c) => keyTypes.has(c.type) && !REVIEWED_WIDE_COLUMNS[named(c)])
        .map(named),
    ).toEqual([]);

    // A column name on both sides is one whose values say little, and no other.
    const mailboxNames = new Set(mailboxSide.map((c) => c.name));
    const shared = [...new Set(paymentSide.map((c) => c.name))].filter((n) => mailboxNames.has(n));
    expect(shared.filter((n) => !SHARED_BY_DESIGN[n])).toEqual([]);

    // No time anywhere on either side: days are varchar(10).
    const sided = [...paymentSide, ...mailboxSide];
    expect(sided.filter((c) => TIME_TYPE.test(c.type)).map(named)).toEqual([]);
    expect(sided.filter((c) => TIME_NAME.test(c.name)).map(named)).toEqual([]);
    const days = sided.filter((c) => /(_on|_day|date)$/.test(c.name));
    expect(days.length).toBeGreaterThan(4);
    expect(days.filter((c) => c.type !== 'varchar(10)').map(named)).toEqual([]);

    // No index over a column that names the other side, no index over an
    // expression (which could compute such a thing), and no index whose
    // definition reaches for a table of the other side.
    for (const index of schema.indexes) {
      const side = sideOf(index.table);
      if (side === 'neutral') continue;
      const reference = side === 'payment' ? MAILBOX_REFERENCE : PAYMENT_REFERENCE;
      expect(
        index.columns.filter((c) => c === '(expression)' || reference.test(c)),
        index.name,
      ).toEqual([]);
      const other = Object.keys(TABLES).filter((n) => TABLES[n].side === oppositeOf(side));
      const text = index.definition.toLowerCase();
      expect(
        other.filter((n) => new RegExp(`\\b${n}\\b`).test(text)),
        index.name,
      ).toEqual([]);
    }
  });

  it('after a whole flow, shares no value longer than 8 characters between a payment-side row and a mailbox-side row', async () => {
    const trace = await runFullFlow(t, { bulk: 10 });
    const valuesOf = async (side: Side) => {
      const values = new Set<string>();
      for (const [table, { side: s }] of Object.entries(TABLES)) {
        if (s !== side) continue;
        const present = await t.sql<{ n: number | string }>(
          t.db.dialect === 'sqlite'
            ? "SELECT COUNT(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = $1"
            : 'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1',
          [table],
        );
        if (Number(present[0].n) === 0) continue;
        for (const row of await t.sql(`SELECT * FROM ${table}`)) {
          for (const value of Object.values(row)) {
            if (value === null || value === undefined) continue;
            const text = String(value);
            // Days are shared on purpose: they are the anonymity set (invariant 6).
            if (text.length > 8 && !isDay(text)) values.add(text);
          }
        }
      }
      return values;
    };
    const payments = await valuesOf('payment');
    const mailboxes = await valuesOf('mailbox');
    // Both sides hold rows of the flow: payment ids on one, pseudonyms and code hashes on the other.
    expect(payments.size).toBeGreaterThan(20);
    expect(mailboxes.size).toBeGreaterThan(20);
    expect(trace.redeemed.bank.length).toBeGreaterThan(5);

    expect([...payments].filter((v) => mailboxes.has(v))).toEqual([]);
    // Nor inside one another: a pseudonym in a remittance, an id in a stored answer.
    const inside = (needles: Set<string>, haystacks: Set<string>) =>
      [...needles].filter((n) => [...haystacks].some((h) => h !== n && h.includes(n)));
    expect(inside(mailboxes, payments)).toEqual([]);
    expect(inside(payments, mailboxes)).toEqual([]);
  });
});

function oppositeOf(side: Side): Side {
  return side === 'payment' ? 'mailbox' : 'payment';
}
