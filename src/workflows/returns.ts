import { withTx, type Db, type Executor, type Tx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { canAccessWarehouse, type Principal } from '../modules/auth/index.js';
import { getSku, kitComponents } from '../modules/catalog/index.js';
import { listPackages, resolveScannedItem, shippedLots, shippedUnits } from '../modules/fulfillment/index.js';
import { receiveStock, listBinStock } from '../modules/inventory/index.js';
import { canTransition, getOrderLines, lockOrder, recordOrderEvent, transitionOrder, type OrderRow } from '../modules/orders/index.js';
import * as returns from '../modules/returns/index.js';
import type { Condition, Disposition, Inspected, RefundFacts, ReturnableLine, ReturnRow, ReturnView } from '../modules/returns/index.js';
import { getShipment } from '../modules/shipping/index.js';
import { getBin, getWarehouse, listBins } from '../modules/warehouse/index.js';
import { reallocateWaiting } from './allocate-order.js';

/**
 * Returns as a use case across modules: the order (lock, lines, status), fulfillment (what shipped, from where),
 * returns (the RMA), inventory (stock back in) and catalog (scans, kits). Each command is one transaction that
 * locks the order, then the return — the same order everywhere, so commands on one order run one at a time.
 */

export type Caller = Pick<Principal, 'id' | 'warehouseIds'>;

/** A return the caller may see: outside the caller's warehouses it does not exist for them (404). */
export async function getReturnFor(db: Executor, caller: Caller, id: string): Promise<ReturnView> {
  const view = await returns.getReturn(db, id);
  if (!canAccessWarehouse(caller as Principal, view.warehouse_id)) throw new AppError('not_found', 'return_not_found', `Return ${id} was not found`, { return_id: id });
  return view;
}

/** Locks the return's order and then the return, after the scope check. */
export async function lockBoth(tx: Tx, caller: Caller, id: string): Promise<{ order: OrderRow; ret: ReturnRow }> {
  const seen = await getReturnFor(tx, caller, id);
  const order = await lockOrder(tx, seen.order_id);
  return { order, ret: await returns.lockReturn(tx, id) };
}

/** Shipped units per order line, with the SKU the line sells (lines without a SKU cannot come back through a warehouse). */
export async function returnableLines(tx: Executor, orderId: string): Promise<ReturnableLine[]> {
  const shipped = await shippedUnits(tx, orderId);
  const lines = await getOrderLines(tx, orderId);
  return lines.filter((l) => l.sku_id && (shipped.get(l.id) ?? 0) > 0).map((l) => ({ line_id: l.id, line_no: l.line_no, sku_id: l.sku_id!, shipped: shipped.get(l.id)! }));
}

/** The warehouse that shipped most of these lines' units: where the goods go back by default. */
async function shippingWarehouse(tx: Executor, orderId: string, lineIds: string[]): Promise<string | undefined> {
  const units = new Map<string, number>();
  for (const p of await listPackages(tx, { order_id: orderId })) {
    if (p.status !== 'shipped') continue;
    const n = p.items.filter((i) => lineIds.includes(i.order_line_id)).reduce((s, i) => s + i.qty, 0);
    if (n > 0) units.set(p.warehouse_id, (units.get(p.warehouse_id) ?? 0) + n);
  }
  return [...units.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

async function returnWarehouse(tx: Executor, caller: Caller, orderId: string, lineIds: string[], requested: string | undefined): Promise<string> {
  const id = requested ? (await getWarehouse(tx, requested)).id : await shippingWarehouse(tx, orderId, lineIds);
  if (!id) throw new AppError('conflict', 'nothing_shipped', `Order ${orderId} has no shipped package for these lines`, { order_id: orderId });
  if (!canAccessWarehouse(caller as Principal, id)) throw new AppError('not_found', 'warehouse_not_found', `Warehouse ${requested ?? id} was not found`, { warehouse: requested ?? id });
  return id;
}

export interface CreateReturnRequest {
  order_id: string;
  lines: { line_id: string; qty: number; reason: string }[];
  warehouse_id?: string | undefined;
  refund_shipping?: boolean | undefined;
  note?: string | undefined;
}

/** Opens a customer return (RMA) for shipped units of an order; `return.created`, and a line on the order's timeline. */
export async function createCustomerReturn(db: Db, caller: Caller, req: CreateReturnRequest): Promise<ReturnView> {
  return withTx(db, async (tx) => {
    const order = await lockOrder(tx, req.order_id);
    const returnable = await returnableLines(tx, order.id);
    const unknown = req.lines.find((l) => !returnable.some((r) => r.line_id === l.line_id));
    if (unknown) throw new AppError('not_found', 'line_not_found', `Order ${order.number} has no shipped line ${unknown.line_id}`, { order_id: order.id, line_id: unknown.line_id });
    const warehouseId = await returnWarehouse(tx, caller, order.id, req.lines.map((l) => l.line_id), req.warehouse_id);
    const view = await returns.createReturn(tx, {
      order_id: order.id, order_number: order.number, type: 'customer', warehouse_id: warehouseId, currency: order.currency, refund_shipping: req.refund_shipping,
      note: req.note, lines: req.lines,
    }, returnable, caller.id);
    await recordOrderEvent(tx, order.id, 'return_created', `Return ${view.number} opened for ${units(view)} unit(s)`, { return_id: view.id, type: 'customer', warehouse_id: warehouseId }, caller.id);
    return view;
  });
}

const units = (v: ReturnView): number => v.lines.reduce((s, l) => s + l.qty, 0);

/** What a scan may name: a return line's SKU by code, id or GTIN (leading zeros ignored, as at picking and packing). */
async function resolveScan(tx: Executor, ret: ReturnView, code: string): Promise<string> {
  const item = await resolveScannedItem(tx, code);
  if (item && ret.lines.some((l) => l.sku_id === item.id)) return item.id;
  throw new AppError('conflict', 'sku_not_in_return', `${code} is not an item of return ${ret.number}`, { return_id: ret.id, sku_or_barcode: code });
}

/** After units come back, the order follows: partially_returned, or returned when everything shipped is back. */
async function followOrder(tx: Tx, order: OrderRow, actor?: string): Promise<void> {
  const shipped = [...(await shippedUnits(tx, order.id)).values()].reduce((s, n) => s + n, 0);
  const back = [...(await returns.receivedByLine(tx, order.id)).values()].reduce((s, n) => s + n, 0);
  if (back === 0) return;
  const target = back >= shipped && order.status !== 'partially_shipped' ? 'returned' : 'partially_returned';
  // An order whose shipping status was not recorded (or that moved on) keeps its status; the timeline still says it.
  if (order.status !== target && canTransition(order.status, target)) {
    await transitionOrder(tx, order, target, `${back} of ${shipped} shipped unit(s) returned`, { returned_units: back, shipped_units: shipped }, actor);
  }
}

export interface ReceiveRequest {
  lines: { sku_or_barcode: string; qty: number }[];
}

/** Records units scanned at the return warehouse. They are not stock yet: they enter stock at inspection. */
export async function receiveReturn(db: Db, caller: Caller, id: string, req: ReceiveRequest): Promise<ReturnView> {
  return withTx(db, async (tx) => {
    const { order, ret } = await lockBoth(tx, caller, id);
    const current = await returns.getReturn(tx, id);
    const bySku = new Map<string, number>();
    for (const l of req.lines) {
      const skuId = await resolveScan(tx, current, l.sku_or_barcode);
      bySku.set(skuId, (bySku.get(skuId) ?? 0) + l.qty);
    }
    const { view, received } = await returns.recordReceipt(tx, ret, [...bySku].map(([sku_id, qty]) => ({ sku_id, qty })), caller.id);
    await recordOrderEvent(tx, order.id, 'return_received', `Return ${view.number}: ${received.reduce((s, r) => s + r.qty, 0)} unit(s) received`, { return_id: id, lines: received }, caller.id);
    await followOrder(tx, order, caller.id);
    return view;
  });
}

export interface InspectRequest {
  lines: { line_id: string; qty?: number | undefined; condition: Condition; disposition: Disposition; bin?: string | undefined; note?: string | undefined }[];
}

/** The refund facts of an order: its lines' prices, discounts and taxes, the order-level discount and shipping. */
async function refundFacts(tx: Executor, order: OrderRow, ret: ReturnRow): Promise<RefundFacts> {
  const lines = await getOrderLines(tx, order.id);
  const lineDiscounts = lines.reduce((s, l) => s + l.discount_amount, 0);
  return {
    taxes_included: order.channel_data.taxes_included === true,
    order_discount_amount: Math.max(0, order.discount_amount - lineDiscounts),
    shipping_amount: order.shipping_amount,
    // A parcel that came back undelivered on a cash-on-delivery order was never paid for.
    refunds_enabled: !(ret.type === 'rto' && order.payment_method === 'cod'),
    lines: lines.map((l) => ({ line_id: l.id, line_no: l.line_no, qty: l.qty, unit_price_amount: l.unit_price_amount, discount_amount: l.discount_amount, tax_amount: l.tax_amount })),
  };
}

/**
 * Where restocked units of a SKU go when no bin is given: a pickable bin already holding the SKU, else the first
 * pickable bin in walk order (bins under a cycle count are skipped).
 */
export async function suggestRestockBin(tx: Executor, warehouseId: string, skuId: string): Promise<string> {
  const bins = (await listBins(tx, warehouseId)).filter((b) => b.pickable && b.active).sort((a, b) => a.walk_sequence - b.walk_sequence || a.code.localeCompare(b.code));
  const stock = await listBinStock(tx, { warehouse_id: warehouseId, sku_id: skuId, include_empty: true });
  const counting = new Set(stock.filter((s) => s.under_count).map((s) => s.bin_id));
  const holding = new Set(stock.filter((s) => s.state === 'available' && s.qty > 0).map((s) => s.bin_id));
  const usable = bins.filter((b) => !counting.has(b.id));
  const pick = usable.find((b) => holding.has(b.id)) ?? usable[0];
  if (!pick) throw new AppError('conflict', 'no_restock_bin', `Warehouse ${warehouseId} has no pickable bin to restock into; give a bin`, { warehouse_id: warehouseId });
  return pick.id;
}

type Stocked = { sku_id: string; bin_id: string | null; qty: number; state: 'available' | 'quarantine'; lot: string; expires_on: string | null };

/**
 * The lots inspected units came from: the lots their order line's units shipped from (recorded at shipping; for a
 * return to origin, its parcel's), less what earlier inspections took back, earliest expiry first — the scan does not
 * read lots, so with several lots on a line the earliest-expiring go back first. Units beyond that (shipped by a 3PL,
 * or before lots were recorded) get the default lot, `known: false`.
 */
async function lotsFor(tx: Tx, ret: ReturnRow, inspected: Inspected[]): Promise<Map<number, { sku_id: string; lot: string; expires_on: string | null; known: boolean; qty: number }[]>> {
  const packageId = ret.type === 'rto' && ret.shipment_id ? (await getShipment(tx, ret.shipment_id)).package_id : undefined;
  const [shipped, back] = await Promise.all([shippedLots(tx, ret.order_id, packageId), returns.returnedLots(tx, ret.order_id, packageId ? ret.id : undefined)]);
  const key = (line: string, sku: string, lot: string) => `${line}\u0000${sku}\u0000${lot}`;
  const taken = new Map(back.map((b) => [key(b.order_line_id, b.sku_id, b.lot), b.qty]));
  const pool = shipped.map((s) => ({ ...s, qty: Math.max(0, s.qty - (taken.get(key(s.order_line_id, s.sku_id, s.lot)) ?? 0)) }));
  const kits = await kitComponents(tx, [...new Set(inspected.map((i) => i.sku_id))]);
  const out = new Map<number, { sku_id: string; lot: string; expires_on: string | null; known: boolean; qty: number }[]>();
  for (const i of inspected) {
    const rows: { sku_id: string; lot: string; expires_on: string | null; known: boolean; qty: number }[] = [];
    // A kit comes back as its components: stock (and lots) are only ever kept per component SKU.
    for (const part of kits.get(i.sku_id) ?? [{ sku_id: i.sku_id, qty: 1 }]) {
      let left = i.qty * part.qty;
      for (const p of pool) {
        if (left === 0) break;
        if (p.order_line_id !== i.line_id || p.sku_id !== part.sku_id || p.qty === 0) continue;
        const q = Math.min(left, p.qty);
        rows.push({ sku_id: part.sku_id, lot: p.lot, expires_on: p.expires_on, known: true, qty: q });
        p.qty -= q;
        left -= q;
      }
      if (left > 0) rows.push({ sku_id: part.sku_id, lot: '', expires_on: null, known: false, qty: left });
    }
    out.set(i.inspection_id, rows);
  }
  return out;
}

/**
 * Puts inspected units into stock through the inventory module, into the lot (with its expiry) they shipped from:
 * restock as available, quarantine as quarantine; scrap adds nothing. Every verdict's lots are recorded on the
 * return; units whose lot is unknown go to the default lot and the order's timeline says so.
 */
async function stockInspected(tx: Tx, order: OrderRow, ret: ReturnRow, inspected: Inspected[], actor?: string): Promise<Stocked[]> {
  if (inspected.length === 0) return [];
  const lots = await lotsFor(tx, ret, inspected);
  await returns.recordInspectionLots(tx, inspected.flatMap((i) => lots.get(i.inspection_id)!.map((l) => ({ inspection_id: i.inspection_id, ...l }))));
  const lines: Stocked[] = [];
  for (const i of inspected.filter((x) => x.disposition !== 'scrap')) {
    const state = i.disposition === 'restock' ? 'available' : 'quarantine';
    const bins = new Map<string, string | null>();
    for (const l of lots.get(i.inspection_id)!) {
      if (!bins.has(l.sku_id)) bins.set(l.sku_id, i.bin_id ?? (state === 'available' ? await suggestRestockBin(tx, ret.warehouse_id, l.sku_id) : null));
      lines.push({ sku_id: l.sku_id, bin_id: bins.get(l.sku_id)!, qty: l.qty, state, lot: l.lot, expires_on: l.expires_on });
    }
  }
  if (lines.length > 0) await receiveStock(tx, { warehouse_id: ret.warehouse_id, lines: lines.map((l) => ({ ...l, expires_on: l.expires_on ?? undefined })), reference: ret.id, actor });
  const unknown = inspected.flatMap((i) => lots.get(i.inspection_id)!.filter((l) => !l.known).map((l) => ({ ...l, disposition: i.disposition })));
  if (unknown.length > 0) {
    const skus = await skuCodes(tx, [...new Set(unknown.map((u) => u.sku_id))]);
    const what = unknown.map((u) => `${u.qty} × ${skus.get(u.sku_id) ?? u.sku_id} (${u.disposition})`).join(', ');
    await recordOrderEvent(tx, order.id, 'return_lot_unknown', `Return ${ret.number}: the lot these units shipped from was not recorded (shipped by a 3PL or before lots were tracked); they went back without a lot: ${what}`,
      { return_id: ret.id, lines: unknown.map((u) => ({ sku_id: u.sku_id, qty: u.qty, disposition: u.disposition })) }, actor);
  }
  return lines;
}

async function skuCodes(tx: Tx, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const id of ids) out.set(id, (await getSku(tx, id)).sku);
  return out;
}

export interface InspectResult {
  return: ReturnView;
  refund: { amount: number; currency: string; shipping_amount: number };
  stocked: Stocked[];
  /** Waiting orders whose allocation changed because restocked units became available. */
  reallocated: number;
}

/**
 * Inspects received units: each verdict's disposition puts them back in stock (restock: available at the given or
 * a suggested bin; quarantine: not sellable), or records them scrapped. Refunds for inspected units are computed and
 * emitted (`return.refund_due`). After commit, orders waiting for stock are re-allocated.
 */
export async function inspectReturn(db: Db, caller: Caller, id: string, req: InspectRequest): Promise<InspectResult> {
  const done = await withTx(db, async (tx) => {
    const { order, ret } = await lockBoth(tx, caller, id);
    const entries = [];
    for (const l of req.lines) {
      const bin = l.bin !== undefined && l.disposition !== 'scrap' ? (await getBin(tx, ret.warehouse_id, l.bin)).id : null;
      entries.push({ line_id: l.line_id, qty: l.qty, condition: l.condition, disposition: l.disposition, bin_id: bin, note: l.note });
    }
    const result = await returns.recordInspection(tx, ret, entries, await refundFacts(tx, order, ret), caller.id);
    const stocked = await stockInspected(tx, order, ret, result.inspected, caller.id);
    const summary = (['restock', 'quarantine', 'scrap'] as const).map((d) => `${result.inspected.filter((i) => i.disposition === d).reduce((s, i) => s + i.qty, 0)} ${d}`).join(', ');
    await recordOrderEvent(tx, order.id, 'return_inspected', `Return ${ret.number} inspected: ${summary}${result.refund.amount > 0 ? `; refund due ${result.refund.amount} ${result.refund.currency}` : ''}`, {
      return_id: id, lines: result.inspected, refund_amount: result.refund.amount, currency: result.refund.currency,
    }, caller.id);
    // Read again: the view recordInspection returned predates the lots recorded with the stock.
    return { view: await returns.getReturn(tx, id), refund: result.refund, stocked };
  });
  let reallocated = 0;
  if (done.stocked.some((s) => s.state === 'available')) {
    // The inspection has committed; if this fails, the background job retries the same orders within its interval.
    reallocated = await reallocateWaiting(db).catch(() => 0);
  }
  return { return: done.view, refund: { amount: done.refund.amount, currency: done.refund.currency, shipping_amount: done.refund.shipping_amount }, stocked: done.stocked, reallocated };
}

/** Cancels a return nothing has arrived for. */
export async function cancelReturn(db: Db, caller: Caller, id: string, reason: string): Promise<ReturnView> {
  return withTx(db, async (tx) => {
    const { order, ret } = await lockBoth(tx, caller, id);
    const view = await returns.cancelReturn(tx, ret, reason, caller.id);
    if (ret.status !== 'cancelled') await recordOrderEvent(tx, order.id, 'return_cancelled', `Return ${ret.number} cancelled: ${reason}`, { return_id: id, reason }, caller.id);
    return view;
  });
}

/** Closes a return once every received unit is inspected; units that never came back may go on another return. */
export async function closeReturn(db: Db, caller: Caller, id: string): Promise<ReturnView> {
  return withTx(db, async (tx) => {
    const { order, ret } = await lockBoth(tx, caller, id);
    const view = await returns.closeReturn(tx, ret, caller.id);
    if (ret.status !== 'closed') await recordOrderEvent(tx, order.id, 'return_closed', `Return ${ret.number} closed; refunded ${view.refund_amount} ${view.currency}`, { return_id: id, refund_amount: view.refund_amount }, caller.id);
    return view;
  });
}
