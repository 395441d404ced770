import type { Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import type { Principal } from '../modules/auth/index.js';
import type { FulfillmentOrderView } from '../modules/fulfillment/index.js';
import { selectOrderView, type OrderDetail } from '../modules/orders/index.js';

/** Units of each shippable line that no warehouse holds for it (whole kits for a kit line). */
function backorderedUnits(detail: OrderDetail, reservations: { ref_line: string; sku_id: string; qty: number }[], comps: Map<string, { sku_id: string; qty: number }[]>): { line_id: string; qty: number }[] {
  const lines = detail.lines.filter((l) => l.needs_shipping && !l.fulfilled_externally && l.sku_id);
  const out: { line_id: string; qty: number }[] = [];
  for (const l of lines) {
    if (!['allocated', 'partially_allocated', 'backordered'].includes(detail.status)) break;
    const parts = comps.get(l.sku_id!) ?? [{ sku_id: l.sku_id!, qty: 1 }];
    const held = Math.min(...parts.map((p) => Math.floor(reservations.filter((r) => r.ref_line === l.id && r.sku_id === p.sku_id).reduce((s, r) => s + r.qty, 0) / p.qty)));
    const short = l.qty - l.qty_cancelled - l.qty_shipped - held;
    if (short > 0) out.push({ line_id: l.id, qty: short });
  }
  return out;
}

export interface OrderView extends OrderDetail {
  fulfillment_orders: FulfillmentOrderView[];
  allocations: { warehouse_id: string; lines: { line_id: string; sku_id: string; qty: number }[] }[];
  backordered: { line_id: string; qty: number }[];
  routing: { strategy: string; reasons: unknown; notes: unknown; decided_at: Date } | null;
}

/**
 * An order as the API shows it: lines, money, holds, timeline, where its stock is reserved, its fulfillment
 * orders and the routing explanation — read in one statement (`selectOrderView`). A caller limited to warehouses
 * sees only orders with work in them (404 otherwise).
 */
export async function orderView(db: Db, id: string, principal?: Principal): Promise<OrderView> {
  const v = await selectOrderView(db, id);
  const notFound = () => new AppError('not_found', 'order_not_found', `Order ${id} was not found`, { order_id: id });
  if (!v) throw notFound();
  const { detail, fulfillmentOrders: fos, decision, reservations } = v;
  if (principal && principal.warehouseIds !== null && !fos.some((f) => principal.warehouseIds!.includes(f.warehouse_id))) throw notFound();
  const byWh = new Map<string, { line_id: string; sku_id: string; qty: number }[]>();
  for (const r of reservations) byWh.set(r.warehouse_id, [...(byWh.get(r.warehouse_id) ?? []), { line_id: r.ref_line, sku_id: r.sku_id, qty: r.qty }]);
  return {
    ...detail,
    fulfillment_orders: fos,
    allocations: [...byWh.entries()].map(([warehouse_id, lines]) => ({ warehouse_id, lines })),
    backordered: backorderedUnits(detail, reservations, v.kits),
    routing: decision ? { strategy: decision.strategy, reasons: decision.reasons, notes: decision.notes, decided_at: decision.created_at } : null,
  };
}
