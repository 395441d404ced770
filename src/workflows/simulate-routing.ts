import type { Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { kitComponents } from '../modules/catalog/index.js';
import { reservedForRefs } from '../modules/inventory/index.js';
import { ordersForReplay, type OrderForReplay } from '../modules/orders/index.js';
import { loadRoutingRules, locateDestination, simulateRouting, type Destination, type RoutingRules, type SimOrder, type SimResult } from '../modules/routing/index.js';
import { listWarehouses } from '../modules/warehouse/index.js';
import { availability } from './inventory-port.js';

export interface SimulateRequest {
  rules: RoutingRules;
  /** Only this channel's orders are replayed (all channels when absent). */
  channel_id?: string | null | undefined;
  from: Date;
  to: Date;
  limit?: number | undefined;
}

export interface SimulateReport extends SimResult {
  window: { from: Date; to: Date; channel_id: string | null };
  orders_replayed: number;
  /** How the stock pool was built, so a reader knows what the numbers mean. */
  stock_basis: string;
}

export const SIMULATE_MAX_ORDERS = 200_000;

/**
 * What-if routing: replays the orders of a window under their live rules and under a proposed rule set, each over
 * the same stock pool, and reports shipments, splits, backorders, distance and estimated cost for both. Changes
 * nothing. The pool is today's available stock plus what the replayed orders still hold (so their own
 * reservations are not counted twice); warehouses are the active ones with today's settings.
 */
export async function simulateRoutingRules(db: Db, req: SimulateRequest): Promise<SimulateReport> {
  if (!(req.from < req.to)) throw new AppError('invalid', 'validation_failed', 'from must be before to', {}, [{ path: 'body.from', message: 'must be before to' }]);
  const limit = Math.min(req.limit ?? 100_000, SIMULATE_MAX_ORDERS);
  const orders = await ordersForReplay(db, { from: req.from, to: req.to, channel_id: req.channel_id, limit });
  const skuIds = [...new Set(orders.flatMap((o) => o.lines.map((l) => l.sku_id)))];
  const comps = await kitComponents(db, skuIds);
  const stockSkus = [...new Set(skuIds.flatMap((s) => comps.get(s)?.map((c) => c.sku_id) ?? [s]))];

  const pool = await availability(db, stockSkus);
  for (const r of await reservedForRefs(db, orders.map((o) => o.id))) {
    const m = pool.get(r.warehouse_id) ?? new Map<string, number>();
    m.set(r.sku_id, (m.get(r.sku_id) ?? 0) + r.qty);
    pool.set(r.warehouse_id, m);
  }
  const warehouses = (await listWarehouses(db, null)).filter((w) => w.active)
    .map((w) => ({ warehouse_id: w.id, code: w.code, priority: w.routing_priority, lat: w.lat, lng: w.lng, timezone: w.timezone, cutoff_time: w.cutoff_time, type: w.type }));

  const places = new Map<string, Destination>();
  const sim: SimOrder[] = [];
  for (const o of orders) {
    const key = `${o.shipping_address?.country ?? ''}|${o.shipping_address?.postal_code ?? ''}|${o.shipping_address?.state ?? ''}`;
    let destination = places.get(key);
    if (!destination) {
      destination = await locateDestination(db, o.shipping_address);
      places.set(key, destination);
    }
    sim.push(toSimOrder(o, destination, comps));
  }

  const live = new Map<string, RoutingRules>();
  for (const ch of new Set(orders.map((o) => o.channel_id))) live.set(String(ch), await loadRoutingRules(db, ch));
  const result = simulateRouting(sim, warehouses, pool, (o) => live.get(String(o.channel_id))!, () => req.rules);
  return {
    window: { from: req.from, to: req.to, channel_id: req.channel_id ?? null },
    orders_replayed: orders.length,
    stock_basis: 'available stock now, plus the units the replayed orders still hold; active warehouses with their current settings',
    ...result,
  };
}

function toSimOrder(o: OrderForReplay, destination: Destination, comps: Map<string, { sku_id: string; qty: number }[]>): SimOrder {
  return {
    id: o.id, channel_id: o.channel_id, created_at: o.created_at, priority: o.priority, promised_ship_by: o.promised_ship_by, promised_deliver_by: o.promised_deliver_by,
    currency: o.currency, destination,
    demand: o.lines.map((l) => ({ line_id: l.line_id, qty: l.qty, components: comps.get(l.sku_id)?.map((c) => ({ sku_id: c.sku_id, qty: c.qty })) ?? [{ sku_id: l.sku_id, qty: 1 }] })),
  };
}
