import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { newId } from '../../shared/ids.js';

export type ActorType = 'api_key' | 'user' | 'system';

export interface AuditEntryInput {
  actorId: string;
  actorType: ActorType;
  actorRole?: string | null | undefined;
  /** What was done: the route's method and pattern (`PATCH /api/v1/warehouses/:id`) or a CLI command. */
  action: string;
  objectType: string;
  objectId?: string | null | undefined;
  status: number;
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
  status: number;
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
