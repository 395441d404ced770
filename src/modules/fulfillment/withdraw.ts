import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { emit } from '../../events/outbox.js';

/** Orders with work at a warehouse that no wave has released yet (pending fulfillment orders), oldest first. */
export async function ordersWithPendingWork(db: Executor, warehouseId: string, limit = 500): Promise<string[]> {
  const rows = await db
    .selectFrom('fulfillment_orders')
    .select('order_id')
    .distinct()
    .where('warehouse_id', '=', warehouseId)
    .where('status', '=', 'pending')
    .orderBy('order_id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.order_id);
}

/**
 * Takes an order's not-yet-released work away from a warehouse (its pending fulfillment orders there are cancelled)
 * and returns the open quantities per order line × SKU, so the caller can release their reservations and route
 * them again. Released or started work is left alone: it is already in a wave on the floor.
 */
export async function withdrawPendingWork(tx: Executor, orderId: string, warehouseId: string, reason: string, actor?: string): Promise<{ order_line_id: string; sku_id: string; qty: number }[]> {
  const rows = await sql<{ fo_id: string; order_line_id: string; sku_id: string; open: number }>`
    SELECT f.id AS fo_id, l.order_line_id, l.sku_id, l.qty - l.qty_cancelled AS open
    FROM fulfillment_orders f JOIN fulfillment_order_lines l ON l.fulfillment_order_id = f.id
    WHERE f.order_id = ${orderId} AND f.warehouse_id = ${warehouseId} AND f.status = 'pending'
    ORDER BY f.id, l.order_line_id, l.sku_id
    FOR UPDATE OF f, l`.execute(tx);
  const foIds = [...new Set(rows.rows.map((r) => r.fo_id))];
  if (foIds.length === 0) return [];
  await tx.updateTable('fulfillment_order_lines').set((eb) => ({ qty_cancelled: eb.ref('qty') })).where('fulfillment_order_id', 'in', foIds).execute();
  await tx.updateTable('fulfillment_orders').set({ status: 'cancelled', updated_at: new Date() }).where('id', 'in', foIds).execute();
  await emit(tx, foIds.map((id) => ({ type: 'fulfillment_order.cancelled', aggregateType: 'fulfillment_order', aggregateId: id, payload: { order_id: orderId, warehouse_id: warehouseId, reason }, actor })));
  return rows.rows.filter((r) => r.open > 0).map((r) => ({ order_line_id: r.order_line_id, sku_id: r.sku_id, qty: r.open }));
}
