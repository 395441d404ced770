import { sql } from 'kysely';
import { prepared, type Executor } from '../../db/database.js';
import { newId } from '../../shared/ids.js';
import { AppError } from '../../shared/errors.js';
import { outboxRows } from '../../events/outbox.js';
import { settle } from './picking.js';

export type FulfillmentStatus = 'pending' | 'released' | 'picking' | 'picked' | 'packing' | 'packed' | 'shipped' | 'cancelled';

export interface FulfillmentOrderView {
  id: string;
  order_id: string;
  warehouse_id: string;
  status: FulfillmentStatus;
  priority: string;
  dispatch_by: Date | null;
  lines: { order_line_id: string; sku_id: string; qty: number; qty_cancelled: number }[];
}

export interface NewFulfillmentOrder {
  order_id: string;
  warehouse_id: string;
  priority: string;
  dispatch_by: Date | string | null;
  lines: { order_line_id: string; sku_id: string; qty: number }[];
}

/**
 * Adds work to a warehouse: lines join the order's open (pending) fulfillment order there, or a new one
 * is created. Emits `fulfillment_order.created` for a new one.
 */
export async function addFulfillmentWork(tx: Executor, input: NewFulfillmentOrder, actor?: string): Promise<string> {
  // Lines repeating a (line, SKU) are summed first (one statement may not upsert a row twice).
  const merged = new Map<string, { order_line_id: string; sku_id: string; qty: number }>();
  for (const l of input.lines) {
    const k = `${l.order_line_id}\u0000${l.sku_id}`;
    const m = merged.get(k);
    if (m) m.qty += l.qty;
    else merged.set(k, { order_line_id: l.order_line_id, sku_id: l.sku_id, qty: l.qty });
  }
  const rows = [...merged.values()];
  const [event] = outboxRows({ type: 'fulfillment_order.created', aggregateType: 'fulfillment_order', aggregateId: '', payload: { order_id: input.order_id, warehouse_id: input.warehouse_id }, actor });
  // One statement (a data-modifying CTE) instead of four: find the open fulfillment order or create it with its
  // event, then add the lines. The lines' foreign key to a fulfillment order created in the same statement is
  // checked at the end of the statement, when the new row exists.
  const r = await sql<{ id: string }>`${prepared('fulfillment_add_work')}
    WITH open AS (
      SELECT id FROM fulfillment_orders WHERE order_id = ${input.order_id} AND warehouse_id = ${input.warehouse_id} AND status = 'pending' LIMIT 1),
    created AS (
      INSERT INTO fulfillment_orders (id, order_id, warehouse_id, priority, dispatch_by)
      SELECT ${newId('fo')}, ${input.order_id}, ${input.warehouse_id}, ${input.priority}, ${input.dispatch_by}::timestamptz WHERE NOT EXISTS (SELECT 1 FROM open)
      RETURNING id),
    evt AS (
      INSERT INTO outbox (id, type, aggregate_type, aggregate_id, payload, actor)
      SELECT ${event!.id}, ${event!.type}, ${event!.aggregate_type}, created.id, ${event!.payload}::jsonb, ${event!.actor}::text FROM created),
    fo AS (SELECT id FROM open UNION ALL SELECT id FROM created),
    lines AS (
      INSERT INTO fulfillment_order_lines (fulfillment_order_id, order_line_id, sku_id, qty)
      SELECT fo.id, l.order_line_id, l.sku_id, l.qty
      FROM fo, unnest(${rows.map((x) => x.order_line_id)}::text[], ${rows.map((x) => x.sku_id)}::text[], ${rows.map((x) => x.qty)}::int[]) AS l(order_line_id, sku_id, qty)
      ON CONFLICT (fulfillment_order_id, order_line_id, sku_id) DO UPDATE SET qty = fulfillment_order_lines.qty + EXCLUDED.qty)
    SELECT id FROM fo`.execute(tx);
  return r.rows[0]!.id;
}

