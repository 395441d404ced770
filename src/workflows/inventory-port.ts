import type { Executor } from '../db/database.js';
import * as inventory from '../modules/inventory/index.js';

/**
 * What the order workflows need from inventory, in their words. Everything goes through the inventory
 * module's guarded commands; this file only adapts shapes.
 */

export interface OpenReservation {
  id: string;
  ref_line: string;
  sku_id: string;
  warehouse_id: string;
  qty: number;
}

/** Sellable units (on hand − reserved) per warehouse and SKU. */
export async function availability(tx: Executor, skuIds: string[]): Promise<Map<string, Map<string, number>>> {
  const rows = await inventory.availabilityFor(tx, skuIds);
  const out = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const m = out.get(r.warehouse_id) ?? new Map<string, number>();
    m.set(r.sku_id, r.available);
    out.set(r.warehouse_id, m);
  }
  return out;
}

/** Reserves for an order; partial mode takes what is there, all-or-nothing throws insufficient_stock. Returns reserved units per (line, sku). */
export async function reserveForOrder(
  tx: Executor,
  orderId: string,
  lines: { ref_line: string; sku_id: string; warehouse_id: string; qty: number }[],
  mode: 'partial' | 'all_or_nothing',
  actor?: string,
): Promise<Map<string, number>> {
  const result = await inventory.reserve(tx, { ref: orderId, lines, mode, actor });
  const got = new Map<string, number>();
  for (const l of lines) got.set(`${l.ref_line}|${l.sku_id}`, (got.get(`${l.ref_line}|${l.sku_id}`) ?? 0) + l.qty);
  for (const s of result.short) got.set(`${s.ref_line}|${s.sku_id}`, (got.get(`${s.ref_line}|${s.sku_id}`) ?? 0) - (s.requested - s.reserved));
  return got;
}

/** The order's open reservations. */
export async function openReservations(tx: Executor, orderId: string): Promise<OpenReservation[]> {
  const list = await inventory.listReservations(tx, { ref: orderId, status: 'open', limit: 10_000 });
  return list.map((r) => ({ id: r.id, ref_line: r.ref_line, sku_id: r.sku_id, warehouse_id: r.warehouse_id, qty: r.qty }));
}

/** Releases units of one reservation (the rest stays open). */
export async function releaseUnits(tx: Executor, reservationId: string, qty: number, actor?: string): Promise<void> {
  await inventory.release(tx, { reservation_ids: [reservationId], qty, actor });
}
