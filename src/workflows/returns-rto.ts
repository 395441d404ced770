import { withTx, type Db, type Executor } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { canAccessWarehouse, type Principal } from '../modules/auth/index.js';
import { kitComponents } from '../modules/catalog/index.js';
import { getPackage } from '../modules/fulfillment/index.js';
import { getOrderLines, lockOrder, recordOrderEvent } from '../modules/orders/index.js';
import * as returns from '../modules/returns/index.js';
import type { ReturnView } from '../modules/returns/index.js';
import { getShipment } from '../modules/shipping/index.js';
import { returnableLines, type Caller } from './returns.js';

/** Order-line units in a package: plain lines as packed, kit lines as whole kits from their packed components. */
async function packageUnits(tx: Executor, orderId: string, items: { order_line_id: string; sku_id: string; qty: number }[]): Promise<Map<string, number>> {
  const lines = await getOrderLines(tx, orderId);
  const kits = await kitComponents(tx, [...new Set(lines.map((l) => l.sku_id).filter((s): s is string => !!s))]);
  const out = new Map<string, number>();
  for (const l of lines) {
    const parts = kits.get(l.sku_id ?? '') ?? (l.sku_id ? [{ sku_id: l.sku_id, qty: 1 }] : []);
    if (parts.length === 0) continue;
    const units = Math.min(...parts.map((p) => Math.floor(items.filter((i) => i.order_line_id === l.id && i.sku_id === p.sku_id).reduce((s, i) => s + i.qty, 0) / p.qty)));
    if (units > 0) out.set(l.id, units);
  }
  return out;
}

/**
 * Opens the return to origin of a shipment the carrier brought back: every unit of its package, to the warehouse
 * that shipped it. Idempotent per shipment (one live RTO, also under concurrent tracking events). Runs in the
 * caller's transaction, so the tracking workflow calls it in the same transaction as `rto_delivered`. Units a
 * customer return already claims are left out; when nothing is left it opens nothing and returns undefined (it never
 * throws for that, so a tracking update is never refused because of a return).
 */
export async function openRtoReturn(tx: Executor, shipmentId: string, actor = 'system:rto'): Promise<ReturnView | undefined> {
  const shipment = await getShipment(tx, shipmentId);
  const order = await lockOrder(tx, shipment.order_id);
  const existing = await returns.findRtoForShipment(tx, shipmentId);
  if (existing) return returns.getReturn(tx, existing);
  const pkg = await getPackage(tx, shipment.package_id);
  const inParcel = await packageUnits(tx, order.id, pkg.items);
  const returnable = await returnableLines(tx, order.id);
  const claimed = await returns.claimedByLine(tx, order.id);
  const lines = [...inParcel]
    .map(([line_id, qty]) => {
      const shipped = returnable.find((r) => r.line_id === line_id)?.shipped ?? 0;
      return { line_id, qty: Math.min(qty, shipped - (claimed.get(line_id) ?? 0)), reason: returns.RTO_REASON };
    })
    .filter((l) => l.qty > 0);
  if (lines.length === 0) {
    await recordOrderEvent(tx, order.id, 'rto_not_opened', `Shipment ${shipmentId} came back, but other returns already claim its units`, { shipment_id: shipmentId }, actor);
    return undefined;
  }
  const view = await returns.createReturn(tx, {
    order_id: order.id, order_number: order.number, type: 'rto', warehouse_id: shipment.warehouse_id, shipment_id: shipmentId, currency: order.currency,
    note: `Returned to origin by ${shipment.carrier} (${shipment.tracking_number})`, lines,
  }, returnable, actor);
  await recordOrderEvent(tx, order.id, 'return_created', `Return to origin ${view.number} opened for shipment ${shipmentId}`, { return_id: view.id, type: 'rto', shipment_id: shipmentId }, actor);
  return view;
}

/** Opens a shipment's return to origin on request (ops), within the caller's warehouses. */
export async function createRtoReturn(db: Db, caller: Caller, shipmentId: string, orderId?: string): Promise<ReturnView> {
  return withTx(db, async (tx) => {
    const shipment = await getShipment(tx, shipmentId);
    if (!canAccessWarehouse(caller as Principal, shipment.warehouse_id)) throw new AppError('not_found', 'shipment_not_found', `Shipment ${shipmentId} was not found`, { shipment_id: shipmentId });
    if (orderId !== undefined && orderId !== shipment.order_id) {
      throw new AppError('invalid', 'validation_failed', `Shipment ${shipmentId} belongs to another order`, { shipment_id: shipmentId, order_id: orderId }, [{ path: 'shipment_id', message: 'not a shipment of order_id' }]);
    }
    const view = await openRtoReturn(tx, shipmentId, caller.id);
    if (!view) throw new AppError('conflict', 'qty_exceeds_returnable', `Every unit of shipment ${shipmentId} is already on another return`, { shipment_id: shipmentId });
    return view;
  });
}