/** The order's fulfillment orders with their lines. */
export async function listFulfillmentOrders(db: Executor, orderId: string): Promise<FulfillmentOrderView[]> {
  const fos = await db.selectFrom('fulfillment_orders').select(['id', 'order_id', 'warehouse_id', 'status', 'priority', 'dispatch_by']).where('order_id', '=', orderId).orderBy('id').execute();
  if (fos.length === 0) return [];
  const lines = await db
    .selectFrom('fulfillment_order_lines')
    .select(['fulfillment_order_id', 'order_line_id', 'sku_id', 'qty', 'qty_cancelled'])
    .where('fulfillment_order_id', 'in', fos.map((f) => f.id))
    .orderBy('order_line_id')
    .execute();
  return fos.map((f) => ({
    ...f,
    dispatch_by: f.dispatch_by ? new Date(f.dispatch_by) : null,
    lines: lines.filter((l) => l.fulfillment_order_id === f.id).map(({ fulfillment_order_id: _fo, ...l }) => l),
  }));
}

export interface CancelledWork {
  /** Units cancelled per warehouse, order line and SKU (their reservations are the caller's to release). */
  cancelled: { warehouse_id: string; order_line_id: string; sku_id: string; units: number }[];
  /** Picked units waiting in staging that go back to the bin × lot they came from (the caller moves them). */
  restock: { warehouse_id: string; sku_id: string; bin_id: string; lot: string; qty: number; task_id: string }[];
}

/**
 * Cancels units of an order line in fulfillment work that has not been picked completely (pending, released or
 * picking): open pick task lines lose those units first, then units already picked are marked to go back from
 * staging to their bin; a fulfillment order left with nothing to do is cancelled, tasks and waves follow.
 * Work picked or beyond is untouched: the caller refuses those units.
 */
export async function cancelUnpickedWork(
  tx: Executor,
  orderId: string,
  want: { order_line_id: string; qty: number }[],
  actor?: string,
): Promise<CancelledWork> {
  const rows = await sql<{ fo_id: string; warehouse_id: string; order_line_id: string; sku_id: string; open: number }>`
    SELECT f.id AS fo_id, f.warehouse_id, l.order_line_id, l.sku_id, l.qty - l.qty_cancelled AS open
    FROM fulfillment_orders f JOIN fulfillment_order_lines l ON l.fulfillment_order_id = f.id
    WHERE f.order_id = ${orderId} AND f.status IN ('pending', 'released', 'picking')
    ORDER BY f.id, l.order_line_id, l.sku_id
    FOR UPDATE OF f, l`.execute(tx);
  const out: CancelledWork = { cancelled: [], restock: [] };
  const touched = new Set<string>();
  const tasks = new Set<string>();
  for (const w of want) {
    // Units of a line are cancelled from each warehouse holding it; a kit line's components go in proportion, so cancel per component row by the same line share.
    let left = w.qty;
    const lineRows = rows.rows.filter((r) => r.order_line_id === w.order_line_id && r.open > 0);
    const byFo = new Map<string, typeof lineRows>();
    for (const r of lineRows) byFo.set(r.fo_id, [...(byFo.get(r.fo_id) ?? []), r]);
    for (const [foId, comps] of byFo) {
      if (left === 0) break;
      const perUnit = await unitsPerLine(tx, w.order_line_id, comps);
      const foUnits = Math.min(...comps.map((c) => Math.floor(c.open / (perUnit.get(c.sku_id) ?? 1))));
      const units = Math.min(left, foUnits);
      if (units <= 0) continue;
      for (const c of comps) {
        const q = units * (perUnit.get(c.sku_id) ?? 1);
        await sql`UPDATE fulfillment_order_lines SET qty_cancelled = qty_cancelled + ${q}
                  WHERE fulfillment_order_id = ${foId} AND order_line_id = ${c.order_line_id} AND sku_id = ${c.sku_id}`.execute(tx);
        out.cancelled.push({ warehouse_id: c.warehouse_id, order_line_id: c.order_line_id, sku_id: c.sku_id, units: q });
        const cut = await cutPickLines(tx, foId, c.order_line_id, c.sku_id, q);
        out.restock.push(...cut.restock.map((r) => ({ ...r, warehouse_id: c.warehouse_id, sku_id: c.sku_id })));
        cut.tasks.forEach((t) => tasks.add(t));
      }
      touched.add(foId);
      left -= units;
    }
  }
  await settle(tx, { fulfillment_order_ids: [...touched], task_ids: [...tasks] }, actor);
  return out;
}

