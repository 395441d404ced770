import { sql } from 'kysely';
import type { Executor } from '../db/database.js';
import { newId } from '../shared/ids.js';

export interface EventInput {
  type: string;
  aggregateType: string;
  aggregateId: string;
  payload: Record<string, unknown>;
  actor?: string | undefined;
}

export interface StoredEvent {
  seq: number;
  id: string;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: unknown;
  actor: string | null;
  occurred_at: Date;
}

/**
 * Writes events to the outbox inside the caller's transaction, so an event exists exactly when
 * the change it describes committed. Every state change in Tandem goes through here.
 */
export async function emit(tx: Executor, events: EventInput | EventInput[]): Promise<string[]> {
  const rows = outboxRows(events);
  if (rows.length === 0) return [];
  await tx.insertInto('outbox').values(rows).execute();
  return rows.map((r) => r.id);
}

/**
 * The outbox rows `emit` writes, for a caller that writes them in the same statement as its own rows (a
 * data-modifying CTE: one round trip instead of two). Insert them into `outbox` unchanged.
 */
export function outboxRows(events: EventInput | EventInput[]): { id: string; type: string; aggregate_type: string; aggregate_id: string; payload: string; actor: string | null }[] {
  const list = Array.isArray(events) ? events : [events];
  return list.map((e) => ({
    id: newId('evt'),
    type: e.type,
    aggregate_type: e.aggregateType,
    aggregate_id: e.aggregateId,
    payload: JSON.stringify(e.payload),
    actor: e.actor ?? null,
  }));
}

export interface ListEventsInput {
  after?: number | undefined;
  limit: number;
  type?: string | undefined;
  aggregateId?: string | undefined;
}

/** Reads the event log in commit order after a sequence number, for replay and polling consumers. */
export async function listEvents(db: Executor, input: ListEventsInput): Promise<StoredEvent[]> {
  let q = db
    .selectFrom('outbox')
    .select(['seq', 'id', 'type', 'aggregate_type', 'aggregate_id', 'payload', 'actor', 'occurred_at'])
    .where(sql<boolean>`tx_id < pg_snapshot_xmin(pg_current_snapshot())`)
    .orderBy('seq')
    .limit(input.limit);
  if (input.after !== undefined) q = q.where('seq', '>', input.after);
  if (input.type !== undefined) {
    // `order.*` selects a family of events.
    q = input.type.endsWith('.*')
      ? q.where('type', 'like', `${input.type.slice(0, -1).replace(/[%_\\]/g, '\\$&')}%`)
      : q.where('type', '=', input.type);
  }
  if (input.aggregateId !== undefined) q = q.where('aggregate_id', '=', input.aggregateId);
  return (await q.execute()) as StoredEvent[];
}

/** The highest sequence number now visible, for consumers that start from "now". */
export async function latestSeq(db: Executor): Promise<number> {
  const r = await sql<{ seq: number | null }>`select max(seq) as seq from outbox`.execute(db);
  return r.rows[0]?.seq ?? 0;
}
