/**
 * The write-back tables: settings per channel, the queue of things to tell channels (one row per shipment),
 * and every attempt. Claims take due rows with SKIP LOCKED and push them out by a lease; results are recorded
 * only by the holder of the claim token, so a worker that wakes late after its lease passed changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';

export type WritebackStatus = 'pending' | 'done' | 'failed' | 'resolved';

export interface CarrierMapping {
  name?: string | undefined;
  code?: string | undefined;
  /** `{tracking}` is replaced by the tracking number. */
  tracking_url?: string | undefined;
}

export interface WritebackSettings {
  channel_id: string;
  enabled: boolean;
  enabled_since: Date | null;
  notify_customer: boolean;
  carriers: Record<string, CarrierMapping>;
  updated_at: Date | null;
}

export interface WritebackRow {
  id: string;
  channel_id: string;
  order_id: string;
  shipment_id: string;
  kind: string;
  status: WritebackStatus;
  attempts: number;
  next_attempt_at: Date;
  claim_token: string | null;
  external_ref: string | null;
  error_code: string | null;
  error_message: string | null;
  last_status_code: number | null;
  last_attempt_at: Date | null;
  done_at: Date | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  resolution_note: string | null;
  created_at: Date;
  updated_at: Date;
}

export async function getWritebackSettings(db: Executor, channelId: string): Promise<WritebackSettings> {
  const r = await db.selectFrom('channel_writeback_settings').selectAll().where('channel_id', '=', channelId).executeTakeFirst();
  if (!r) return { channel_id: channelId, enabled: false, enabled_since: null, notify_customer: true, carriers: {}, updated_at: null };
  return { channel_id: r.channel_id, enabled: r.enabled, enabled_since: r.enabled_since, notify_customer: r.notify_customer, carriers: r.carriers as Record<string, CarrierMapping>, updated_at: r.updated_at };
}

export interface WritebackSettingsInput {
  enabled?: boolean | undefined;
  notify_customer?: boolean | undefined;
  carriers?: Record<string, CarrierMapping> | undefined;
}

/** Saves settings; turning write-back on starts it from now (earlier shipments are not replayed). */
export async function saveWritebackSettings(tx: Executor, channelId: string, input: WritebackSettingsInput): Promise<WritebackSettings> {
  const cur = await getWritebackSettings(tx, channelId);
  const enabled = input.enabled ?? cur.enabled;
  const enabledSince = enabled ? (cur.enabled ? cur.enabled_since : sql<Date>`now()`) : null;
  const row = { enabled, enabled_since: enabledSince as Date | null, notify_customer: input.notify_customer ?? cur.notify_customer, carriers: JSON.stringify(input.carriers ?? cur.carriers) as never, updated_at: new Date() };
  await tx.insertInto('channel_writeback_settings').values({ channel_id: channelId, ...row }).onConflict((oc) => oc.column('channel_id').doUpdateSet(row)).execute();
  return getWritebackSettings(tx, channelId);
}

/** Queues write-backs; a shipment already queued is left as it is. Returns how many were new. */
export async function queueWritebacks(tx: Executor, rows: { channel_id: string; order_id: string; shipment_id: string; event_id: string }[]): Promise<number> {
  if (rows.length === 0) return 0;
  const r = await tx.insertInto('channel_writebacks').values(rows.map((x) => ({ id: `wb_${randomUUID().replaceAll('-', '')}`, ...x })))
    .onConflict((oc) => oc.columns(['shipment_id', 'kind']).doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0);
}

/** Takes up to `limit` due write-backs for this worker: attempts + 1, a lease, a claim token. */
export async function claimDueWritebacks(db: Executor, limit: number, leaseMs: number): Promise<WritebackRow[]> {
  const token = randomUUID();
  const r = await sql<WritebackRow>`
    WITH due AS (
      SELECT id FROM channel_writebacks
      WHERE status = 'pending' AND next_attempt_at <= now()
      ORDER BY next_attempt_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE channel_writebacks w
    SET attempts = w.attempts + 1, next_attempt_at = now() + ${leaseMs} * interval '1 millisecond', claim_token = ${token},
        last_attempt_at = now(), updated_at = now()
    FROM due WHERE w.id = due.id
    RETURNING w.*`.execute(db);
  return r.rows;
}

