import { sql } from 'kysely';
import { withTx, type Db, type Tx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { cancelUnpickedWork, hasStartedWork } from '../modules/fulfillment/index.js';
import {
  CANCELLABLE, EDITABLE, allocationStatus, cancelLineUnits, closeOpenHolds, getOrderLines, isValidPostalCode, lockOrder, recordOrderEvent,
  releaseHold, transitionOrder, updateOrderDetails, type OrderEdit, type OrderRow,
} from '../modules/orders/index.js';
import { returnPurchaseUnits } from '../modules/limits/index.js';
import { allocateOrder } from './allocate-order.js';
import { openReservations, releaseUnits } from './inventory-port.js';
import { restockFromStaging } from './pick-execution.js';

export interface CancelInput {
  lines?: { line_id: string; qty: number }[] | undefined;
  reason: string;
}

/** Releases the reservations behind cancelled units: from the warehouses whose work was cancelled, then any other open ones of the line. */
async function releaseFor(tx: Tx, orderId: string, cancelled: { warehouse_id: string; order_line_id: string; sku_id: string; units: number }[], actor?: string): Promise<void> {
  const open = await openReservations(tx, orderId);
  for (const c of cancelled) {
    let left = c.units;
    for (const r of open.filter((o) => o.ref_line === c.order_line_id && o.sku_id === c.sku_id && o.warehouse_id === c.warehouse_id)) {
      if (left === 0) break;
      const q = Math.min(left, r.qty);
      await releaseUnits(tx, r.id, q, actor);
      r.qty -= q;
      left -= q;
    }
  }
}

/**
 * Cancels a whole order or some units of its lines: warehouse work not yet fully picked is cancelled (unpicked
 * pick lines dropped, units already picked moved from staging back to their bin) and its stock released; units of
 * picked, packed or shipped work cannot be cancelled (409). Holds close with a whole cancel.
 */
export async function cancelOrder(db: Db, orderId: string, input: CancelInput, actor?: string): Promise<OrderRow> {
  return withTx(db, async (tx) => {
    let order = await lockOrder(tx, orderId);
    if (order.status === 'cancelled') return order;
    if (!CANCELLABLE.includes(order.status)) {
      throw new AppError('conflict', 'cannot_cancel_shipped', `Order ${order.number} is ${order.status}; shipped goods are returned, not cancelled`, { order_id: orderId, status: order.status });
    }
    const lines = await getOrderLines(tx, orderId);
    const whole = !input.lines || input.lines.length === 0;
    const want = whole
      ? lines.map((l) => ({ line_id: l.id, qty: l.qty - l.qty_cancelled - l.qty_shipped })).filter((w) => w.qty > 0)
      : input.lines!;
    const fromWork: { order_line_id: string; qty: number }[] = [];
    for (const w of want) {
      const line = lines.find((l) => l.id === w.line_id);
      if (!line) throw new AppError('not_found', 'line_not_found', `Order ${order.number} has no line ${w.line_id}`, { line_id: w.line_id });
      const open = line.qty - line.qty_cancelled - line.qty_shipped;
      if (w.qty > open) {
        throw new AppError('conflict', 'qty_exceeds_open', `Line ${line.line_no} has only ${open} open unit(s)`, { line_id: w.line_id, requested: w.qty });
      }
      // Units in work that is picked or later cannot be pulled back: they ship, and come back as a return.
      const picked = await lineUnitsInWork(tx, orderId, line.id, STARTED);
      if (w.qty > open - picked) {
        throw new AppError('conflict', 'cannot_cancel_picked', `${w.qty - (open - picked)} unit(s) of line ${line.line_no} are already being picked`, { line_id: line.id, picked });
      }
      // Backordered units (in no warehouse's work) go first: cancelling them frees no stock and keeps what is reserved.
      const inWork = await lineUnitsInWork(tx, orderId, line.id, UNPICKED);
      const backordered = open - picked - inWork;
      fromWork.push({ order_line_id: line.id, qty: Math.max(0, w.qty - backordered) });
    }
    // Purchase-limit allowance back first (counters are locked before stock rows, as in capture). Lines someone else
    // fulfils were never counted (applyPurchaseLimits skips them), so their units give nothing back.
    await returnPurchaseUnits(tx, orderId, want.map((w) => {
      const line = lines.find((l) => l.id === w.line_id)!;
      return { sku_id: line.fulfilled_externally ? null : line.sku_id, qty: w.qty };
    }));
    const cancelledWork = await cancelUnpickedWork(tx, orderId, fromWork.filter((f) => f.qty > 0), actor);
    await restockFromStaging(tx, cancelledWork.restock, actor);
    await releaseFor(tx, orderId, cancelledWork.cancelled, actor);
    for (const w of want) await cancelLineUnits(tx, orderId, w.line_id, w.qty);
    await recordOrderEvent(tx, orderId, 'cancelled', whole ? `Cancelled: ${input.reason}` : `Cancelled ${want.reduce((s, w) => s + w.qty, 0)} unit(s): ${input.reason}`, { reason: input.reason, lines: want, whole }, actor);

    const after = await getOrderLines(tx, orderId);
    const open = after.reduce((s, l) => s + l.qty - l.qty_cancelled - l.qty_shipped, 0);
    if (open === 0) {
      await closeOpenHolds(tx, orderId, actor);
      return transitionOrder(tx, order, 'cancelled', `Order cancelled: ${input.reason}`, { reason: input.reason }, actor);
    }
    if (['allocated', 'partially_allocated', 'backordered'].includes(order.status)) {
      order = await reconcile(tx, order, actor);
    }
    return order;
  });
}

const STARTED = ['picked', 'packing', 'packed', 'shipped'];
const UNPICKED = ['pending', 'released', 'picking'];

/** Units of an order line (whole kits for a kit line) held in fulfillment work of the given statuses. */
async function lineUnitsInWork(tx: Tx, orderId: string, lineId: string, statuses: string[]): Promise<number> {
  const r = await sql<{ units: number | null }>`
    SELECT min(floor(work / per))::int AS units FROM (
      SELECT l.sku_id, sum(l.qty - l.qty_cancelled) AS work, coalesce(k.qty, 1) AS per
      FROM fulfillment_orders f
      JOIN fulfillment_order_lines l ON l.fulfillment_order_id = f.id
      JOIN order_lines ol ON ol.id = l.order_line_id
      LEFT JOIN kit_components k ON k.kit_sku_id = ol.sku_id AND k.component_sku_id = l.sku_id
      WHERE f.order_id = ${orderId} AND l.order_line_id = ${lineId} AND f.status = ANY(${statuses})
      GROUP BY l.sku_id, k.qty) x`.execute(tx);
  return r.rows[0]?.units ?? 0;
}

/** After a partial cancel, the order's status follows what is still reserved. */
async function reconcile(tx: Tx, order: OrderRow, actor?: string): Promise<OrderRow> {
  const lines = (await getOrderLines(tx, order.id)).filter((l) => l.needs_shipping && !l.fulfilled_externally && l.sku_id);
  const toShip = lines.reduce((s, l) => s + l.qty - l.qty_cancelled - l.qty_shipped, 0);
  const reserved = (await openReservations(tx, order.id)).reduce((s, r) => s + r.qty, 0);
  const next = allocationStatus(toShip, Math.min(reserved, toShip));
  return next === order.status ? order : transitionOrder(tx, order, next, 'Allocation after the cancellation', {}, actor);
}

/** Releases one hold; when none is left the order continues: back to pending, then routed and reserved. */
export async function releaseOrderHold(db: Db, orderId: string, holdId: string, actor?: string): Promise<OrderRow> {
  return withTx(db, async (tx) => {
    const order = await lockOrder(tx, orderId);
    const left = await releaseHold(tx, orderId, holdId, actor);
    if (left > 0 || order.status !== 'on_hold') return order;
    const pending = await transitionOrder(tx, order, 'pending', 'All holds released', {}, actor);
    return allocateOrder(tx, pending, actor);
  });
}

/** Retries allocation of a backordered or partially allocated order (new stock may have arrived). */
export async function reallocateOrder(db: Db, orderId: string, actor?: string): Promise<OrderRow> {
  return withTx(db, async (tx) => {
    const order = await lockOrder(tx, orderId);
    if (!['backordered', 'partially_allocated', 'allocated'].includes(order.status)) {
      throw new AppError('conflict', 'invalid_transition', `Order ${order.number} is ${order.status}; only backordered or partially allocated orders are re-allocated`, { status: order.status });
    }
    return allocateOrder(tx, order, actor);
  });
}

/** Edits before picking: shipping address, priority, and line quantities down (cancelling those units). */
export async function editOrder(db: Db, orderId: string, edit: OrderEdit & { lines?: { line_id: string; qty: number }[] | undefined }, actor?: string): Promise<OrderRow> {
  const reduce = await withTx(db, async (tx) => {
    const order = await lockOrder(tx, orderId);
    if (!EDITABLE.includes(order.status) || (await hasStartedWork(tx, orderId))) {
      throw new AppError('conflict', 'order_not_editable', `Order ${order.number} is ${order.status}; it can be edited only before picking`, { status: order.status });
    }
    if (edit.shipping_address && !isValidPostalCode(edit.shipping_address.country, edit.shipping_address.postal_code)) {
      throw new AppError('invalid', 'undeliverable_postal_code', `${edit.shipping_address.postal_code} is not a valid postal code for ${edit.shipping_address.country}`, {});
    }
    const lines = await getOrderLines(tx, orderId);
    const cuts: { line_id: string; qty: number }[] = [];
    for (const l of edit.lines ?? []) {
      const line = lines.find((x) => x.id === l.line_id);
      if (!line) throw new AppError('not_found', 'line_not_found', `Order ${order.number} has no line ${l.line_id}`, { line_id: l.line_id });
      const current = line.qty - line.qty_cancelled;
      if (l.qty > current) throw new AppError('invalid', 'qty_increase_not_allowed', `Line ${line.line_no} can only go down (now ${current})`, { line_id: l.line_id, current });
      if (l.qty < current) cuts.push({ line_id: l.line_id, qty: current - l.qty });
    }
    if (edit.shipping_address || edit.priority) await updateOrderDetails(tx, order, { shipping_address: edit.shipping_address, priority: edit.priority }, actor);
    return cuts;
  });
  if (reduce.length > 0) return cancelOrder(db, orderId, { lines: reduce, reason: 'quantity reduced by edit' }, actor);
  return withTx(db, (tx) => lockOrder(tx, orderId));
}
