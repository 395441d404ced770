import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { groupLines } from './inventory.reserve.js';
import { TRANSFER_TRANSITIONS } from './inventory.transfers.js';

describe('grouping reservation lines', () => {
  it('reserves two lines of the same SKU and warehouse together, and merges repeats of one line', () => {
    const groups = groupLines([
      { ref_line: '1', sku_id: 'sku_b', warehouse_id: 'wh_1', qty: 2 },
      { ref_line: '2', sku_id: 'sku_b', warehouse_id: 'wh_1', qty: 3 },
      { ref_line: '2', sku_id: 'sku_b', warehouse_id: 'wh_1', qty: 1 },
      { ref_line: '3', sku_id: 'sku_a', warehouse_id: 'wh_2', qty: 1 },
    ]);
    expect(groups.map((g) => [g.warehouse_id, g.sku_id, g.qty, g.lines.map((l) => [l.ref_line, l.qty])])).toEqual([
      ['wh_1', 'sku_b', 6, [['1', 2], ['2', 4]]],
      ['wh_2', 'sku_a', 1, [['3', 1]]],
    ]);
  });

  it('orders groups by (warehouse, SKU), whatever the input order, so concurrent callers lock rows in one order (property)', () => {
    const line = fc.record({ ref_line: fc.constantFrom('1', '2', '3'), sku_id: fc.constantFrom('sku_a', 'sku_b', 'sku_c'), warehouse_id: fc.constantFrom('wh_1', 'wh_2'), qty: fc.integer({ min: 1, max: 100 }) });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), (lines) => {
        const groups = groupLines(lines);
        const keys = groups.map((g) => `${g.warehouse_id}|${g.sku_id}`);
        expect(keys).toEqual([...keys].sort());
        expect(new Set(keys).size).toBe(keys.length);
        expect(groups.reduce((s, g) => s + g.qty, 0)).toBe(lines.reduce((s, l) => s + l.qty, 0));
        expect(groupLines([...lines].reverse()).map((g) => [g.warehouse_id, g.sku_id, g.qty])).toEqual(groups.map((g) => [g.warehouse_id, g.sku_id, g.qty]));
      }),
    );
  });
});

describe('transfer lifecycle', () => {
  it('ships only a created transfer, receives only a shipped one, cancels only before shipping', () => {
    expect(TRANSFER_TRANSITIONS).toEqual({ ship: ['created'], receive: ['shipped', 'partially_received'], cancel: ['created'] });
  });
});
