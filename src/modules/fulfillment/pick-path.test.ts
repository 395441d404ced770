import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { layoutFor, planPath, routeLength, type PathPoint } from './pick-path.js';

const bin = (aisle: number | null, position: number | null, walk = 0): PathPoint => ({ bin_id: `bin_${aisle}_${position}`, code: `${aisle}-${position}`, walk_sequence: walk, aisle, position });

describe('pick path', () => {
  // 4 aisles 3 m apart, positions 1 m apart, deepest position 10 → back cross-aisle at 11 m.
  const layout = layoutFor(10);
  const naive = [bin(1, 9), bin(4, 1), bin(1, 2), bin(3, 8), bin(2, 5), bin(4, 9)];

  it('walks a known layout S-shape: aisle 1 up, 2 down, 3 up, 4 down, and beats the order the lines came in', () => {
    const path = planPath(naive, layout);
    expect(path.model).toBe('s_shape');
    expect(path.ordered.map((b) => b.code)).toEqual(['1-2', '1-9', '2-5', '3-8', '4-9', '4-1']);
    expect(path.length_m).toBe(64);
    expect(routeLength(naive, layout)).toBe(106);
  });

  it('enters every aisle once, alternating up and down, on random pick lists', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ a: fc.integer({ min: 1, max: 12 }), p: fc.integer({ min: 1, max: 30 }) }), { minLength: 1, maxLength: 40 }), (picks) => {
        const planned = planPath(picks.map((x) => bin(x.a, x.p)), layoutFor(30));
        expect(planned.ordered).toHaveLength(picks.length);
        const aisles = planned.ordered.map((b) => b.aisle!);
        expect(aisles).toEqual([...aisles].sort((x, y) => x - y));
        [...new Set(aisles)].forEach((a, i) => {
          const ys = planned.ordered.filter((b) => b.aisle === a).map((b) => b.position!);
          expect(ys).toEqual([...ys].sort((x, y) => (i % 2 === 0 ? x - y : y - x)));
        });
      }),
    );
  });

  it('falls back to walk-sequence order, without a length, when a bin has no aisle or position', () => {
    const path = planPath([bin(2, 3, 30), bin(null, null, 10), bin(1, 1, 20)], layout);
    expect(path.model).toBe('walk_sequence');
    expect(path.ordered.map((b) => b.walk_sequence)).toEqual([10, 20, 30]);
    expect(path.length_m).toBeNull();
  });

  it('keeps picks of one bin together and reports 0 m for an empty list', () => {
    expect(planPath([], layout).length_m).toBe(0);
    const path = planPath([bin(2, 4), bin(1, 1), bin(2, 4)], layout);
    expect(path.ordered.map((b) => b.code)).toEqual(['1-1', '2-4', '2-4']);
  });
});
