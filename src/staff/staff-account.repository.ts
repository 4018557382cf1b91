import { Tx } from '../database/tx';

import type { StaffLocale, StaffRole } from '../auth/staff-principal';
export type StaffStatus = 'enrolling' | 'active' | 'disabled';

export interface StaffAccount {
  id: string;
  name: string;
  role: StaffRole;
  locale: StaffLocale;
  status: StaffStatus;
  passwordHash: string | null;
  totpSealed: string | null;
  lastTotpStep: number | null;
  enrolTokenHash: string | null;
  enrolExpiresAt: number | null;
  failedSignIns: number;
  lockedUntil: number | null;
  createdAt: number;
  lastSignInAt: number | null;
}

const COLUMNS = `id, name, role, locale, status, password_hash, totp_sealed, last_totp_step,
  enrol_token_hash, enrol_expires_at, failed_sign_ins, locked_until, created_at, last_sign_in_at`;

const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));

function toAccount(row: Record<string, unknown>): StaffAccount {
  return {
    id: row.id as string,
    name: row.name as string,
    role: row.role as StaffRole,
    locale: row.locale as StaffLocale,
    status: row.status as StaffStatus,
    passwordHash: (row.password_hash as string | null) ?? null,
    totpSealed: (row.totp_sealed as string | null) ?? null,
    lastTotpStep: num(row.last_totp_step),
    enrolTokenHash: (row.enrol_token_hash as string | null) ?? null,
    enrolExpiresAt: num(row.enrol_expires_at),
    failedSignIns: Number(row.failed_sign_ins),
    lockedUntil: num(row.locked_until),
    createdAt: Number(row.created_at),
    lastSignInAt: num(row.last_sign_in_at),
  };
}

/** Staff accounts: people, with a role and a locale; never a payer, never a mailbox. */
export const StaffAccountRepository = {
  async insert(
    tx: Tx,
    account: Pick<
      StaffAccount,
      'id' | 'name' | 'role' | 'locale' | 'enrolTokenHash' | 'enrolExpiresAt' | 'createdAt'
    >,
  ): Promise<void> {
    await tx.execute(
      `INSERT INTO staff_account (id, name, role, locale, status, enrol_token_hash, enrol_expires_at,
         failed_sign_ins, created_at) VALUES ($1, $2, $3, $4, 'enrolling', $5, $6, 0, $7)`,
      [
        account.id,
        account.name,
        account.role,
        account.locale,
        account.enrolTokenHash,
        account.enrolExpiresAt,
        account.createdAt,
      ],
    );
  },

  async byName(tx: Tx, name: string, lock = false): Promise<StaffAccount | undefined> {
    const rows = await tx.query(
      `SELECT ${COLUMNS} FROM staff_account WHERE name = $1${lock ? tx.forUpdate : ''}`,
      [name],
    );
    return rows[0] ? toAccount(rows[0]) : undefined;
  },

  async byId(tx: Tx, id: string): Promise<StaffAccount | undefined> {
    const rows = await tx.query(`SELECT ${COLUMNS} FROM staff_account WHERE id = $1`, [id]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  },

  async byEnrolToken(tx: Tx, tokenHash: string): Promise<StaffAccount | undefined> {
    const rows = await tx.query(
      `SELECT ${COLUMNS} FROM staff_account WHERE enrol_token_hash = $1${tx.forUpdate}`,
      [tokenHash],
    );
    return rows[0] ? toAccount(rows[0]) : undefined;
  },

  async all(tx: Tx): Promise<StaffAccount[]> {
    return (await tx.query(`SELECT ${COLUMNS} FROM staff_account ORDER BY name`)).map(toAccount);
  },

  async update(tx: Tx, id: string, fields: Partial<Record<string, unknown>>): Promise<void> {
    const names = Object.keys(fields);
    await tx.execute(
      `UPDATE staff_account SET ${names.map((n, i) => `${n} = $${i + 2}`).join(', ')} WHERE id = $1`,
      [id, ...names.map((n) => fields[n])],
    );
  },
};
