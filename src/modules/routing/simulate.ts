import { rulesPlanner } from './rules-planner.js';
import type { Candidate, DemandLine, Destination, LanePrice, Plan, RoutingRules } from './routing.types.js';

/** One order as the simulator replays it: what it asked for, where it went, when, and under which channel. */
export interface SimOrder {
  id: string;
  channel_id: string | null;
  created_at: Date;
  priority: string;
  promised_ship_by: Date | null;
  promised_deliver_by: Date | null;
  currency: string;
  destination: Destination;
  demand: DemandLine[];
  /** Per warehouse, the priced lane to the destination (when a rule set prices lanes on rate cards). */
  lanes?: Map<string, LanePrice> | undefined;
}

/** What a rule set would have produced over a batch of orders. */
export interface SimTotals {
  orders: number;
  orders_fully_served: number;
  shipments: number;
  split_orders: number;
  backordered_orders: number;
  backordered_units: number;
  /** Σ haversine km warehouse → destination over shipments whose distance is known. */
  distance_km: number;
  shipments_without_distance: number;
  /** Σ estimated shipping cost (distance bands, or rate cards when the rules price lanes) over shipments, per currency (major units). */
  est_cost: Record<string, number>;
  shipments_by_warehouse: Record<string, number>;
}

export interface SimResult {
  live: SimTotals;
  proposed: SimTotals;
  /** Orders whose set of shipping warehouses differs between the two rule sets. */
  orders_changed: number;
  /** A few changed orders, to look at: live warehouses vs proposed warehouses. */
  examples: { order_id: string; live: string[]; proposed: string[] }[];
}

function emptyTotals(): SimTotals {
  return { orders: 0, orders_fully_served: 0, shipments: 0, split_orders: 0, backordered_orders: 0, backordered_units: 0, distance_km: 0, shipments_without_distance: 0, est_cost: {}, shipments_by_warehouse: {} };
}

type Pool = Map<string, Map<string, number>>;

function clonePool(pool: Pool): Pool {
  return new Map([...pool].map(([wh, skus]) => [wh, new Map(skus)]));
}

/** Plans one order against the pool, takes what the plan allocates out of it, and adds the plan to the totals. */
function replay(order: SimOrder, warehouses: Omit<Candidate, 'available'>[], pool: Pool, rules: RoutingRules, totals: SimTotals): Plan {
  const candidates: Candidate[] = warehouses.map((w) => ({ ...w, available: pool.get(w.warehouse_id) ?? new Map() }));
  const plan = rulesPlanner(order.demand, candidates, {
    destination: order.destination, now: order.created_at, promised_ship_by: order.promised_ship_by, promised_deliver_by: order.promised_deliver_by,
    priority: order.priority, channel_id: order.channel_id ?? undefined, currency: order.currency, rules, lanes: order.lanes,
  });
  for (const a of plan.allocations) {
    const stock = pool.get(a.warehouse_id) ?? new Map<string, number>();
    pool.set(a.warehouse_id, stock);
    for (const pl of a.lines) {
      const d = order.demand.find((x) => x.line_id === pl.line_id);
      for (const c of d?.components ?? []) stock.set(c.sku_id, (stock.get(c.sku_id) ?? 0) - c.qty * pl.qty);
    }
    const reason = plan.reasons.find((r) => r.warehouse_id === a.warehouse_id);
    const km = reason?.factors?.distance_km;
    if (km === null || km === undefined) totals.shipments_without_distance++;
    else totals.distance_km += km;
    const cost = reason?.factors?.est_cost;
    if (cost !== null && cost !== undefined) totals.est_cost[order.currency] = (totals.est_cost[order.currency] ?? 0) + cost;
    totals.shipments_by_warehouse[reason?.code ?? a.warehouse_id] = (totals.shipments_by_warehouse[reason?.code ?? a.warehouse_id] ?? 0) + 1;
  }
  const backordered = plan.backordered.reduce((s, b) => s + b.qty, 0);
  totals.orders++;
  totals.shipments += plan.allocations.length;
  if (plan.allocations.length > 1) totals.split_orders++;
  if (backordered > 0) {
    totals.backordered_orders++;
    totals.backordered_units += backordered;
  } else if (plan.allocations.length > 0) totals.orders_fully_served++;
  return plan;
}

/**
 * Replays orders in creation order against a stock pool twice — once under each order's live rules, once under
 * the proposed rules — each with its own copy of the pool, so earlier orders use up stock as they did (or would
 * have). Pure: no clock, no database; the caller decides which orders and which pool.
 */
export function simulateRouting(
  orders: SimOrder[],
  warehouses: Omit<Candidate, 'available'>[],
  pool: Pool,
  liveRules: (order: SimOrder) => RoutingRules,
  proposed: (order: SimOrder) => RoutingRules,
): SimResult {
  const sorted = [...orders].sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.id.localeCompare(b.id));
  const livePool = clonePool(pool);
  const proposedPool = clonePool(pool);
  const result: SimResult = { live: emptyTotals(), proposed: emptyTotals(), orders_changed: 0, examples: [] };
  for (const o of sorted) {
    const a = replay(o, warehouses, livePool, liveRules(o), result.live);
    const b = replay(o, warehouses, proposedPool, proposed(o), result.proposed);
    const codes = (p: Plan) => p.allocations.map((x) => p.reasons.find((r) => r.warehouse_id === x.warehouse_id)?.code ?? x.warehouse_id).sort();
    const la = codes(a);
    const lb = codes(b);
    if (la.join() !== lb.join()) {
      result.orders_changed++;
      if (result.examples.length < 20) result.examples.push({ order_id: o.id, live: la, proposed: lb });
    }
  }
  for (const t of [result.live, result.proposed]) {
    t.distance_km = Math.round(t.distance_km * 10) / 10;
    for (const c of Object.keys(t.est_cost)) t.est_cost[c] = Math.round(t.est_cost[c]! * 100) / 100;
  }
  return result;
}
