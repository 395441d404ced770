import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rulesPlanner } from './rules-planner.js';
import type { Candidate, DemandLine, RoutingRule } from './routing.types.js';

const skus = ['a', 'b', 'c', 'd'];
const demandArb = fc.array(
  fc.record({ qty: fc.integer({ min: 1, max: 6 }), components: fc.uniqueArray(fc.record({ sku_id: fc.constantFrom(...skus), qty: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 2, selector: (c) => c.sku_id }) }),
  { minLength: 1, maxLength: 4 },
);
const candArb = fc.array(fc.record({ stock: fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 4, maxLength: 4 }), priority: fc.integer({ min: 0, max: 3 }), lat: fc.double({ min: 8, max: 30, noNaN: true }), lng: fc.double({ min: 70, max: 90, noNaN: true }) }), { minLength: 0, maxLength: 6 });
const rulesArb = fc.record({
  mode: fc.constantFrom<'strict' | 'weighted'>('strict', 'weighted'),
  allow_split: fc.boolean(),
  max: fc.option(fc.integer({ min: 0, max: 3 })),
  reserve: fc.integer({ min: 0, max: 2 }),
  allow_backorder: fc.boolean(),
});

describe('rules planner invariants', () => {
  it('never allocates more than a warehouse has, never a line twice in one shipment, and allocated plus backordered equals what was ordered', () => {
    fc.assert(
      fc.property(demandArb, candArb, rulesArb, (d, cs, r) => {
        const demand: DemandLine[] = d.map((x, i) => ({ line_id: `l${i}`, ...x }));
        const candidates: Candidate[] = cs.map((c, i) => ({ warehouse_id: `w${i}`, code: `W${i}`, available: new Map(skus.map((s, j) => [s, c.stock[j]!])), priority: c.priority, lat: c.lat, lng: c.lng, timezone: 'Asia/Kolkata', cutoff_time: '16:00' }));
        const rules: RoutingRule[] = [{ rule: 'fewest_shipments', allow_split: r.allow_split }, { rule: 'nearest', weight: 2 }, { rule: 'warehouse_priority' }];
        if (r.max !== null) rules.push({ rule: 'max_splits', max: r.max });
        if (r.reserve > 0) rules.push({ rule: 'keep_reserve', units: r.reserve });
        const plan = rulesPlanner(demand, candidates, { now: new Date('2026-11-30T05:00:00Z'), destination: { postal_code: '560001', country: 'IN', point: { lat: 12.97, lng: 77.59, precision: 'postal_code' } }, rules: { mode: r.mode, rules, allow_backorder: r.allow_backorder } });

        const byLine = new Map<string, number>();
        for (const a of plan.allocations) {
          const cand = candidates.find((c) => c.warehouse_id === a.warehouse_id)!;
          const ids = a.lines.map((l) => l.line_id);
          expect(new Set(ids).size).toBe(ids.length);
          const used = new Map<string, number>();
          for (const pl of a.lines) {
            expect(pl.qty).toBeGreaterThan(0);
            byLine.set(pl.line_id, (byLine.get(pl.line_id) ?? 0) + pl.qty);
            for (const c of demand.find((x) => x.line_id === pl.line_id)!.components) used.set(c.sku_id, (used.get(c.sku_id) ?? 0) + c.qty * pl.qty);
          }
          for (const [sku, q] of used) expect(q).toBeLessThanOrEqual(Math.max(0, (cand.available.get(sku) ?? 0) - r.reserve));
        }
        if (r.max !== null) expect(plan.allocations.length).toBeLessThanOrEqual(r.max + 1);
        const back = plan.backordered.map((b) => b.line_id);
        expect(new Set(back).size).toBe(back.length);
        for (const b of plan.backordered) byLine.set(b.line_id, (byLine.get(b.line_id) ?? 0) + b.qty);
        for (const l of demand) expect(byLine.get(l.line_id)).toBe(l.qty);
        expect(plan.reasons).toHaveLength(candidates.length);
      }),
      { numRuns: 400 },
    );
  });
});
