import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { emit } from '../../events/outbox.js';
import { AppError, type FieldError } from '../../shared/errors.js';
import { ulid } from '../../shared/ids.js';
import type { PurchaseLimit, PurchaseLimitInput } from './limits.types.js';

const COLUMNS = [
  'l.id', 's.sku', 'l.sku_id', 'l.channel_id', 'l.max_units_per_order', 'l.max_units_per_customer', 'l.window_hours', 'l.active_from',
  'l.active_until', 'l.action', 'l.note', 'l.created_at', 'l.updated_at', 'l.updated_by',
] as const;

/** Rules a body can break that a schema cannot say; every problem is listed, nothing is saved. */
function check(input: PurchaseLimitInput): FieldError[] {
  const errors: FieldError[] = [];
  if (input.max_units_per_order == null && input.max_units_per_customer == null) {
    errors.push({ path: '/max_units_per_order', message: 'set max_units_per_order, max_units_per_customer or both' });
  }
  if (input.window_hours != null && input.max_units_per_customer == null) {
    errors.push({ path: '/window_hours', message: 'a window applies to max_units_per_customer, which is not set' });
  }
  if (input.max_units_per_order != null && input.max_units_per_customer != null && input.max_units_per_order > input.max_units_per_customer) {
    errors.push({ path: '/max_units_per_order', message: `cannot exceed max_units_per_customer (${input.max_units_per_customer}): no order could reach it` });
  }
  if (input.active_from && input.active_until && new Date(input.active_until) <= new Date(input.active_from)) {
    errors.push({ path: '/active_until', message: 'must be after active_from' });
  }
  return errors;
}

/**
 * Sets the limit of a SKU for one channel or all (`channel_id` null): one limit per SKU × channel, replaced whole.
 * A changed limit keeps its id and its counters (a cap raised mid-sale keeps what buyers already bought).
 */
export async function setPurchaseLimit(tx: Executor, input: PurchaseLimitInput, actor?: string): Promise<PurchaseLimit> {
  const errors = check(input);
  if (errors.length > 0) throw new AppError('invalid', 'invalid_purchase_limit', errors.map((e) => `${e.path.slice(1)}: ${e.message}`).join('; '), {}, errors);
  // Read-only lookups of the catalog's and the channels' rows (their modules own them; we only refer to them).
  const sku = await tx.selectFrom('skus').select('id').where('sku', '=', input.sku).executeTakeFirst();
  if (!sku) throw new AppError('not_found', 'sku_not_found', `SKU ${input.sku} was not found`, { sku: input.sku });
  const channelId = input.channel_id ?? null;
  if (channelId && !(await tx.selectFrom('channels').select('id').where('id', '=', channelId).executeTakeFirst())) {
    throw new AppError('not_found', 'channel_not_found', `Channel ${channelId} was not found`, { channel_id: channelId });
  }
  const values = {
    max_units_per_order: input.max_units_per_order ?? null,
    max_units_per_customer: input.max_units_per_customer ?? null,
    window_hours: input.window_hours ?? null,
    active_from: input.active_from ? new Date(input.active_from) : null,
    active_until: input.active_until ? new Date(input.active_until) : null,
    action: input.action,
    note: input.note ?? null,
    updated_by: actor ?? null,
  };
  const row = await tx
    .insertInto('purchase_limits')
    .values({ id: `plim_${ulid()}`, sku_id: sku.id, channel_id: channelId, ...values })
    .onConflict((oc) => oc.constraint('purchase_limits_sku_channel').doUpdateSet({ ...values, updated_at: sql`now()` }))
    .returning('id')
    .executeTakeFirstOrThrow();
  const limit = await getPurchaseLimit(tx, row.id);
  await emit(tx, { type: 'purchase_limit.saved', aggregateType: 'purchase_limit', aggregateId: limit.id, actor, payload: { ...limit } });
  return limit;
}

/** One limit (404 purchase_limit_not_found). */
export async function getPurchaseLimit(db: Executor, id: string): Promise<PurchaseLimit> {
  const row = await db.selectFrom('purchase_limits as l').innerJoin('skus as s', 's.id', 'l.sku_id').select(COLUMNS).where('l.id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', 'purchase_limit_not_found', `Purchase limit ${id} was not found`, { id });
  return row as PurchaseLimit;
}

/** Limits by SKU code and channel (`channel_id=all` for the ones of every channel), oldest first, paged by id. */
export async function listPurchaseLimits(db: Executor, q: { sku?: string | undefined; channel_id?: string | undefined; cursor?: string | undefined; limit: number }): Promise<{ data: PurchaseLimit[]; next_cursor: string | null }> {
  let s = db.selectFrom('purchase_limits as l').innerJoin('skus as s', 's.id', 'l.sku_id').select(COLUMNS).orderBy('l.id').limit(q.limit + 1);
  if (q.sku) s = s.where('s.sku', '=', q.sku);
  if (q.channel_id === 'all') s = s.where('l.channel_id', 'is', null);
  else if (q.channel_id) s = s.where('l.channel_id', '=', q.channel_id);
  if (q.cursor) s = s.where('l.id', '>', q.cursor);
  const rows = (await s.execute()) as PurchaseLimit[];
  const data = rows.slice(0, q.limit);
  return { data, next_cursor: rows.length > q.limit ? data.at(-1)!.id : null };
}

/** Deletes a limit with its counters (404 when unknown). Orders it held stay held until ops release them. */
export async function deletePurchaseLimit(tx: Executor, id: string, actor?: string): Promise<void> {
  const limit = await getPurchaseLimit(tx, id);
  await tx.deleteFrom('purchase_limits').where('id', '=', id).execute();
  await emit(tx, { type: 'purchase_limit.deleted', aggregateType: 'purchase_limit', aggregateId: id, actor, payload: { id, sku: limit.sku, channel_id: limit.channel_id } });
}

/** What customers have bought under a limit: the counters of its windows, the busiest first. */
export async function listLimitUsage(db: Executor, id: string, q: { limit: number }): Promise<{ customer_key: string; window_start: Date; units: number; updated_at: Date }[]> {
  await getPurchaseLimit(db, id);
  return db.selectFrom('purchase_limit_counters').select(['customer_key', 'window_start', 'units', 'updated_at'])
    .where('limit_id', '=', id).where('units', '>', 0)
    .orderBy('units', 'desc').orderBy('window_start', 'desc').orderBy('customer_key').limit(q.limit).execute() as never;
}