/**
 * Takes cancelled units out of a fulfillment order line's pick work: unpicked units of open lines first (the
 * last ones on the path first), then picked units still in staging (to be put back). Tasks, then lines, are locked.
 */
async function cutPickLines(tx: Executor, foId: string, orderLineId: string, skuId: string, qty: number): Promise<{ restock: { bin_id: string; lot: string; qty: number; task_id: string }[]; tasks: string[] }> {
  const ids = await sql<{ task_id: string }>`SELECT DISTINCT task_id FROM pick_task_lines WHERE fulfillment_order_id = ${foId} AND order_line_id = ${orderLineId} AND sku_id = ${skuId} ORDER BY task_id`.execute(tx);
  if (ids.rows.length === 0) return { restock: [], tasks: [] };
  const tasks = ids.rows.map((r) => r.task_id);
  await sql`SELECT id FROM pick_tasks WHERE id = ANY(${tasks}::text[]) ORDER BY id FOR NO KEY UPDATE`.execute(tx);
  const lines = await sql<{ id: string; task_id: string; bin_id: string; lot: string; open: number; held: number }>`
    SELECT id, task_id, bin_id, lot, qty - qty_picked - qty_short - qty_cancelled AS open, qty_picked - qty_returned AS held
    FROM pick_task_lines WHERE fulfillment_order_id = ${foId} AND order_line_id = ${orderLineId} AND sku_id = ${skuId}
    ORDER BY seq DESC, id FOR NO KEY UPDATE`.execute(tx);
  let left = qty;
  for (const l of lines.rows) {
    if (left === 0) break;
    const c = Math.min(left, l.open);
    if (c <= 0) continue;
    await sql`UPDATE pick_task_lines SET qty_cancelled = qty_cancelled + ${c}, updated_at = now(),
                status = CASE WHEN qty - qty_picked - qty_short - qty_cancelled - ${c} > 0 THEN 'open' WHEN qty_picked + qty_short > 0 THEN 'done' ELSE 'cancelled' END
              WHERE id = ${l.id}`.execute(tx);
    left -= c;
  }
  const restock: { bin_id: string; lot: string; qty: number; task_id: string }[] = [];
  for (const l of lines.rows) {
    if (left === 0) break;
    const c = Math.min(left, l.held);
    if (c <= 0) continue;
    await sql`UPDATE pick_task_lines SET qty_returned = qty_returned + ${c}, updated_at = now() WHERE id = ${l.id}`.execute(tx);
    restock.push({ bin_id: l.bin_id, lot: l.lot, qty: c, task_id: l.task_id });
    left -= c;
  }
  return { restock, tasks };
}

/** Units of each SKU per unit of the order line (1 for a plain SKU, the component quantity for a kit). */
async function unitsPerLine(tx: Executor, orderLineId: string, comps: { sku_id: string }[]): Promise<Map<string, number>> {
  const r = await sql<{ sku_id: string; qty: number }>`
    SELECT k.component_sku_id AS sku_id, k.qty FROM order_lines ol JOIN kit_components k ON k.kit_sku_id = ol.sku_id WHERE ol.id = ${orderLineId}`.execute(tx);
  const map = new Map<string, number>(comps.map((c) => [c.sku_id, 1]));
  for (const row of r.rows) map.set(row.sku_id, row.qty);
  return map;
}

/** Fulfillment orders of an order in statuses past picking (picking … shipped): their units can no longer be cancelled. */
export async function hasStartedWork(db: Executor, orderId: string): Promise<boolean> {
  const r = await db.selectFrom('fulfillment_orders').select('id').where('order_id', '=', orderId).where('status', 'in', ['picking', 'picked', 'packing', 'packed', 'shipped']).limit(1).executeTakeFirst();
  return !!r;
}

