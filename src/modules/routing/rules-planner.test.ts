import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, rulesPlanner } from './rules-planner.js';
import type { Candidate, DemandLine, PlanContext, RoutingRule } from './routing.types.js';

const BLR = { lat: 12.9716, lng: 77.5946 };
const DEL = { lat: 28.6139, lng: 77.209 };
const BOM = { lat: 19.076, lng: 72.8777 };
const wh = (code: string, stock: Record<string, number>, over: Partial<Candidate> = {}): Candidate => ({
  warehouse_id: code.toLowerCase(),
  code,
  available: new Map(Object.entries(stock)),
  priority: 0,
  timezone: 'Asia/Kolkata',
  cutoff_time: '16:00',
  ...over,
});
const line = (id: string, sku: string, qty: number): DemandLine => ({ line_id: id, qty, components: [{ sku_id: sku, qty: 1 }] });
// 10:00 in India (UTC+5:30).
const MORNING = new Date('2026-11-30T04:30:00Z');
const toBlr: PlanContext = { now: MORNING, currency: 'INR', destination: { postal_code: '560034', country: 'IN', point: { lat: 12.93, lng: 77.62, precision: 'postal_code' } } };
const withRules = (rules: RoutingRule[], mode: 'strict' | 'weighted' = 'strict', extra: Partial<PlanContext> = {}): PlanContext => ({ ...toBlr, rules: { mode, rules }, ...extra });
const three = [line('l1', 'a', 1), line('l2', 'b', 1), line('l3', 'c', 1)];