export type Outcome =
  | { kind: 'done'; external_ref: string; message: string }
  | { kind: 'retry'; code: string; message: string; status: number | null; delay_ms: number }
  | { kind: 'failed'; code: string; message: string; status: number | null };

/** Records a claimed attempt's result; false when the claim was lost (the lease ran out and another worker took it). */
export async function recordAttempt(tx: Executor, row: WritebackRow, outcome: Outcome, durationMs: number): Promise<boolean> {
  const set =
    outcome.kind === 'done'
      ? { status: 'done' as const, external_ref: outcome.external_ref, done_at: sql<Date>`now()`, error_code: null, error_message: null, last_status_code: null }
      : outcome.kind === 'retry'
        ? { next_attempt_at: sql<Date>`now() + ${outcome.delay_ms} * interval '1 millisecond'`, error_code: outcome.code, error_message: outcome.message, last_status_code: outcome.status }
        : { status: 'failed' as const, error_code: outcome.code, error_message: outcome.message, last_status_code: outcome.status };
  const r = await tx.updateTable('channel_writebacks').set({ ...set, claim_token: null, updated_at: new Date() } as never)
    .where('id', '=', row.id).where('claim_token', '=', row.claim_token).where('status', '=', 'pending').executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return false;
  await tx.insertInto('channel_writeback_attempts').values({
    writeback_id: row.id, attempt: row.attempts, outcome: outcome.kind, duration_ms: Math.round(durationMs),
    status_code: outcome.kind === 'done' ? null : outcome.status, error_code: outcome.kind === 'done' ? null : outcome.code, error: outcome.kind === 'done' ? null : outcome.message,
  }).execute();
  return true;
}

export interface WritebackFilter {
  status?: WritebackStatus | undefined;
  order_id?: string | undefined;
  channel_id?: string | undefined;
  limit: number;
  /** The id of the last row of the previous page. */
  cursor?: string | undefined;
  /** A warehouse-scoped reader sees write-backs of shipments from its warehouses only; null = all. */
  warehouse_ids?: string[] | null | undefined;
}

export async function listWritebacks(db: Executor, f: WritebackFilter): Promise<WritebackRow[]> {
  let q = db.selectFrom('channel_writebacks').selectAll().orderBy('id', 'desc').limit(f.limit);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.order_id) q = q.where('order_id', '=', f.order_id);
  if (f.channel_id) q = q.where('channel_id', '=', f.channel_id);
  if (f.cursor) q = q.where('id', '<', f.cursor);
  if (f.warehouse_ids) {
    const ids = f.warehouse_ids.length > 0 ? f.warehouse_ids : ['-'];
    q = q.where('shipment_id', 'in', (eb) => eb.selectFrom('shipments').select('id').where('warehouse_id', 'in', ids));
  }
  return (await q.execute()) as WritebackRow[];
}

export async function getWriteback(db: Executor, id: string, lock = false): Promise<WritebackRow> {
  let q = db.selectFrom('channel_writebacks').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  if (!r) throw new AppError('not_found', 'sync_exception_not_found', `Write-back ${id} was not found`, { id });
  return r as WritebackRow;
}

export async function listAttempts(db: Executor, id: string): Promise<{ attempt: number; attempted_at: Date; outcome: string; status_code: number | null; error_code: string | null; error: string | null; duration_ms: number }[]> {
  return db.selectFrom('channel_writeback_attempts').select(['attempt', 'attempted_at', 'outcome', 'status_code', 'error_code', 'error', 'duration_ms']).where('writeback_id', '=', id).orderBy('attempt').execute();
}

/** A failed write-back back in the queue, due now. */
export async function requeueWriteback(tx: Executor, id: string): Promise<void> {
  await tx.updateTable('channel_writebacks').set({ status: 'pending', next_attempt_at: new Date(), claim_token: null, updated_at: new Date() }).where('id', '=', id).execute();
}

/** A failed write-back closed by hand (done on the channel some other way, or not wanted). */
export async function resolveWriteback(tx: Executor, id: string, actor: string | undefined, note: string | undefined): Promise<void> {
  await tx.updateTable('channel_writebacks').set({ status: 'resolved', resolved_at: new Date(), resolved_by: actor ?? null, resolution_note: note ?? null, updated_at: new Date() }).where('id', '=', id).execute();
}
