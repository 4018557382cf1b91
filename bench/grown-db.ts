/**
 * A SQLite database that has been in service for two years: 500,000 earlier
 * payments (with their bank_booking rows and anonymity groups), 400,000 ledger
 * rows (credits and monthly fee debits) over 40,000 mailboxes, and a share of
 * open codes. Rows are shaped as the service writes them (src/payments,
 * src/ledger, src/fees), with random keyed-hash-like values: what matters to an
 * import is the size of the tables and indexes it reads and writes.
 *
 * Built once and cached under bench/out/grown-cache/, keyed by the latest
 * migration's name and the layout version below; a run copies the cached file.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { createLogger } from '../src/common/logger';
import { addDays, dayOf } from '../src/common/day';
import { buildConfig, parseEnv } from '../src/config/app-config';
import { MIGRATIONS } from '../src/database/migrations';

/** Raise when the rows written here change, so that an old cache is not reused. */
const LAYOUT = 1;
const PAYMENTS = 500_000;
const LEDGER_ROWS = 400_000;
const MAILBOXES = 40_000;
const OPEN_CODES = 30_000;
const DAYS = 730;
const CHUNK = 50_000;
const CREDITOR_IBAN = 'DE02120300000000202051';

export interface GrownDatabase {
  file: string;
  /** The SECRET_KEY the database was made with (its token keys are sealed under it). */
  secretKey: string;
}

/** Small, seeded, fast: the same mix of rows every build. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (bytes = 32): string => randomBytes(bytes).toString('hex');

export function grownCacheDir(): string {
  return resolve(process.env.BENCH_DIR ?? join(__dirname, 'out'), 'grown-cache');
}

/** The cached grown database, built first if there is none for this schema. */
export async function grownDatabase(): Promise<GrownDatabase> {
  const latest = MIGRATIONS[MIGRATIONS.length - 1].name;
  const dir = grownCacheDir();
  const file = join(dir, `${latest}-layout${LAYOUT}.sqlite`);
  const secretFile = `${file}.secret`;
  if (existsSync(file) && existsSync(secretFile)) {
    console.log(`grown database: cached ${file}`);
    return { file, secretKey: readFileSync(secretFile, 'utf8').trim() };
  }
  mkdirSync(dir, { recursive: true });
  const building = `${file}.building`;
  for (const f of [building, `${building}-wal`, `${building}-shm`]) rmSync(f, { force: true });
  const secretKey = hex();
  const started = Date.now();
  await migrate(building, dir, secretKey);
  const counts = fill(building);
  writeFileSync(secretFile, `${secretKey}\n`, { mode: 0o600 });
  renameSync(building, file);
  console.log(
    `grown database: built ${file} in ${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(counts)}`,
  );
  return { file, secretKey };
}

/** Copies the cached file to `target`, readable by this user alone as the service keeps it. */
export function copyGrown(grown: GrownDatabase, target: string): void {
  copyFileSync(grown.file, target);
  chmodSync(target, 0o600);
}

/** The schema, made by the service's own migrations. */
async function migrate(file: string, dataDir: string, secretKey: string): Promise<void> {
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: `sqlite:${file}`,
    DATA_DIR: dataDir,
    SECRET_KEY: secretKey,
    API_KEYS: `importer:${hex(16)}`,
    LOG_LEVEL: 'warn',
  };
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({
      config: buildConfig(parseEnv(env)),
      logger: createLogger('warn'),
      schedule: false,
    }),
    { logger: false },
  );
  await app.close();
}

const CHANNELS: [string, number][] = [
  ['bank', 0.6],
  ['paypal', 0.2],
  ['cash', 0.15],
  ['card', 0.05],
];
const AMOUNTS = [500, 1000, 1200, 1500, 2000, 2400, 3000, 5000, 6000, 10000];
const NAMES = ['Anna Müller', 'Jürgen Schmidt', 'Marie Weiß', 'Ömer Yılmaz', 'Lukas Becker'];

function pick<T>(random: () => number, weighted: [T, number][]): T {
  let r = random();
  for (const [value, weight] of weighted) {
    r -= weight;
    if (r < 0) return value;
  }
  return weighted[weighted.length - 1][0];
}

