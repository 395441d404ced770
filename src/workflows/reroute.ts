import { withTx, type Db, type Tx } from '../db/database.js';
import { ordersWithPendingWork, withdrawPendingWork } from '../modules/fulfillment/index.js';
import { lockOrder, recordOrderEvent, type OrderRow } from '../modules/orders/index.js';
import { getWarehouse } from '../modules/warehouse/index.js';
import { allocateOrder } from './allocate-order.js';
import { openReservations, releaseUnits } from './inventory-port.js';

export interface RerouteResult {
  warehouse_id: string;
  orders: number;
  units_released: number;
}

/**
 * Moves an order's unreleased work away from one warehouse: its pending fulfillment orders there are cancelled,
 * the reservations they held are released, and the order is routed again (the warehouse is no longer a candidate
 * when it is inactive; otherwise the planner may choose it again). The reasons go on the order's timeline.
 */
export async function rerouteOrderFrom(tx: Tx, order: OrderRow, warehouseId: string, reason: string, actor?: string): Promise<{ order: OrderRow; units: number }> {
  const withdrawn = await withdrawPendingWork(tx, order.id, warehouseId, reason, actor);
  if (withdrawn.length === 0) return { order, units: 0 };
  const open = (await openReservations(tx, order.id)).filter((r) => r.warehouse_id === warehouseId);
  let units = 0;
  for (const w of withdrawn) {
    let left = w.qty;
    for (const r of open.filter((x) => x.ref_line === w.order_line_id && x.sku_id === w.sku_id)) {
      const take = Math.min(left, r.qty);
      if (take <= 0) break;
      await releaseUnits(tx, r.id, take, actor);
      r.qty -= take;
      left -= take;
      units += take;
    }
  }
  await recordOrderEvent(tx, order.id, 'rerouted', `${units} unit(s) taken away: ${reason}; routing again`, { warehouse_id: warehouseId, withdrawn }, actor);
  return { order: await allocateOrder(tx, order, actor), units };
}

/**
 * Re-routes every order's unreleased work at a warehouse (used when a warehouse is disabled), one order per
 * transaction so a long list neither holds locks for long nor fails as a whole.
 */
export async function rerouteWarehouse(db: Db, warehouseRef: string, reason: string, actor?: string): Promise<RerouteResult> {
  const wh = await getWarehouse(db, warehouseRef);
  let orders = 0;
  let units = 0;
  for (;;) {
    const ids = await ordersWithPendingWork(db, wh.id, 200);
    if (ids.length === 0) break;
    for (const id of ids) {
      const moved = await withTx(db, async (tx) => rerouteOrderFrom(tx, await lockOrder(tx, id), wh.id, reason, actor));
      orders++;
      units += moved.units;
    }
    // An active warehouse may win its orders back; stop rather than loop on them.
    if (wh.active) break;
  }
  return { warehouse_id: wh.id, orders, units_released: units };
}
