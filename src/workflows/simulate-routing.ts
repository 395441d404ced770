import type { Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { kitComponents, resolveSkus } from '../modules/catalog/index.js';
import { loadRateCardBook, priceLane } from '../modules/shipping/index.js';
import { reservedForRefs } from '../modules/inventory/index.js';
import { ordersForReplay, type OrderForReplay } from '../modules/orders/index.js';
import { haversineKm, loadRoutingRules, locateDestination, simulateRouting, usesRateCards, type Destination, type RoutingRules, type SimOrder, type SimResult } from '../modules/routing/index.js';
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
  // Rule sets that price lanes on rate cards get each order's lanes, priced once from one load of the rate cards.
  if (usesRateCards(req.rules) || [...live.values()].some(usesRateCards)) {
    const book = await loadRateCardBook(db, 'all');
    const weights = await resolveSkus(db, stockSkus);
    const active = (await listWarehouses(db, null)).filter((w) => w.active);
    for (const [i, o] of orders.entries()) {
      const s = sim[i]!;
      const to = o.shipping_address?.postal_code;
      const grams = s.demand.reduce((g, d) => g + d.qty * d.components.reduce((x, c) => x + c.qty * (weights.get(c.sku_id)?.weight_g ?? 0), 0), 0);
      const point = s.destination.point ?? null;
      s.lanes = new Map(active.map((w) => [w.id, to
        ? priceLane(book, { from_postal: w.address.postal_code, to_postal: to, distance_km: point && w.lat != null && w.lng != null ? haversineKm({ lat: w.lat, lng: w.lng }, point) : null, weight_g: grams, cod_amount: o.cod_amount, currency: o.currency })
        : { none: 'the order has no destination postal code' }]));
    }
  }
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
