import { randomUUID } from 'node:crypto';
import { Day } from '../common/day';
import { Tx } from '../database/tx';
import { insertRows } from '../database/rows';

export const EVENT_TYPES = ['balance.credited', 'balance.low', 'mailbox.suspended'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface PendingEvent {
  id: string;
  mailbox: string;
  type: EventType;
  eventOn: Day;
  /** The mailbox id, sealed; null when the mailbox was registered before events were on, or is gone. */
  sealedId: string | null;
}

/**
 * The transactional outbox of events to the webmail backend. A row is written
 * in the transaction of the credit or debit it reports (a rolled-back credit
 * leaves none) and deleted once the receiver took it. It holds a pseudonym, a
 * type and a day, nothing more: the balance and paid-until day are read when
 * the event is sent. One row per mailbox and type waits at most: a newer
 * event replaces it, with a new id, so a delivery in flight cannot delete it.
 */
export const OutboxRepository = {
  async enqueue(tx: Tx, mailbox: string, type: EventType, eventOn: Day): Promise<void> {
    await tx.execute(
      `INSERT INTO event_outbox (id, mailbox, type, event_on) VALUES ($1, $2, $3, $4)
       ON CONFLICT (mailbox, type) DO UPDATE SET id = excluded.id, event_on = excluded.event_on`,
      [randomUUID(), mailbox, type, eventOn],
    );
  },

  /**
   * One event per mailbox (each at most once in `events`), one multi-row
   * statement per chunk, in the order given: a settlement's random one.
   */
  async enqueueMany(
    tx: Tx,
    events: readonly { mailbox: string; eventOn: Day }[],
    type: EventType,
  ): Promise<void> {
    await insertRows(
      tx,
      'event_outbox',
      ['id', 'mailbox', 'type', 'event_on'],
      events,
      (e) => [randomUUID(), e.mailbox, type, e.eventOn],
      ' ON CONFLICT (mailbox, type) DO UPDATE SET id = excluded.id, event_on = excluded.event_on',
    );
  },

  /** Up to `limit` waiting events, in the order of their random ids: not in the order they happened. */
  async waiting(tx: Tx, after: string, limit: number): Promise<PendingEvent[]> {
    const rows = await tx.query<{
      id: string;
      mailbox: string;
      type: EventType;
      event_on: Day;
      sealed_id: string | null;
    }>(
      `SELECT o.id, o.mailbox, o.type, o.event_on, m.sealed_id
         FROM event_outbox o LEFT JOIN mailbox m ON m.pseudonym = o.mailbox
        WHERE o.id > $1 ORDER BY o.id LIMIT $2`,
      [after, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      mailbox: r.mailbox,
      type: r.type,
      eventOn: r.event_on,
      sealedId: r.sealed_id,
    }));
  },

  /** True when the row was still there (not replaced by a newer event meanwhile). */
  async delete(tx: Tx, id: string): Promise<boolean> {
    return (await tx.execute('DELETE FROM event_outbox WHERE id = $1', [id])) === 1;
  },

  async eraseMailbox(tx: Tx, mailbox: string): Promise<void> {
    await tx.execute('DELETE FROM event_outbox WHERE mailbox = $1', [mailbox]);
  },
};