export interface FulfillmentOrderDetail extends FulfillmentOrderView {
  wave_id: string | null;
  released_at: Date | null;
  picked_at: Date | null;
  created_at: Date;
  /** Units picked into staging per order line × SKU (returned units not counted). */
  picked: { order_line_id: string; sku_id: string; qty: number }[];
}

const FO_COLUMNS = ['id', 'order_id', 'warehouse_id', 'status', 'priority', 'dispatch_by', 'wave_id', 'released_at', 'picked_at', 'created_at'] as const;

/** Fulfillment orders with their lines and picked units, in id order. */
async function foDetails(db: Executor, fos: { id: string; order_id: string; warehouse_id: string; status: FulfillmentStatus; priority: string; dispatch_by: Date | string | null; wave_id: string | null; released_at: Date | null; picked_at: Date | null; created_at: Date }[]): Promise<FulfillmentOrderDetail[]> {
  if (fos.length === 0) return [];
  const ids = fos.map((f) => f.id);
  const lines = await db.selectFrom('fulfillment_order_lines').select(['fulfillment_order_id', 'order_line_id', 'sku_id', 'qty', 'qty_cancelled']).where('fulfillment_order_id', 'in', ids).orderBy('order_line_id').orderBy('sku_id').execute();
  const picked = await sql<{ fulfillment_order_id: string; order_line_id: string; sku_id: string; qty: number }>`
    SELECT fulfillment_order_id, order_line_id, sku_id, sum(qty_picked - qty_returned)::int AS qty FROM pick_task_lines
    WHERE fulfillment_order_id = ANY(${ids}::text[]) GROUP BY 1, 2, 3 HAVING sum(qty_picked - qty_returned) > 0 ORDER BY 2, 3`.execute(db);
  return fos.map((f) => ({
    ...f,
    dispatch_by: f.dispatch_by ? new Date(f.dispatch_by) : null,
    lines: lines.filter((l) => l.fulfillment_order_id === f.id).map(({ fulfillment_order_id: _fo, ...l }) => l),
    picked: picked.rows.filter((p) => p.fulfillment_order_id === f.id).map(({ fulfillment_order_id: _fo, ...p }) => p),
  }));
}

/** A fulfillment order with its lines and picked units (throws `fulfillment_order_not_found`). */
export async function getFulfillmentOrder(db: Executor, id: string): Promise<FulfillmentOrderDetail> {
  const fo = await db.selectFrom('fulfillment_orders').select(FO_COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!fo) throw new AppError('not_found', 'fulfillment_order_not_found', `Fulfillment order ${id} was not found`, { fulfillment_order_id: id });
  return (await foDetails(db, [fo]))[0]!;
}

/** Fulfillment orders of warehouses in scope, filtered by warehouse, status or wave; paged by id. */
export async function searchFulfillmentOrders(
  db: Executor,
  filter: { scope: string[] | null; warehouse_id?: string | undefined; status?: FulfillmentStatus | undefined; wave_id?: string | undefined; order_id?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<{ data: FulfillmentOrderDetail[]; next_cursor: string | null }> {
  let q = db.selectFrom('fulfillment_orders').select(FO_COLUMNS).orderBy('id').limit(filter.limit + 1);
  if (filter.scope !== null) q = q.where('warehouse_id', 'in', filter.scope.length > 0 ? filter.scope : ['']);
  if (filter.warehouse_id) q = q.where('warehouse_id', '=', filter.warehouse_id);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.wave_id) q = q.where('wave_id', '=', filter.wave_id);
  if (filter.order_id) q = q.where('order_id', '=', filter.order_id);
  if (filter.cursor) q = q.where('id', '>', filter.cursor);
  const rows = await q.execute();
  const page = rows.slice(0, filter.limit);
  return { data: await foDetails(db, page), next_cursor: rows.length > filter.limit ? page.at(-1)!.id : null };
}
