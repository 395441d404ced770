import { describe, expect, it } from 'vitest';
import { simplePlanner } from './simple-planner.js';
import type { Candidate, DemandLine } from './routing.types.js';

const wh = (id: string, stock: Record<string, number>, priority = 0): Candidate => ({ warehouse_id: id, code: id.toUpperCase(), available: new Map(Object.entries(stock)), priority });
const line = (id: string, sku: string, qty: number): DemandLine => ({ line_id: id, qty, components: [{ sku_id: sku, qty: 1 }] });

describe('simple planner', () => {
  it('ships the whole order from one warehouse that has every line', () => {
    const plan = simplePlanner([line('l1', 'a', 2), line('l2', 'b', 1)], [wh('x', { a: 5 }), wh('y', { a: 2, b: 1 })]);
    expect(plan.strategy).toBe('single_warehouse');
    expect(plan.allocations).toEqual([{ warehouse_id: 'y', lines: [{ line_id: 'l1', qty: 2 }, { line_id: 'l2', qty: 1 }] }]);
    expect(plan.backordered).toEqual([]);
    expect(plan.reasons[0]).toMatchObject({ warehouse_id: 'y', rank: 1, chosen: true });
    expect(plan.reasons[0]!.summary).toContain('all 2 line(s)');
  });

  it('splits across warehouses when none has everything, and backorders what nobody has', () => {
    const plan = simplePlanner([line('l1', 'a', 3), line('l2', 'b', 2)], [wh('x', { a: 1 }), wh('y', { a: 1, b: 2 })]);
    expect(plan.strategy).toBe('split');
    expect(plan.allocations).toEqual(
      expect.arrayContaining([
        { warehouse_id: 'y', lines: [{ line_id: 'l1', qty: 1 }, { line_id: 'l2', qty: 2 }] },
        { warehouse_id: 'x', lines: [{ line_id: 'l1', qty: 1 }] },
      ]),
    );
    expect(plan.backordered).toEqual([{ line_id: 'l1', qty: 1 }]);
  });

  it('counts two lines of the same SKU against the same stock', () => {
    const plan = simplePlanner([line('l1', 'a', 2), line('l2', 'a', 2)], [wh('x', { a: 3 })]);
    expect(plan.allocations[0]!.lines).toEqual([{ line_id: 'l1', qty: 2 }, { line_id: 'l2', qty: 1 }]);
    expect(plan.backordered).toEqual([{ line_id: 'l2', qty: 1 }]);
  });

  it('supplies a kit only in whole kits, from its components', () => {
    const kit: DemandLine = { line_id: 'k', qty: 3, components: [{ sku_id: 'a', qty: 1 }, { sku_id: 'b', qty: 2 }] };
    const plan = simplePlanner([kit], [wh('x', { a: 5, b: 5 })]);
    expect(plan.allocations).toEqual([{ warehouse_id: 'x', lines: [{ line_id: 'k', qty: 2 }] }]);
    expect(plan.backordered).toEqual([{ line_id: 'k', qty: 1 }]);
  });

  it('breaks ties by warehouse priority', () => {
    const plan = simplePlanner([line('l1', 'a', 1)], [wh('x', { a: 1 }, 2), wh('y', { a: 1 }, 1)]);
    expect(plan.allocations[0]!.warehouse_id).toBe('y');
  });
});
