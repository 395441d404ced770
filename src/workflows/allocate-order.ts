import { withTx, type Db, type Tx } from '../db/database.js';
import { kitComponents, resolveSkus } from '../modules/catalog/index.js';
import { addFulfillmentWork } from '../modules/fulfillment/index.js';
import { allocationStatus, getOrderLines, listOrders, lockOrder, recordOrderEvent, setBackorderedUnits, transitionOrder, type InsertedLine, type OrderRow } from '../modules/orders/index.js';
import { haversineKm, loadRoutingRules, locateDestination, recordDecision, rulesPlanner, usesRateCards, type Candidate, type DemandLine, type Destination, type LanePrice } from '../modules/routing/index.js';
import { loadRateCardBook, priceLane } from '../modules/shipping/index.js';
import { listWarehouses } from '../modules/warehouse/index.js';
import { availability, openReservations, reserveForOrder } from './inventory-port.js';

const shippable = (l: InsertedLine): boolean => l.needs_shipping && !l.fulfilled_externally && l.sku_id !== null;

/** Units of each order line that its open reservations cover (a kit line: whole kits only). */
function reservedUnitsByLine(lines: InsertedLine[], comps: Map<string, { sku_id: string; qty: number }[]>, res: { ref_line: string; sku_id: string; qty: number }[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of lines) {
    const parts = comps.get(l.sku_id!) ?? [{ sku_id: l.sku_id!, qty: 1 }];
    let units = Number.POSITIVE_INFINITY;
    for (const p of parts) {
      const held = res.filter((r) => r.ref_line === l.id && r.sku_id === p.sku_id).reduce((s, r) => s + r.qty, 0);
      units = Math.min(units, Math.floor(held / p.qty));
    }
    out.set(l.id, Number.isFinite(units) ? units : 0);
  }
  return out;
}

/**
 * For rules whose `lowest_cost` uses rate cards: the cheapest rate-card price from each warehouse to the order's
 * destination, for a parcel of the weight still to ship (the SKUs' weights × units; SKUs without a weight count
 * 0 g, i.e. the first slab) and, for cash on delivery, the order total to collect. Only the built-in rate-card
 * carriers are priced (no outside call inside the order's transaction). Three reads plus one per SKU list.
 */
async function lanePrices(tx: Tx, order: OrderRow, warehouses: { id: string; address: { postal_code: string }; lat?: number | null; lng?: number | null }[], demand: DemandLine[], destination: Destination): Promise<Map<string, LanePrice>> {
  const lanes = new Map<string, LanePrice>();
  const to = order.shipping_address?.postal_code;
  if (!to) {
    for (const w of warehouses) lanes.set(w.id, { none: 'the order has no destination postal code' });
    return lanes;
  }
  const skus = await resolveSkus(tx, [...new Set(demand.flatMap((d) => d.components.map((c) => c.sku_id)))]);
  const weight = demand.reduce((g, d) => g + d.qty * d.components.reduce((s, c) => s + c.qty * (skus.get(c.sku_id)?.weight_g ?? 0), 0), 0);
  const book = await loadRateCardBook(tx, [to]);
  const point = destination.point ?? null;
  for (const w of warehouses) {
    const km = point && w.lat != null && w.lng != null ? haversineKm({ lat: w.lat, lng: w.lng }, point) : null;
    lanes.set(w.id, priceLane(book, { from_postal: w.address.postal_code, to_postal: to, distance_km: km, weight_g: weight, cod_amount: order.payment_method === 'cod' ? order.total_amount : null, currency: order.currency }));
  }
  return lanes;
}

/**
 * An order its capture has just inserted, in the same transaction: its lines as written, no reservations yet, and
 * whether capture already knows none of its SKUs is a kit — what allocation would otherwise read back.
 */
export interface FreshOrder {
  lines: InsertedLine[];
  noKits: boolean;
}

/**
 * Routes and reserves what an order still needs: plans with the routing planner over live availability,
 * reserves each planned warehouse with guarded updates (a unit another order took meanwhile simply becomes
 * backordered — never oversold), creates fulfillment work, stores the decision with its reasons, and moves
 * the order to allocated / partially_allocated / backordered. Runs inside the caller's transaction with the order locked.
 */
