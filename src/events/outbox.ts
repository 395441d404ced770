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
  /** The position of the last event already read (see `eventCursor`); absent = from the beginning. */
  after?: { txId: string; seq: number } | undefined;
  limit: number;
  type?: string | undefined;
  aggregateId?: string | undefined;
  /**
   * A warehouse-scoped reader sees only events whose payload names one of these warehouses; events without a
   * warehouse (orders, catalog, keys) are for unscoped readers. null/absent = every event.
   */
  warehouseIds?: string[] | null | undefined;
}

/** An opaque position in the event log: the writing transaction's id and the sequence number, `"<tx>-<seq>"`. */
export const eventCursor = (e: { tx_id: string; seq: number }): string => `${e.tx_id}-${e.seq}`;

/** Parses `eventCursor` output; undefined when malformed. */
export function parseEventCursor(c: string): { txId: string; seq: number } | undefined {
  const m = /^(\d{1,20})-(\d{1,19})$/.exec(c);
  return m ? { txId: m[1]!, seq: Number(m[2]) } : undefined;
}

/**
 * Reads the event log after a position, for replay and polling consumers. Rows come in (transaction id, seq)
 * order and only from transactions older than every running one (`pg_snapshot_xmin`): a transaction that may
 * still commit has a larger id than any row returned, so paging never skips a late commit. (Paging by `seq`
 * alone could: a transaction may take its seq before an older transaction takes a smaller one.) Within one
 * aggregate, `seq` is the version: consumers order by it.
 */
export async function listEvents(db: Executor, input: ListEventsInput): Promise<(StoredEvent & { tx_id: string })[]> {
  let q = db
    .selectFrom('outbox')
    .select(['seq', 'id', 'type', 'aggregate_type', 'aggregate_id', 'payload', 'actor', 'occurred_at', sql<string>`tx_id::text`.as('tx_id')])
    .where(sql<boolean>`tx_id < pg_snapshot_xmin(pg_current_snapshot())`)
    .orderBy('tx_id')
    .orderBy('seq')
    .limit(input.limit);
  if (input.after !== undefined) q = q.where(sql<boolean>`(tx_id, seq) > (${input.after.txId}::xid8, ${input.after.seq}::bigint)`);
  if (input.type !== undefined) {
    // `order.*` selects a family of events.
    q = input.type.endsWith('.*')
      ? q.where('type', 'like', `${input.type.slice(0, -1).replace(/[%_\\]/g, '\\$&')}%`)
      : q.where('type', '=', input.type);
  }
  if (input.aggregateId !== undefined) q = q.where('aggregate_id', '=', input.aggregateId);
  if (input.warehouseIds) q = q.where(sql<boolean>`payload->>'warehouse_id' = any(${input.warehouseIds}::text[])`);
  return (await q.execute()) as (StoredEvent & { tx_id: string })[];
}

/** The highest sequence number now visible, for consumers that start from "now". */
export async function latestSeq(db: Executor): Promise<number> {
  const r = await sql<{ seq: number | null }>`select max(seq) as seq from outbox`.execute(db);
  return r.rows[0]?.seq ?? 0;
}
