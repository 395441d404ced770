import { describe, expect, it } from 'vitest';
import { simulateRouting, type SimOrder } from './simulate.js';
import type { RoutingRules } from './routing.types.js';

const near = { warehouse_id: 'wh_near', code: 'NEAR', priority: 100, lat: 12.97, lng: 77.59, timezone: 'Asia/Kolkata', cutoff_time: null, type: 'own' as const };
const far = { warehouse_id: 'wh_far', code: 'FAR', priority: 1, lat: 28.61, lng: 77.2, timezone: 'Asia/Kolkata', cutoff_time: null, type: 'own' as const };
const order = (i: number, lines: [string, number][]): SimOrder => ({
  id: `o${i}`, channel_id: null, created_at: new Date(Date.UTC(2026, 10, 1, 0, i)), priority: 'normal', promised_ship_by: null, promised_deliver_by: null, currency: 'INR',
  destination: { postal_code: '560001', country: 'IN', point: { lat: 12.97, lng: 77.59, precision: 'postal_code' } },
  demand: lines.map(([sku, qty], n) => ({ line_id: `o${i}l${n}`, qty, components: [{ sku_id: sku, qty: 1 }] })),
});
const byPriority: RoutingRules = { mode: 'strict', rules: [{ rule: 'fewest_shipments' }, { rule: 'warehouse_priority' }] };
const byDistance: RoutingRules = { mode: 'strict', rules: [{ rule: 'fewest_shipments' }, { rule: 'nearest' }] };

describe('routing simulation (pure)', () => {
  it('replays in creation order, each rule set using up its own copy of the stock', () => {
    const pool = new Map([['wh_near', new Map([['A', 1]])], ['wh_far', new Map([['A', 5]])]]);
    const orders = [order(2, [['A', 1]]), order(1, [['A', 1]])];
    const r = simulateRouting(orders, [near, far], pool, () => byPriority, () => byDistance);
    // Priority: FAR (priority 1) ships both. Nearest: o1 (created first) takes NEAR's only unit, o2 goes to FAR.
    expect(r.live).toMatchObject({ orders: 2, shipments: 2, split_orders: 0, backordered_orders: 0, shipments_by_warehouse: { FAR: 2 } });
    expect(r.proposed).toMatchObject({ orders: 2, shipments: 2, shipments_by_warehouse: { NEAR: 1, FAR: 1 } });
    expect(r.proposed.distance_km).toBeLessThan(r.live.distance_km);
    expect(r.orders_changed).toBe(1);
    expect(r.examples).toEqual([{ order_id: 'o1', live: ['FAR'], proposed: ['NEAR'] }]);
    // The caller's pool is untouched.
    expect(pool.get('wh_near')!.get('A')).toBe(1);
  });

  it('counts backorders and takes kit components out of the pool', () => {
    const pool = new Map([['wh_near', new Map([['A', 4], ['B', 1]])]]);
    const kit: SimOrder = { ...order(1, []), demand: [{ line_id: 'k', qty: 2, components: [{ sku_id: 'A', qty: 2 }] }] };
    const r = simulateRouting([kit, order(2, [['A', 1], ['B', 2]])], [near], pool, () => byPriority, () => ({ ...byPriority, allow_backorder: false }));
    expect(r.live).toMatchObject({ orders: 2, shipments: 2, backordered_orders: 1, backordered_units: 2, orders_fully_served: 1 });
    // allow_backorder false: the second order reserves nothing rather than part.
    expect(r.proposed).toMatchObject({ orders: 2, shipments: 1, backordered_orders: 1, backordered_units: 3 });
  });
});
