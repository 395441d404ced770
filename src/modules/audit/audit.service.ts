import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { newId } from '../../shared/ids.js';

export type ActorType = 'api_key' | 'user' | 'system' | 'cli';

export interface AuditEntryInput {
  actorId: string;
  actorType: ActorType;
  actorRole?: string | null | undefined;
  /** What was done: the route's method and pattern (`PATCH /api/v1/warehouses/:id`) or a CLI command. */
  action: string;
  objectType: string;
  objectId?: string | null | undefined;
  /** The response status; null for a pending entry (see `recordPendingAudit`). */
  status: number | null;
  ip?: string | null | undefined;
  userAgent?: string | null | undefined;
  requestId?: string | null | undefined;
  before?: unknown;
  after?: unknown;
}

export interface AuditEntryView {
  seq: number;
  id: string;
  occurred_at: Date;
  actor_id: string;
  actor_type: ActorType;
  actor_role: string | null;
  action: string;
  object_type: string;
  object_id: string | null;
  /** null: the change committed but its request's outcome was never recorded (see `recordPendingAudit`). */
  status: number | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  before: unknown;
  after: unknown;
}

/** Field names whose values never enter the audit log (a created key's token, secrets, password hashes). */
const SECRET_FIELDS = new Set(['token', 'secret', 'secret_hash', 'password', 'password_hash', 'credentials', 'api_key', 'webhook_secret', 'csrf_token']);

/** A JSON copy without secret fields, at any depth. */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELDS.has(k) ? '[redacted]' : withoutSecrets(v);
  return out;
}

const json = (v: unknown): unknown => (v === undefined || v === null ? null : JSON.stringify(withoutSecrets(v)));
const clip = (s: string | null | undefined, n: number): string | null => (s == null ? null : s.slice(0, n));

/** Appends one entry; the table refuses updates and deletes. */
export async function recordAudit(db: Executor, e: AuditEntryInput): Promise<string> {
  const id = newId('aud');
  await db
    .insertInto('audit_log')
    .values({
      id, actor_id: e.actorId, actor_type: e.actorType, actor_role: e.actorRole ?? null, action: clip(e.action, 300)!,
      object_type: clip(e.objectType, 100)!, object_id: clip(e.objectId, 200), status: e.status, ip: clip(e.ip, 100),
      user_agent: clip(e.userAgent, 500), request_id: clip(e.requestId, 100), before: json(e.before) as never, after: json(e.after) as never,
    })
    .execute();
  return id;
}

/**
 * Appends a pending entry (status and after null) inside the transaction of the change it records, so the change
 * and its entry commit together or not at all. A transaction that wrote nothing (no transaction id assigned: a
 * read) gets no entry. Returns the entry's id, or undefined when nothing was written.
 */
export async function recordPendingAudit(tx: Executor, e: Omit<AuditEntryInput, 'status' | 'after'>): Promise<string | undefined> {
  const id = newId('aud');
  const r = await sql`
    INSERT INTO audit_log (id, actor_id, actor_type, actor_role, action, object_type, object_id, status, ip, user_agent, request_id, before, after)
    SELECT ${id}, ${e.actorId}, ${e.actorType}, ${e.actorRole ?? null}, ${clip(e.action, 300)}, ${clip(e.objectType, 100)}, ${clip(e.objectId, 200)},
           NULL, ${clip(e.ip, 100)}, ${clip(e.userAgent, 500)}, ${clip(e.requestId, 100)}, ${json(e.before)}::jsonb, NULL
    WHERE txid_current_if_assigned() IS NOT NULL`.execute(tx);
  return Number(r.numAffectedRows ?? 0) > 0 ? id : undefined;
}

/** Completes a pending entry with the response's status and body (and the object id, if it was not known before). */
export async function completeAudit(db: Executor, id: string, c: { status: number; after?: unknown; objectId?: string | null | undefined }): Promise<void> {
  await db
    .updateTable('audit_log')
    .set({ status: c.status, after: json(c.after) as never, object_id: sql<string | null>`coalesce(object_id, ${clip(c.objectId, 200)})` })
    .where('id', '=', id)
    .where('status', 'is', null)
    .execute();
}

export interface AuditQuery {
  actor?: string | undefined;
  object?: string | undefined;
  object_type?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  /** Entries after this seq (the next_cursor of the previous page). */
  cursor?: string | undefined;
  limit: number;
}

/** Entries oldest first, by actor, object (id), object type and time; page with the returned cursor. */
export async function listAudit(db: Executor, q: AuditQuery): Promise<{ data: AuditEntryView[]; next_cursor: string | null }> {
  let s = db.selectFrom('audit_log').selectAll().orderBy('seq').limit(q.limit + 1);
  if (q.actor) s = s.where('actor_id', '=', q.actor);
  if (q.object) s = s.where('object_id', '=', q.object);
  if (q.object_type) s = s.where('object_type', '=', q.object_type);
  if (q.since) s = s.where('occurred_at', '>=', new Date(q.since));
  if (q.until) s = s.where('occurred_at', '<', new Date(q.until));
  if (q.cursor) s = s.where(sql<boolean>`seq > ${q.cursor}::bigint`);
  const rows = await s.execute();
  const page = rows.slice(0, q.limit).map((r) => ({ ...r, seq: Number(r.seq) })) as AuditEntryView[];
  return { data: page, next_cursor: rows.length > q.limit ? String(page.at(-1)!.seq) : null };
}

/** How a table's row is found for a before-image, and which columns never leave the database. */
interface Snapshot { table: string; keys: string[]; hide: string[] }
const SNAPSHOTS: Record<string, Snapshot> = {
  warehouse: { table: 'warehouses', keys: ['id', 'code'], hide: [] },
  user: { table: 'users', keys: ['id'], hide: ['password_hash'] },
  api_key: { table: 'api_keys', keys: ['id'], hide: ['secret_hash'] },
  carrier: { table: 'carriers', keys: ['code'], hide: ['credentials'] },
  webhook: { table: 'webhook_subscriptions', keys: ['id'], hide: ['secret'] },
  order: { table: 'orders', keys: ['id'], hide: [] },
  channel: { table: 'channels', keys: ['id'], hide: ['secret', 'credentials'] },
  sku: { table: 'skus', keys: ['id', 'sku'], hide: [] },
  purchase_limit: { table: 'purchase_limits', keys: ['id'], hide: [] },
};

/** The current row of an audited object (secrets removed), for the entry's before-image; undefined when unknown. */
export async function snapshotObject(db: Executor, objectType: string, ref: string): Promise<Record<string, unknown> | undefined> {
  const s = SNAPSHOTS[objectType];
  if (!s) return undefined;
  const where = sql.join(s.keys.map((k) => sql`${sql.ref(`t.${k}`)}::text = ${ref}`), sql` OR `);
  const r = await sql<{ row: Record<string, unknown> }>`
    SELECT to_jsonb(t) - ${s.hide}::text[] AS row FROM ${sql.table(s.table)} t WHERE ${where} LIMIT 1`.execute(db);
  return r.rows[0]?.row;
}
