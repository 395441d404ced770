import type { Executor } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { lockPackedPackage, pickedLots, recordShippedLots, type LotUnits, type PackageView } from '../modules/fulfillment/index.js';
import { commitReservation, listBinStock, listReservations } from '../modules/inventory/index.js';
import { stagingBinId } from './staging.js';

/**
 * The stock side of shipping a package: the order's reservations for exactly the package's items are
 * committed (on_hand and reserved go down), the units leaving the warehouse's outbound staging bin where
 * picking put them — from the lots the fulfillment order's own picks put there — and the lots shipped are
 * recorded on the package (a return puts the units back into them). Runs inside the shipping transaction,
 * before `markPackageShipped`.
 */
export async function commitPackedUnits(tx: Executor, pkg: PackageView, actor?: string): Promise<void> {
  // The package as it is now, locked (fulfillment order first): a second shipper waits here and then gets 409.
  const current = await lockPackedPackage(tx, pkg.id, 'shipped');
  const staging = await stagingBinId(tx, current.warehouse_id);
  const open = (await listReservations(tx, { ref: current.order_id, status: 'open', warehouse_ids: [current.warehouse_id], limit: 10_000 }))
    .map((r) => ({ id: r.id, ref_line: r.ref_line, sku_id: r.sku_id, qty: r.qty }));
  const picked = await pickedLots(tx, current.fulfillment_order_id);
  const held = new Map<string, StagedLot[]>();
  const shipped: LotUnits[] = [];
  // SKU order: every shipper locks stock levels in the same order.
  const items = [...current.items].sort((a, b) => a.sku_id.localeCompare(b.sku_id) || a.order_line_id.localeCompare(b.order_line_id));
  for (const item of items) {
    let left = item.qty;
    const own = picked.filter((p) => p.order_line_id === item.order_line_id && p.sku_id === item.sku_id);
    for (const r of open.filter((o) => o.ref_line === item.order_line_id && o.sku_id === item.sku_id && o.qty > 0)) {
      if (left === 0) break;
      const qty = Math.min(left, r.qty);
      const picks = await takeLots(tx, held, own, current, staging, item.sku_id, qty);
      await commitReservation(tx, { reservation_id: r.id, qty, picks: picks.map((p) => ({ bin_id: staging, lot: p.lot, qty: p.qty })), reference: current.order_id, actor });
      shipped.push(...picks.map((p) => ({ order_line_id: item.order_line_id, sku_id: item.sku_id, lot: p.lot, expires_on: p.expires_on, qty: p.qty })));
      r.qty -= qty;
      left -= qty;
    }
    if (left > 0) {
      throw new AppError('conflict', 'reservation_missing', `Order ${current.order_id} has ${item.qty - left} of ${item.qty} unit(s) of SKU ${item.sku_id} reserved for line ${item.order_line_id} at this warehouse; the package cannot ship`,
        { package_id: current.id, order_line_id: item.order_line_id, sku_id: item.sku_id, reserved: item.qty - left, needed: item.qty });
    }
  }
  await recordShippedLots(tx, current.id, shipped);
}

interface StagedLot {
  lot: string;
  expires_on: string | null;
  qty: number;
}

/**
 * Lots of a SKU in the staging bin to take `qty` units from: first the lots this fulfillment order's picks put
 * there (`own`, lowered as they are taken), then — for units whose pick lot is no longer there (moved by hand) —
 * whatever the staging bin holds, earliest expiry first. The guarded take in the commit decides under concurrency.
 */
async function takeLots(tx: Executor, cache: Map<string, StagedLot[]>, own: LotUnits[], pkg: PackageView, staging: string, skuId: string, qty: number): Promise<StagedLot[]> {
  let held = cache.get(skuId);
  if (!held) {
    held = (await listBinStock(tx, { warehouse_id: pkg.warehouse_id, sku_id: skuId, bin_id: staging, state: 'available' })).map((b) => ({ lot: b.lot, expires_on: b.expires_on, qty: b.qty }));
    cache.set(skuId, held);
  }
  const picks: StagedLot[] = [];
  let left = qty;
  const takeFrom = (h: StagedLot, max: number): number => {
    const q = Math.min(left, max, h.qty);
    if (q <= 0) return 0;
    const same = picks.find((p) => p.lot === h.lot);
    if (same) same.qty += q;
    else picks.push({ lot: h.lot, expires_on: h.expires_on, qty: q });
    h.qty -= q;
    left -= q;
    return q;
  };
  for (const o of own) {
    const h = held.find((x) => x.lot === o.lot);
    if (h) o.qty -= takeFrom(h, o.qty);
  }
  for (const h of held) takeFrom(h, left);
  if (left > 0) {
    throw new AppError('conflict', 'insufficient_bin_stock', `The staging bin holds ${qty - left} of the ${qty} unit(s) of SKU ${skuId} package ${pkg.id} needs; were they picked?`,
      { package_id: pkg.id, sku_id: skuId, bin_id: staging, requested: qty, available: qty - left });
  }
  return picks;
}
