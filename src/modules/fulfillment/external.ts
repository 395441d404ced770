import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { emit } from '../../events/outbox.js';

export interface ExternalWork {
  id: string;
  order_id: string;
  warehouse_id: string;
  dispatch_by: Date | null;
  lines: { order_line_id: string; sku_id: string; qty: number }[];
}

/** Pending fulfillment orders of a warehouse, oldest first, for handing to a 3PL. */
export async function pendingWorkAt(db: Executor, warehouseId: string, limit = 100): Promise<string[]> {
  const rows = await db.selectFrom('fulfillment_orders').select('id').where('warehouse_id', '=', warehouseId).where('status', '=', 'pending').orderBy('created_at').orderBy('id').limit(limit).execute();
  return rows.map((r) => r.id);
}

/**
 * Locks a pending fulfillment order and returns it with its open lines, or undefined when it is no longer pending
 * (another worker sent it, or it was cancelled).
 */
export async function lockPendingWork(tx: Executor, foId: string): Promise<ExternalWork | undefined> {
  const fo = await tx.selectFrom('fulfillment_orders').select(['id', 'order_id', 'warehouse_id', 'dispatch_by', 'status']).where('id', '=', foId).forUpdate().executeTakeFirst();
  if (!fo || fo.status !== 'pending') return undefined;
  const lines = await sql<{ order_line_id: string; sku_id: string; qty: number }>`
    SELECT order_line_id, sku_id, qty - qty_cancelled AS qty FROM fulfillment_order_lines
    WHERE fulfillment_order_id = ${foId} AND qty > qty_cancelled ORDER BY order_line_id, sku_id`.execute(tx);
  return { id: fo.id, order_id: fo.order_id, warehouse_id: fo.warehouse_id, dispatch_by: fo.dispatch_by ? new Date(fo.dispatch_by) : null, lines: lines.rows };
}

/** pending → released, for work handed to an external warehouse; emits `fulfillment_order.released`. */
export async function releaseToPartner(tx: Executor, foId: string, reference: string, actor?: string): Promise<void> {
  const r = await tx.updateTable('fulfillment_orders').set({ status: 'released', updated_at: new Date() }).where('id', '=', foId).where('status', '=', 'pending').returning(['order_id', 'warehouse_id']).executeTakeFirst();
  if (!r) return;
  await emit(tx, { type: 'fulfillment_order.released', aggregateType: 'fulfillment_order', aggregateId: foId, payload: { order_id: r.order_id, warehouse_id: r.warehouse_id, via: 'edi_940', reference }, actor });
}

/**
 * Records a package a 3PL shipped for one of its fulfillment orders (from its 945): the items, the reported weight,
 * no dimensions. The fulfillment order becomes `packed` once packages cover all its open units, so shipping the
 * last package ships it. Quantities are checked against what is still open: a 945 cannot ship more than asked.
 */
export async function recordExternalPackage(tx: Executor, foId: string, items: { order_line_id: string; sku_id: string; qty: number }[], weightG: number, actor?: string): Promise<string> {
  const fo = await tx.selectFrom('fulfillment_orders').select(['id', 'order_id', 'warehouse_id', 'status']).where('id', '=', foId).forUpdate().executeTakeFirst();
  if (!fo) throw new AppError('not_found', 'fulfillment_order_not_found', `Fulfillment order ${foId} was not found`, { fulfillment_order_id: foId });
  if (fo.status !== 'released') throw new AppError('conflict', 'invalid_transition', `Fulfillment order ${foId} is ${fo.status}; a 3PL can only ship work it was sent`, { fulfillment_order_id: foId, status: fo.status });
  const open = await sql<{ order_line_id: string; sku_id: string; open: number }>`
    SELECT l.order_line_id, l.sku_id, l.qty - l.qty_cancelled - coalesce((
      SELECT sum(i.qty) FROM package_items i JOIN packages p ON p.id = i.package_id
      WHERE p.fulfillment_order_id = l.fulfillment_order_id AND p.status <> 'cancelled' AND i.order_line_id = l.order_line_id AND i.sku_id = l.sku_id), 0)::int AS open
    FROM fulfillment_order_lines l WHERE l.fulfillment_order_id = ${foId}`.execute(tx);
  for (const i of items) {
    const line = open.rows.find((r) => r.order_line_id === i.order_line_id && r.sku_id === i.sku_id);
    if (!line || i.qty > line.open) {
      throw new AppError('unprocessable', 'over_shipped', `Fulfillment order ${foId} has ${line?.open ?? 0} unit(s) of ${i.sku_id} open on line ${i.order_line_id}; the 3PL reports ${i.qty}`, { fulfillment_order_id: foId, ...i, open: line?.open ?? 0 });
    }
    line.open -= i.qty;
  }
  const seq = await sql<{ n: number }>`SELECT coalesce(max(seq), 0)::int + 1 AS n FROM packages WHERE fulfillment_order_id = ${foId}`.execute(tx);
  const id = newId('pkg');
  await tx.insertInto('packages').values({ id, fulfillment_order_id: foId, order_id: fo.order_id, warehouse_id: fo.warehouse_id, seq: seq.rows[0]!.n, carton_code: null, length_mm: null, width_mm: null, height_mm: null, weight_g: Math.max(1, weightG), weight_estimated: false, status: 'packed', packed_by: actor ?? null }).execute();
  await tx.insertInto('package_items').values(items.map((i) => ({ package_id: id, ...i }))).execute();
  await emit(tx, { type: 'package.created', aggregateType: 'package', aggregateId: id, payload: { fulfillment_order_id: foId, order_id: fo.order_id, warehouse_id: fo.warehouse_id, items, via: 'edi_945' }, actor });
  if (open.rows.every((r) => r.open === 0)) {
    const packed = await tx.updateTable('fulfillment_orders').set({ status: 'packed', updated_at: new Date() }).where('id', '=', foId).where('status', '=', 'released').returning('id').executeTakeFirst();
    if (packed) await emit(tx, { type: 'fulfillment_order.packed', aggregateType: 'fulfillment_order', aggregateId: foId, payload: { order_id: fo.order_id, warehouse_id: fo.warehouse_id, package_ids: [id], via: 'edi_945' }, actor });
  }
  return id;
}
