import { createHmac, hkdfSync } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { withoutAnyCode } from '../codes/code-finder';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { Tx } from '../database/tx';

/** Advisory lock class of the audit chain (PostgreSQL): one writer at a time, no row lock. */
const AUDIT_CHAIN_LOCK = 7_220_900;
const GENESIS = '0'.repeat(64);

export type AuditAction =
  | 'sign-in'
  | 'sign-in-failed'
  | 'sign-out'
  | 'cash-letter'
  | 'batch-entered'
  | 'batch-confirmed'
  | 'batch-confirmation-refused'
  | 'resolution'
  | 'statement-upload'
  | 'account-added'
  | 'account-enrolled'
  | 'account-disabled';

export interface AuditEntry {
  /** A staff account's name, or `api-key:<role>`, or `cli`. */
  actor: string;
  action: AuditAction;
  /** Payment side only: never a mailbox, never a code. */
  paymentId?: string;
  detail?: Record<string, string | number | boolean>;
}

export interface AuditRecord {
  seq: number;
  at: string;
  actor: string;
  action: string;
  paymentId: string | null;
  detail: string;
  hash: string;
}

export type ChainCheck =
  { ok: true; records: number } | { ok: false; records: number; brokenAt: number; reason: string };

/**
 * The audit trail: every staff action is one append-only record, and each
 * record carries an HMAC (a subkey of SECRET_KEY) over its fields and the
 * hash of the record before. Changing, removing or reordering a record breaks
 * the chain from there on; without the secret nobody can write a chain anew.
 * Text fields pass through withoutAnyCode: no code is ever written here.
 */
@Injectable()
export class AuditTrail {
  private readonly key: Buffer;

  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.key = Buffer.from(
      hkdfSync('sha256', config.secretKey, Buffer.alloc(0), 'billing/audit-chain', 32),
    );
  }

  /** One record in its own transaction. */
  record(entry: AuditEntry): Promise<void> {
    return this.transactions.run((tx) => this.append(tx, entry));
  }

  /** One record inside the caller's transaction: it stands or falls with the action. */
  async append(tx: Tx, entry: AuditEntry): Promise<void> {
    if (tx.dialect === 'postgres')
      await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
    const last = await tx.query<{ seq: string | number; hash: string }>(
      'SELECT seq, hash FROM audit_record ORDER BY seq DESC LIMIT 1',
    );
    const seq = last[0] ? Number(last[0].seq) + 1 : 1;
    const prevHash = last[0]?.hash ?? GENESIS;
    const at = Math.floor(Date.now() / 1000) * 1000;
    const actor = clean(entry.actor).slice(0, 80);
    const detail = JSON.stringify(
      Object.fromEntries(
        Object.entries(entry.detail ?? {}).map(([k, v]) => [
          k,
          typeof v === 'string' ? clean(v) : v,
        ]),
      ),
    );
    const paymentId = entry.paymentId ?? null;
    const hash = this.hash(seq, at, actor, entry.action, paymentId, detail, prevHash);
    await tx.execute(
      `INSERT INTO audit_record (seq, at, actor, action, payment_id, detail, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [seq, at, actor, entry.action, paymentId, detail, prevHash, hash],
    );
  }

  /** Newest first, a page at a time. */
  list(limit: number, beforeSeq?: number): Promise<AuditRecord[]> {
    return this.transactions.run(async (tx) =>
      (
        await tx.query<Record<string, unknown>>(
          `SELECT seq, at, actor, action, payment_id, detail, hash FROM audit_record
            ${beforeSeq === undefined ? '' : 'WHERE seq < $2'} ORDER BY seq DESC LIMIT $1`,
          beforeSeq === undefined ? [limit] : [limit, beforeSeq],
        )
      ).map(toRecord),
    );
  }

  /** The whole trail, oldest first, as CSV (RFC 4180 quoting). */
  async csv(): Promise<string> {
    const rows = await this.transactions.run((tx) =>
      tx.query<Record<string, unknown>>(
        'SELECT seq, at, actor, action, payment_id, detail, hash FROM audit_record ORDER BY seq',
      ),
    );
    const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    const lines = ['seq,at,actor,action,paymentId,detail,hash'];
    for (const r of rows.map(toRecord)) {
      lines.push(
        [String(r.seq), r.at, r.actor, r.action, r.paymentId ?? '', r.detail, r.hash]
          .map(quote)
          .join(','),
      );
    }
    return lines.join('\r\n') + '\r\n';
  }

  /** Walks the chain from the first record; names the first record that does not fit. */
  async verify(): Promise<ChainCheck> {
    const rows = await this.transactions.run((tx) =>
      tx.query<Record<string, unknown>>(
        'SELECT seq, at, actor, action, payment_id, detail, prev_hash, hash FROM audit_record ORDER BY seq',
      ),
    );
    let prev = GENESIS;
    let expected = 1;
    for (const row of rows) {
      const seq = Number(row.seq);
      const broken = (reason: string): ChainCheck => ({
        ok: false,
        records: rows.length,
        brokenAt: seq,
        reason,
      });
      if (seq !== expected) return broken(`record ${expected} is missing`);
      if (row.prev_hash !== prev) return broken('it does not name the record before it');
      const hash = this.hash(
        seq,
        Number(row.at),
        row.actor as string,
        row.action as string,
        (row.payment_id as string | null) ?? null,
        row.detail as string,
        prev,
      );
      if (hash !== row.hash) return broken('its content was changed');
      prev = hash;
      expected++;
    }
    return { ok: true, records: rows.length };
  }

  private hash(
    seq: number,
    at: number,
    actor: string,
    action: string,
    paymentId: string | null,
    detail: string,
    prevHash: string,
  ): string {
    const hmac = createHmac('sha256', this.key);
    for (const part of [String(seq), String(at), actor, action, paymentId ?? '', detail, prevHash])
      hmac.update(`${Buffer.byteLength(part)}:${part}`);
    return hmac.digest('hex');
  }
}

function clean(text: string): string {
  return withoutAnyCode(text);
}

function toRecord(row: Record<string, unknown>): AuditRecord {
  return {
    seq: Number(row.seq),
    at: new Date(Number(row.at)).toISOString(),
    actor: row.actor as string,
    action: row.action as string,
    paymentId: (row.payment_id as string | null) ?? null,
    detail: row.detail as string,
    hash: row.hash as string,
  };
}
