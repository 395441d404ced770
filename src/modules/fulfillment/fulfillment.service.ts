import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { newId } from '../../shared/ids.js';
import { emit } from '../../events/outbox.js';

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
  const open = await tx
    .selectFrom('fulfillment_orders')
    .select('id')
    .where('order_id', '=', input.order_id)
    .where('warehouse_id', '=', input.warehouse_id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  const id = open?.id ?? newId('fo');
  if (!open) {
    await tx.insertInto('fulfillment_orders').values({ id, order_id: input.order_id, warehouse_id: input.warehouse_id, priority: input.priority, dispatch_by: input.dispatch_by }).execute();
    await emit(tx, { type: 'fulfillment_order.created', aggregateType: 'fulfillment_order', aggregateId: id, payload: { order_id: input.order_id, warehouse_id: input.warehouse_id }, actor });
  }
  // One statement for all lines; lines repeating a (line, SKU) are summed first (one statement may not upsert a row twice).
  const merged = new Map<string, { order_line_id: string; sku_id: string; qty: number }>();
  for (const l of input.lines) {
    const k = `${l.order_line_id}\u0000${l.sku_id}`;
    const m = merged.get(k);
    if (m) m.qty += l.qty;
    else merged.set(k, { order_line_id: l.order_line_id, sku_id: l.sku_id, qty: l.qty });
  }
  const rows = [...merged.values()];
  if (rows.length > 0) {
    await sql`
      INSERT INTO fulfillment_order_lines (fulfillment_order_id, order_line_id, sku_id, qty)
      SELECT ${id}, l.order_line_id, l.sku_id, l.qty
      FROM unnest(${rows.map((r) => r.order_line_id)}::text[], ${rows.map((r) => r.sku_id)}::text[], ${rows.map((r) => r.qty)}::int[]) AS l(order_line_id, sku_id, qty)
      ON CONFLICT (fulfillment_order_id, order_line_id, sku_id) DO UPDATE SET qty = fulfillment_order_lines.qty + EXCLUDED.qty`.execute(tx);
  }
  return id;
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

/**
 * Cancels units of an order line in fulfillment work that has not been picked (pending or released);
 * a fulfillment order left with nothing to do is cancelled. Returns, per warehouse and SKU, what was cancelled.
 * Work already picking or beyond is untouched: the caller refuses those units.
 */
export async function cancelUnpickedWork(
  tx: Executor,
  orderId: string,
  want: { order_line_id: string; qty: number }[],
  actor?: string,
): Promise<{ warehouse_id: string; order_line_id: string; sku_id: string; units: number }[]> {
  const rows = await sql<{ fo_id: string; warehouse_id: string; order_line_id: string; sku_id: string; open: number }>`
    SELECT f.id AS fo_id, f.warehouse_id, l.order_line_id, l.sku_id, l.qty - l.qty_cancelled AS open
    FROM fulfillment_orders f JOIN fulfillment_order_lines l ON l.fulfillment_order_id = f.id
    WHERE f.order_id = ${orderId} AND f.status IN ('pending', 'released')
    ORDER BY f.id, l.order_line_id, l.sku_id
    FOR UPDATE OF f, l`.execute(tx);
  const out: { warehouse_id: string; order_line_id: string; sku_id: string; units: number }[] = [];
  const touched = new Set<string>();
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
        out.push({ warehouse_id: c.warehouse_id, order_line_id: c.order_line_id, sku_id: c.sku_id, units: q });
      }
      touched.add(foId);
      left -= units;
    }
  }
  for (const foId of touched) {
    const r = await sql<{ open: number }>`SELECT coalesce(sum(qty - qty_cancelled), 0)::int AS open FROM fulfillment_order_lines WHERE fulfillment_order_id = ${foId}`.execute(tx);
    if (r.rows[0]!.open === 0) {
      await tx.updateTable('fulfillment_orders').set({ status: 'cancelled', updated_at: new Date() }).where('id', '=', foId).execute();
      await emit(tx, { type: 'fulfillment_order.cancelled', aggregateType: 'fulfillment_order', aggregateId: foId, payload: { order_id: orderId }, actor });
    }
  }
  return out;
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
