import { sql } from 'kysely';
import type { Executor } from '../db/database.js';
import type { OutboxEvent } from './envelope.js';

/**
 * A durable position in the outbox, for dispatchers. The outbox is read in (tx_id, seq) order and only below
 * `pg_snapshot_xmin`: every row returned comes from a finished transaction, and every transaction that may
 * still commit has a larger tx_id than any row returned, so a cursor that only moves forward never passes
 * over an event that commits late. (Paging by `seq` alone can: a transaction may take its seq before an older
 * transaction takes a smaller one — see docs/events.md.)
 */
export interface Position {
  txId: string;
  seq: number;
}

export type CursorName = 'webhooks' | 'nats' | 'channel-writeback';

/** Reads a dispatcher's position; `lock` takes the row for the rest of the transaction (SKIP LOCKED: undefined if busy). */
export async function readCursor(db: Executor, name: CursorName, lock = false): Promise<Position | undefined> {
  const row = lock
    ? await sql<{ tx: string; seq: number }>`select last_tx_id::text as tx, last_seq as seq from event_cursors where name = ${name} for update skip locked`.execute(db)
    : await sql<{ tx: string; seq: number }>`select last_tx_id::text as tx, last_seq as seq from event_cursors where name = ${name}`.execute(db);
  const r = row.rows[0];
  return r ? { txId: r.tx, seq: r.seq } : undefined;
}

/** The next events after a position, oldest first, only from transactions that can no longer commit behind them. */
export async function readEventsAfter(db: Executor, after: Position, limit: number): Promise<OutboxEvent[]> {
  const r = await sql<OutboxEvent>`
    select seq, id, type, aggregate_type, aggregate_id, payload, actor, occurred_at, tx_id::text as tx_id
    from outbox
    where (tx_id, seq) > (${after.txId}::xid8, ${after.seq}::bigint)
      and tx_id < pg_snapshot_xmin(pg_current_snapshot())
    order by tx_id, seq
    limit ${limit}`.execute(db);
  return r.rows;
}

/** Moves a cursor forward from `from` to `to`; false when someone else moved it first (the caller's work is then a repeat). */
export async function advanceCursor(db: Executor, name: CursorName, from: Position, to: Position): Promise<boolean> {
  const r = await sql`
    update event_cursors set last_tx_id = ${to.txId}::xid8, last_seq = ${to.seq}, updated_at = now()
    where name = ${name} and last_tx_id = ${from.txId}::xid8 and last_seq = ${from.seq}`.execute(db);
  return Number(r.numAffectedRows ?? 0) === 1;
}

export const positionOf = (e: OutboxEvent): Position => ({ txId: e.tx_id, seq: e.seq });

/** How far each dispatcher is behind: the age of the oldest event it has not handled yet (0 when caught up). */
export async function outboxLag(db: Executor): Promise<{ name: string; lag_seconds: number; pending_events: number }[]> {
  const r = await sql<{ name: string; lag_seconds: number | null; pending_events: number }>`
    select c.name,
           extract(epoch from now() - min(o.occurred_at))::float8 as lag_seconds,
           count(o.seq)::int as pending_events
    from event_cursors c
    left join lateral (
      select occurred_at, seq from outbox
      where (tx_id, seq) > (c.last_tx_id, c.last_seq)
      order by tx_id, seq
      limit 10000
    ) o on true
    group by c.name
    order by c.name`.execute(db);
  return r.rows.map((x) => ({ name: x.name, lag_seconds: Math.max(0, x.lag_seconds ?? 0), pending_events: x.pending_events }));
}