describe('rules planner', () => {
  it('ships from the one warehouse that has every line and explains each candidate with its factors', () => {
    const plan = rulesPlanner(three, [wh('WH-DEL', { a: 5, b: 5 }, DEL), wh('WH-BLR', { a: 1, b: 1, c: 1 }, { ...BLR, lat: 13.2, lng: 79.5 })], toBlr);
    expect(plan.strategy).toBe('single_warehouse');
    expect(plan.allocations).toEqual([{ warehouse_id: 'wh-blr', lines: [{ line_id: 'l1', qty: 1 }, { line_id: 'l2', qty: 1 }, { line_id: 'l3', qty: 1 }] }]);
    expect(plan.reasons[0]!.summary).toMatch(/^WH-BLR: all 3 line\(s\), 2\d\d km, ships today before 16:00 cut-off, est\. ₹58 — ships the whole order$/);
    expect(plan.reasons[1]!.summary).toContain('WH-DEL: 2 of 3 line(s) complete');
    expect(plan.reasons[1]!.summary).toContain('would split');
    expect(plan.reasons[0]!.factors).toMatchObject({ ships_today: true, transit_days: 2, est_cost: 58 });
  });

  it('prefers the nearest of the warehouses that each have everything', () => {
    const plan = rulesPlanner([line('l1', 'a', 1)], [wh('WH-DEL', { a: 1 }, DEL), wh('WH-BOM', { a: 1 }, BOM), wh('WH-BLR', { a: 1 }, BLR)], toBlr);
    expect(plan.reasons.map((r) => r.code)).toEqual(['WH-BLR', 'WH-BOM', 'WH-DEL']);
    expect(plan.allocations[0]!.warehouse_id).toBe('wh-blr');
  });

  it('ranks without distance and says so when the destination cannot be located', () => {
    const plan = rulesPlanner([line('l1', 'a', 1)], [wh('WH-DEL', { a: 1 }, { ...DEL, priority: 1 }), wh('WH-BLR', { a: 1 }, { ...BLR, priority: 0 })], { now: MORNING, destination: { postal_code: '999999', country: 'IN', point: null } });
    expect(plan.allocations[0]!.warehouse_id).toBe('wh-blr');
    expect(plan.notes).toContain('destination location unknown: ranked without distance');
    expect(plan.reasons[0]!.factors!.distance_km).toBeNull();
    expect(plan.reasons[0]!.summary).not.toContain('km');
  });

  it('uses the region centroid for an unknown postal code and says so', () => {
    const ctx: PlanContext = { now: MORNING, destination: { postal_code: '560999', country: 'IN', point: { lat: 12.97, lng: 77.59, precision: 'region' } } };
    const plan = rulesPlanner([line('l1', 'a', 1)], [wh('WH-DEL', { a: 1 }, DEL), wh('WH-BLR', { a: 1 }, BLR)], ctx);
    expect(plan.allocations[0]!.warehouse_id).toBe('wh-blr');
    expect(plan.notes!.join(' ')).toContain('postal code 560999 not known: distance from the region centroid');
  });

  it('prefers a warehouse that meets the promised ship date over a nearer one past its cut-off', () => {
    const evening = new Date('2026-11-30T11:30:00Z'); // 17:00 in India
    const ctx = { ...toBlr, now: evening, promised_ship_by: new Date('2026-11-30T18:00:00Z') };
    const plan = rulesPlanner([line('l1', 'a', 1)], [wh('WH-BLR', { a: 1 }, BLR), wh('WH-DEL', { a: 1 }, { ...DEL, cutoff_time: '18:00' })], ctx);
    expect(plan.allocations[0]!.warehouse_id).toBe('wh-del');
    expect(plan.reasons.find((r) => r.code === 'WH-BLR')!.summary).toContain('ships 2026-12-01 (past 16:00 cut-off), misses the promised date');
  });

  it('ships today when it meets the promised delivery date by distance band, else misses it', () => {
    const ctx = { ...toBlr, promised_deliver_by: new Date('2026-12-02T12:00:00Z') };
    const plan = rulesPlanner([line('l1', 'a', 1)], [wh('WH-DEL', { a: 1 }, { ...DEL, priority: 0 }), wh('WH-BLR', { a: 1 }, { ...BLR, priority: 5 })], withRules([{ rule: 'meets_promise' }, { rule: 'warehouse_priority' }], 'strict', ctx));
    expect(plan.allocations[0]!.warehouse_id).toBe('wh-blr');
    expect(plan.reasons[1]!.summary).toContain('misses the promised date');
  });

  it('reads each warehouse cut-off on its own clock across time zones', () => {
    const now = new Date('2026-11-30T14:00:00Z'); // 19:30 in India, 09:00 in New York
    const plan = rulesPlanner([line('l1', 'a', 1)], [wh('IN', { a: 1 }), wh('US', { a: 1 }, { timezone: 'America/New_York' })], { now });
    const f = Object.fromEntries(plan.reasons.map((r) => [r.code, r.factors!]));
    expect(f.IN).toMatchObject({ ships_today: false, ships_on: '2026-12-01' });
    expect(f.US).toMatchObject({ ships_today: true, ships_on: '2026-11-30' });
  });

  it('follows the daylight-saving change: the same UTC time is before the cut-off in winter and after it in summer', () => {
    const us = [wh('US', { a: 1 }, { timezone: 'America/New_York' })];
    const winter = rulesPlanner([line('l1', 'a', 1)], us, { now: new Date('2026-03-07T20:30:00Z') }); // 15:30 EST
    const summer = rulesPlanner([line('l1', 'a', 1)], us, { now: new Date('2026-03-09T20:30:00Z') }); // 16:30 EDT
    expect(winter.reasons[0]!.factors).toMatchObject({ ships_today: true, ships_on: '2026-03-07' });
    expect(summer.reasons[0]!.factors).toMatchObject({ ships_today: false, ships_on: '2026-03-10' });
  });

  it('picks the lowest estimated cost when that rule comes first', () => {
    const plan = rulesPlanner([line('l1', 'a', 1)], [wh('WH-DEL', { a: 1 }, { ...DEL, priority: 0 }), wh('WH-BLR', { a: 1 }, { ...BLR, priority: 9 })], withRules([{ rule: 'lowest_cost' }, { rule: 'warehouse_priority' }]));
    expect(plan.allocations[0]!.warehouse_id).toBe('wh-blr');
    expect(plan.reasons[0]!.summary).toContain('est. ₹40');
  });

  it('breaks ties by warehouse priority, then by code', () => {
    const a = rulesPlanner([line('l1', 'a', 1)], [wh('X', { a: 1 }, { priority: 2 }), wh('Y', { a: 1 }, { priority: 1 })], {});
    expect(a.allocations[0]!.warehouse_id).toBe('y');
    const b = rulesPlanner([line('l1', 'a', 1)], [wh('Y', { a: 1 }), wh('X', { a: 1 })], {});
    expect(b.allocations[0]!.warehouse_id).toBe('x');
  });

  it('uses only the warehouses the channel allows, and lists the others as not allowed', () => {
    const plan = rulesPlanner([line('l1', 'a', 1)], [wh('WH-BLR', { a: 1 }, BLR), wh('WH-DEL', { a: 1 }, DEL)], withRules([{ rule: 'allowed_warehouses', warehouse_ids: ['wh-del'] }, ...DEFAULT_RULES.rules]));
    expect(plan.allocations[0]!.warehouse_id).toBe('wh-del');
    expect(plan.reasons[1]).toMatchObject({ code: 'WH-BLR', chosen: false });
    expect(plan.reasons[1]!.summary).toContain('not allowed for this channel');
  });

  it('keeps the last units of a SKU in reserve for a low-priority order but not for an urgent one', () => {
    const rules: RoutingRule[] = [{ rule: 'keep_reserve', units: 2, priorities: ['low'] }, ...DEFAULT_RULES.rules];
    const low = rulesPlanner([line('l1', 'a', 3)], [wh('X', { a: 4 })], withRules(rules, 'strict', { priority: 'low' }));
    expect(low.allocations).toEqual([{ warehouse_id: 'x', lines: [{ line_id: 'l1', qty: 2 }] }]);
    expect(low.backordered).toEqual([{ line_id: 'l1', qty: 1 }]);
    const urgent = rulesPlanner([line('l1', 'a', 3)], [wh('X', { a: 4 })], withRules(rules, 'strict', { priority: 'urgent' }));
    expect(urgent.backordered).toEqual([]);
  });

  it('finds the plan with the fewest shipments when no warehouse has everything', () => {
    const demand = [line('l1', 'a', 1), line('l2', 'b', 1), line('l3', 'c', 1), line('l4', 'd', 1)];
    // The best-ranked warehouses each have one line; two further down have two each.
    const cands = [wh('A', { a: 1 }, { priority: 0 }), wh('B', { b: 1 }, { priority: 1 }), wh('C', { c: 1 }, { priority: 2 }), wh('P', { a: 1, b: 1 }, { priority: 8 }), wh('Q', { c: 1, d: 1 }, { priority: 9 })];
    const plan = rulesPlanner(demand, cands, {});
    expect(plan.strategy).toBe('split');
    expect(plan.allocations.map((a) => a.warehouse_id).sort()).toEqual(['p', 'q']);
    expect(plan.backordered).toEqual([]);
  });

  it('breaks a tie between equally small splits in favour of the better-ranked warehouses', () => {
    const demand = [line('l1', 'a', 1), line('l2', 'b', 1)];
    const plan = rulesPlanner(demand, [wh('Z', { b: 1 }, { priority: 3 }), wh('X', { a: 1 }, { priority: 1 }), wh('Y', { b: 1 }, { priority: 2 }), wh('W', { a: 1 }, { priority: 4 })], {});
    expect(plan.allocations.map((a) => a.warehouse_id)).toEqual(['x', 'y']);
  });

  it('falls back to greedy set cover when there are too many combinations to try, and still serves everything', () => {
    const demand = ['a', 'b', 'c', 'd'].map((s, i) => line(`l${i}`, s, 1));
    const cands = Array.from({ length: 40 }, (_, i) => wh(`W${String(i).padStart(2, '0')}`, { [['a', 'b', 'c', 'd'][i % 4]!]: 1 }, { priority: i }));
    const plan = rulesPlanner(demand, cands, {});
    expect(plan.allocations.map((a) => a.warehouse_id)).toEqual(['w00', 'w01', 'w02', 'w03']);
    expect(plan.backordered).toEqual([]);
  });

  it('caps the number of splits and backorders what the cap leaves out', () => {
    const demand = [line('l1', 'a', 1), line('l2', 'b', 1), line('l3', 'c', 1)];
    const plan = rulesPlanner(demand, [wh('A', { a: 1 }), wh('B', { b: 1 }), wh('C', { c: 1 })], withRules([{ rule: 'max_splits', max: 1 }, ...DEFAULT_RULES.rules]));
    expect(plan.allocations).toHaveLength(2);
    expect(plan.backordered).toHaveLength(1);
    expect(plan.notes).toContain('at most 1 split(s) per order');
  });

  it('splits line by line to the nearest warehouse when the rule allows splitting', () => {
    const demand = [line('l1', 'a', 1), line('l2', 'b', 1)];
    const plan = rulesPlanner(demand, [wh('WH-DEL', { a: 1, b: 1 }, DEL), wh('WH-BLR', { a: 1 }, BLR)], withRules([{ rule: 'nearest' }, { rule: 'fewest_shipments', allow_split: true }]));
    expect(plan.strategy).toBe('split');
    expect(plan.allocations).toEqual([{ warehouse_id: 'wh-blr', lines: [{ line_id: 'l1', qty: 1 }] }, { warehouse_id: 'wh-del', lines: [{ line_id: 'l2', qty: 1 }] }]);
  });

  it('reserves what exists and backorders the rest, or nothing at all when backorders are not allowed', () => {
    const demand = [line('l1', 'a', 3), line('l2', 'b', 1)];
    const cands = [wh('X', { a: 2 }), wh('Y', { b: 1 })];
    const plan = rulesPlanner(demand, cands, {});
    expect(plan.backordered).toEqual([{ line_id: 'l1', qty: 1 }]);
    expect(plan.allocations).toHaveLength(2);
    const strict = rulesPlanner(demand, cands, { rules: { ...DEFAULT_RULES, allow_backorder: false } });
    expect(strict.allocations).toEqual([]);
    expect(strict.backordered).toEqual([{ line_id: 'l1', qty: 3 }, { line_id: 'l2', qty: 1 }]);
  });

  it('lets weighted scoring trade distance against warehouse priority', () => {
    const cands = [wh('WH-DEL', { a: 1 }, { ...DEL, priority: 0 }), wh('WH-BLR', { a: 1 }, { ...BLR, priority: 3 })];
    const near = rulesPlanner([line('l1', 'a', 1)], cands, withRules([{ rule: 'nearest', weight: 5 }, { rule: 'warehouse_priority', weight: 1 }], 'weighted'));
    expect(near.allocations[0]!.warehouse_id).toBe('wh-blr');
    expect(near.reasons[0]!.summary).toMatch(/score \d\.\d\d/);
    const prio = rulesPlanner([line('l1', 'a', 1)], cands, withRules([{ rule: 'nearest', weight: 0.1 }, { rule: 'warehouse_priority', weight: 5 }], 'weighted'));
    expect(prio.allocations[0]!.warehouse_id).toBe('wh-del');
  });

  it('weighs a rule without a weight as 1 in weighted mode', () => {
    const plan = rulesPlanner([line('l1', 'a', 1)], [wh('WH-DEL', { a: 1 }, { ...DEL, priority: 0 }), wh('WH-BLR', { a: 1 }, { ...BLR, priority: 0 })], withRules([{ rule: 'nearest' }], 'weighted'));
    expect(plan.allocations[0]!.warehouse_id).toBe('wh-blr');
    expect(plan.reasons[0]!.factors!.score).toBeGreaterThan(0.9);
  });

  it('keeps today\'s choices under the default rules when nothing is known about geography', () => {
    const plan = rulesPlanner([line('l1', 'a', 2), line('l2', 'b', 1)], [wh('TA', { a: 10 }, { priority: 0 }), wh('TB', { a: 10, b: 5 }, { priority: 1 })], { now: MORNING });
    expect(plan.strategy).toBe('single_warehouse');
    expect(plan.reasons[0]!.summary).toContain('TB: all 2 line(s)');
  });
});