/** Rows in chunks of CHUNK per transaction, prepared statements, synchronous=OFF while building. */
function fill(file: string): Record<string, number> {
  const db = new Database(file);
  db.pragma('synchronous = OFF');
  const random = prng(13);
  const today = dayOf(new Date());
  const first = addDays(today, -DAYS);
  const days = Array.from({ length: DAYS }, (_, i) => addDays(first, i));
  const aDay = () => days[Math.floor(random() * DAYS)];
  const amount = () =>
    random() < 0.9
      ? AMOUNTS[Math.floor(random() * AMOUNTS.length)]
      : 100 + Math.floor(random() * 20000);
  const counts: Record<string, number> = {};
  const chunked = (table: string, total: number, row: (i: number) => unknown[], sql: string) => {
    const insert = db.prepare(sql);
    const chunk = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) insert.run(row(i));
    });
    for (let from = 0; from < total; from += CHUNK) chunk(from, Math.min(total, from + CHUNK));
    counts[table] = (counts[table] ?? 0) + total;
  };

  const mailboxes = Array.from({ length: MAILBOXES }, () => hex());
  chunked(
    'mailbox',
    MAILBOXES,
    (i) => [mailboxes[i]],
    'INSERT INTO mailbox (pseudonym) VALUES (?)',
  );
  chunked(
    'fee_account',
    MAILBOXES,
    (i) => {
      const anchor = aDay();
      const periods = Math.floor((Date.parse(today) - Date.parse(anchor)) / (30.44 * 86_400_000));
      return [mailboxes[i], anchor, periods, addDays(today, 1 + Math.floor(random() * 30))];
    },
    'INSERT INTO fee_account (mailbox, anchor_on, periods, next_due_on) VALUES (?, ?, ?, ?)',
  );

  // Ledger: three credits for each monthly fee debit.
  const ledgerSql =
    'INSERT INTO ledger_entry (id, mailbox, kind, channel, amount_minor, currency, booked_on) VALUES (?, ?, ?, ?, ?, ?, ?)';
  const feeCharges: [string, string][] = [];
  chunked(
    'ledger_entry',
    LEDGER_ROWS,
    (i) => {
      const mailbox = mailboxes[Math.floor(random() * MAILBOXES)];
      const day = aDay();
      if (i % 4 === 3) {
        feeCharges.push([mailbox, day]);
        return [randomUUID(), mailbox, 'debit', 'fee', 100, 'EUR', day];
      }
      return [randomUUID(), mailbox, 'credit', pick(random, CHANNELS), amount(), 'EUR', day];
    },
    ledgerSql,
  );
  chunked(
    'fee_charge',
    feeCharges.length,
    (i) => feeCharges[i],
    'INSERT OR IGNORE INTO fee_charge (mailbox, due_on) VALUES (?, ?)',
  );

  // The journal: mostly credited; unmatched ones keep the payer's details until resolved.
  const groups = new Map<string, number>();
  const bookings: string[] = [];
  const paymentSql = `INSERT INTO payment (id, channel, kind, external_ref, amount_minor, currency, booked_on,
      settled_on, status, reason, country, payer_name, payer_iban, payer_country, remittance, resolved_on)
    VALUES (?, ?, 'credit', ?, ?, 'EUR', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
  chunked(
    'payment',
    PAYMENTS,
    (i) => {
      const id = randomUUID();
      const channel = pick(random, CHANNELS);
      const day = aDay();
      const money = amount();
      const iban = `DE${String(10 + (i % 89))}10070000${String(i).padStart(10, '0')}`;
      const ref =
        channel === 'bank'
          ? `${CREDITOR_IBAN}/G${String(i).padStart(12, '0')}/${day}/${money}EUR/CRDT/0`
          : channel === 'cash'
            ? randomUUID()
            : hex(9).toUpperCase();
      if (channel === 'bank') bookings.push(id);
      const fate = random();
      if (fate < 0.9) {
        const settled = addDays(day, random() < 0.7 ? 0 : 1);
        const key = `${settled}|${channel}|${money}`;
        groups.set(key, (groups.get(key) ?? 0) + 1);
        return [
          id,
          channel,
          ref,
          money,
          day,
          settled,
          'credited',
          null,
          'DE',
          null,
          null,
          'DE',
          null,
          null,
        ];
      }
      const name = NAMES[i % NAMES.length];
      const text = `Rechnung ${100000 + i}`;
      if (fate < 0.96)
        return [
          id,
          channel,
          ref,
          money,
          day,
          null,
          'unmatched',
          random() < 0.5 ? 'no-code' : 'unknown-code',
          null,
          channel === 'bank' ? name : null,
          channel === 'bank' ? iban : null,
          'DE',
          text,
          null,
        ];
      const status = fate < 0.99 ? 'refunded' : 'kept';
      return [
        id,
        channel,
        ref,
        money,
        day,
        null,
        status,
        'no-code',
        null,
        null,
        null,
        'DE',
        null,
        addDays(day, 3),
      ];
    },
    paymentSql,
  );
  chunked(
    'bank_booking',
    bookings.length,
    (i) => [bookings[i], hex(), hex(), hex()],
    'INSERT INTO bank_booking (payment_id, content_key, entry_key, detail_key) VALUES (?, ?, ?, ?)',
  );
  const groupRows = [...groups];
  chunked(
    'anonymity_group',
    groupRows.length,
    (i) => {
      const [key, credits] = groupRows[i];
      const [day, channel, money] = key.split('|');
      return [randomUUID(), day, channel, Number(money), credits];
    },
    'INSERT INTO anonymity_group (id, booked_on, channel, amount_minor, credits) VALUES (?, ?, ?, ?, ?)',
  );
  chunked(
    'topup_code',
    OPEN_CODES,
    () => [
      hex(),
      mailboxes[Math.floor(random() * MAILBOXES)],
      'DE',
      addDays(today, 1 + Math.floor(random() * 60)),
    ],
    'INSERT INTO topup_code (code_hash, mailbox, country, expires_on) VALUES (?, ?, ?, ?)',
  );
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return counts;
}