export async function allocateOrder(tx: Tx, order: OrderRow, actor?: string, fresh?: FreshOrder): Promise<OrderRow> {
  const lines = (fresh?.lines ?? (await getOrderLines(tx, order.id))).filter(shippable);
  const kitIds = [...new Set(lines.map((l) => l.sku_id!))];
  const comps = fresh?.noKits ? new Map<string, { sku_id: string; qty: number }[]>() : await kitComponents(tx, kitIds);
  const partsOf = (l: InsertedLine) => comps.get(l.sku_id!)?.map((c) => ({ sku_id: c.sku_id, qty: c.qty })) ?? [{ sku_id: l.sku_id!, qty: 1 }];

  // What the order holds: its open reservations, plus what this call reserves below (the order is locked, so no
  // one else changes its reservations meanwhile — no need to read them back afterwards).
  const held: { ref_line: string; sku_id: string; qty: number }[] = fresh ? [] : await openReservations(tx, order.id);
  const before = reservedUnitsByLine(lines, comps, held);
  const demand: DemandLine[] = [];
  let toShip = 0;
  for (const l of lines) {
    const open = l.qty - l.qty_cancelled - l.qty_shipped;
    toShip += open;
    const need = open - (before.get(l.id) ?? 0);
    if (need > 0) demand.push({ line_id: l.id, qty: need, components: partsOf(l) });
  }

  if (demand.length > 0) {
    const skuIds = [...new Set(demand.flatMap((d) => d.components.map((c) => c.sku_id)))];
    const avail = await availability(tx, skuIds);
    const warehouses = (await listWarehouses(tx, null)).filter((w) => w.active);
    const candidates: Candidate[] = warehouses.map((w) => ({ warehouse_id: w.id, code: w.code, available: avail.get(w.id) ?? new Map(), priority: w.routing_priority, lat: w.lat, lng: w.lng, timezone: w.timezone, cutoff_time: w.cutoff_time, type: w.type }));
    const rules = await loadRoutingRules(tx, order.channel_id);
    const destination = await locateDestination(tx, order.shipping_address);
    const lanes = usesRateCards(rules) ? await lanePrices(tx, order, warehouses, demand, destination) : undefined;
    const plan = rulesPlanner(demand, candidates, { destination, now: new Date(), promised_ship_by: order.promised_ship_by, promised_deliver_by: order.promised_deliver_by, priority: order.priority, channel_id: order.channel_id, currency: order.currency, rules, lanes });
    // A retry that finds nothing new changes nothing and records nothing (the background re-allocation runs often).
    if (plan.allocations.length === 0 && (order.status === 'backordered' || order.status === 'partially_allocated' || order.status === 'partially_shipped')) return order;

    for (const a of plan.allocations) {
      const work: { order_line_id: string; sku_id: string; qty: number }[] = [];
      const planned = a.lines.map((pl) => {
        const d = demand.find((x) => x.line_id === pl.line_id)!;
        const kit = d.components.length > 1 || d.components[0]!.qty > 1;
        return { kit, req: d.components.map((c) => ({ ref_line: d.line_id, sku_id: c.sku_id, warehouse_id: a.warehouse_id, qty: c.qty * pl.qty })) };
      });
      // Plain lines only: one partial reservation for all of them takes exactly what line-by-line calls would
      // (lines of one SKU are served in line order) in one call instead of one per line.
      const batches = planned.some((p) => p.kit) ? planned : [{ kit: false, req: planned.flatMap((p) => p.req) }];
      for (const { kit, req } of batches) {
        if (req.length === 0) continue;
        let got: Map<string, number>;
        try {
          // A kit is reserved whole or not at all; a plain line takes what the shelf still has.
          got = await reserveForOrder(tx, order.id, req, kit ? 'all_or_nothing' : 'partial', actor);
        } catch (err) {
          if ((err as { code?: string }).code !== 'insufficient_stock') throw err;
          got = new Map();
        }
        for (const r of req) {
          const q = got.get(`${r.ref_line}|${r.sku_id}`) ?? 0;
          if (q > 0) {
            work.push({ order_line_id: r.ref_line, sku_id: r.sku_id, qty: q });
            held.push({ ref_line: r.ref_line, sku_id: r.sku_id, qty: q });
          }
        }
      }
      if (work.length > 0) {
        await addFulfillmentWork(tx, { order_id: order.id, warehouse_id: a.warehouse_id, priority: order.priority, dispatch_by: order.dispatch_by, lines: work }, actor);
      }
    }
    await recordDecision(tx, order.id, plan);
    await recordOrderEvent(tx, order.id, 'routed', plan.reasons.map((r) => r.summary).join('; ') || 'No warehouse has stock', { strategy: plan.strategy, allocations: plan.allocations, backordered: plan.backordered, notes: plan.notes }, actor);
  }

  const after = reservedUnitsByLine(lines, comps, held);
  const allocated = [...after.values()].reduce((s, n) => s + n, 0);
  // A fresh order's counter is still its default 0: writing 0 again would be a round trip that changes nothing.
  if (!fresh || toShip - allocated > 0) await setBackorderedUnits(tx, order.id, toShip - allocated);
  // Once something has shipped, the status tells shipping progress; allocation only keeps backordered_units.
  if (order.status === 'partially_shipped') return order;
  const next = allocationStatus(toShip, allocated);
  if (next === order.status) return order;
  const why = next === 'allocated' ? 'All lines reserved' : next === 'partially_allocated' ? `${allocated} of ${toShip} unit(s) reserved; the rest is backordered` : next === 'backordered' ? 'No stock anywhere; backordered' : 'Nothing to ship';
  return transitionOrder(tx, order, next, why, { allocated_units: allocated, units_to_ship: toShip }, actor);
}

/**
 * Orders waiting for stock (backordered units, whatever else has happened to them — a partially shipped order's
 * rest too), most urgent first: the background job retries them as stock arrives.
 */
export async function reallocateWaiting(db: Db, limit = 50): Promise<number> {
  const waiting = await listOrders(db, { limit, backordered: true, sort: 'dispatch_by' });
  let changed = 0;
  for (const o of waiting.data) {
    const after = await withTx(db, async (tx) => allocateOrder(tx, await lockOrder(tx, o.id), 'system:reallocate'));
    if (after.status !== o.status) changed++;
  }
  return changed;
}