describe('lowest_cost on rate cards', () => {
  const cands = [wh('WH-BLR', { a: 1 }, BLR), wh('WH-DEL', { a: 1 }, DEL), wh('WH-BOM', { a: 1 }, BOM)];
  const lanes = new Map([
    ['wh-blr', { carrier: 'c1', service: 'surface', amount: 9000, currency: 'INR', transit_days: 1, zone: 'city' }],
    ['wh-del', { carrier: 'c2', service: 'air', amount: 4550, currency: 'INR', transit_days: 4, zone: 'trunk' }],
    ['wh-bom', { none: 'c1: no rates for zone west' }],
  ]);
  const rules: RoutingRule[] = [{ rule: 'lowest_cost', source: 'rate_cards' }, { rule: 'nearest' }];

  it('ranks priced lanes by price (major units), unpriced last, and takes transit days from the quote', () => {
    const plan = rulesPlanner([line('l1', 'a', 1)], cands, withRules(rules, 'strict', { lanes }));
    expect(plan.reasons.map((r) => r.code)).toEqual(['WH-DEL', 'WH-BLR', 'WH-BOM']);
    expect(plan.reasons[0]!.factors).toMatchObject({ est_cost: 45.5, transit_days: 4, cost_basis: 'c2 air, zone trunk' });
    expect(plan.reasons[0]!.summary).toContain('est. ₹45.5 by c2 air, zone trunk');
    expect(plan.reasons[2]!.factors).toMatchObject({ est_cost: null, cost_basis: 'no rate-card price: c1: no rates for zone west' });
  });

  it('scores the cheapest lane highest in weighted mode', () => {
    const plan = rulesPlanner([line('l1', 'a', 1)], cands, withRules([{ rule: 'lowest_cost', source: 'rate_cards', weight: 5 }, { rule: 'nearest', weight: 1 }], 'weighted', { lanes }));
    expect(plan.allocations[0]!.warehouse_id).toBe('wh-del');
  });

  it('says so when the caller did not price the lanes, and leaves the cost unknown', () => {
    const plan = rulesPlanner([line('l1', 'a', 1)], cands, withRules(rules));
    expect(plan.notes).toContain('rate cards were not priced for this order: cost unknown');
    expect(plan.reasons.every((r) => r.factors!.est_cost === null)).toBe(true);
    expect(plan.allocations[0]!.warehouse_id).toBe('wh-blr');
  });
});
