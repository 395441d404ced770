import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cartonize, type CartonizeItem, type CartonizedPackage } from './cartonize.js';
import type { CartonView } from './cartons.js';

const carton = (code: string, l: number, w: number, h: number, max = 20_000, tare = 100): CartonView => ({
  id: `ctn_${code}`, warehouse_id: 'wh_1', code, length_mm: l, width_mm: w, height_mm: h, max_weight_g: max, tare_weight_g: tare, active: true,
});
const item = (sku_id: string, qty: number, l: number, w: number, h: number, weight_g = 100): CartonizeItem => ({ sku_id, qty, length_mm: l, width_mm: w, height_mm: h, weight_g });

// A small known catalog: shoebox, medium, large (given out of order: the function must sort).
const LARGE = carton('L', 600, 400, 400, 25_000, 800);
const SMALL = carton('S', 300, 200, 100, 5_000, 150);
const MEDIUM = carton('M', 400, 300, 200, 10_000, 300);
const CATALOG = [LARGE, SMALL, MEDIUM];

const units = (pkgs: CartonizedPackage[], sku: string): number => pkgs.flatMap((p) => p.items).filter((i) => i.sku_id === sku).reduce((s, i) => s + i.qty, 0);

describe('cartonize', () => {
  it('chooses the smallest carton that holds everything', () => {
    const r = cartonize([item('mug', 2, 120, 90, 90, 350), item('coaster', 4, 100, 100, 5, 20)], CATALOG);
    expect(r.unfit).toEqual([]);
    expect(r.packages).toHaveLength(1);
    expect(r.packages[0]!.carton.code).toBe('S');
    expect(r.packages[0]!.items).toEqual(expect.arrayContaining([{ sku_id: 'mug', qty: 2 }, { sku_id: 'coaster', qty: 4 }]));
    expect(r.packages[0]!.weight_g).toBe(2 * 350 + 4 * 20 + 150);
    expect(r.packages[0]!.fill_ratio).toBeCloseTo((2 * 120 * 90 * 90 + 4 * 100 * 100 * 5) / (300 * 200 * 100), 4);
  });

  it('moves up a size when the items do not fit the smaller carton', () => {
    const r = cartonize([item('boot', 1, 350, 250, 150, 900)], CATALOG);
    expect(r.packages.map((p) => p.carton.code)).toEqual(['M']);
  });

  it('rotates an item that only fits turned on its side', () => {
    // 100 × 100 × 280 does not fit S (300 × 200 × 100) standing up, but lies down along its length.
    const r = cartonize([item('poster-tube', 1, 100, 100, 280)], [SMALL]);
    expect(r.unfit).toEqual([]);
    const p = r.packages[0]!.placements[0]!;
    expect(p.height_mm).toBe(100);
    expect(p.length_mm).toBe(280);
  });

  it('uses two cartons when the largest cannot hold all the items', () => {
    // Each unit is 600 × 400 × 150: two stack in L (height 400), the third needs a second carton.
    const r = cartonize([item('panel', 3, 600, 400, 150, 2_000)], CATALOG);
    expect(r.unfit).toEqual([]);
    expect(r.packages).toHaveLength(2);
    expect(r.packages.map((p) => p.carton.code)).toEqual(['L', 'L']);
    expect(r.packages.map((p) => p.items[0]!.qty).sort()).toEqual([1, 2]);
  });

  it('puts the left-over units in the smallest carton that takes them', () => {
    // Two large units fill L; the book goes into S, not into a second L.
    const r = cartonize([item('panel', 2, 600, 400, 200, 2_000), item('book', 1, 240, 170, 30, 400)], CATALOG);
    expect(r.packages.map((p) => p.carton.code).sort()).toEqual(['L', 'S']);
    expect(units(r.packages, 'panel')).toBe(2);
    expect(units(r.packages, 'book')).toBe(1);
  });

  it('respects the carton\'s maximum weight even when the volume would fit', () => {
    // 8 dumbbell plates of 1.2 kg fit S by volume (each 100 × 100 × 20) but S may hold only 5 kg.
    const r = cartonize([item('plate', 8, 100, 100, 20, 1_200)], [SMALL, MEDIUM]);
    expect(r.packages).toHaveLength(1);
    expect(r.packages[0]!.carton.code).toBe('M');
    const heavy = cartonize([item('plate', 10, 100, 100, 20, 1_200)], [SMALL]);
    expect(heavy.packages.map((p) => p.items[0]!.qty).sort()).toEqual([2, 4, 4]);
    expect(heavy.unfit).toEqual([]);
    for (const p of heavy.packages) expect(p.weight_g - p.carton.tare_weight_g).toBeLessThanOrEqual(SMALL.max_weight_g);
  });

  it('returns items bigger than every carton as unfit, with the reason, and packs the rest', () => {
    const r = cartonize([item('kayak', 1, 3000, 600, 300, 15_000), item('mug', 1, 120, 90, 90, 350)], CATALOG);
    expect(r.unfit).toEqual([{ sku_id: 'kayak', qty: 1, reason: expect.stringContaining('bigger than every carton') }]);
    expect(r.packages.map((p) => p.carton.code)).toEqual(['S']);
  });

  it('reports items too heavy for every carton, items without dimensions, and an empty catalog', () => {
    expect(cartonize([item('anvil', 1, 100, 100, 100, 30_000)], CATALOG).unfit[0]!.reason).toMatch(/heavier/);
    expect(cartonize([item('ghost', 2, 0, 100, 100)], CATALOG).unfit).toEqual([{ sku_id: 'ghost', qty: 2, reason: expect.stringMatching(/no dimensions/) }]);
    expect(cartonize([item('mug', 1, 120, 90, 90)], []).unfit[0]!.reason).toMatch(/no active carton/);
  });

  it('ignores inactive cartons', () => {
    const r = cartonize([item('mug', 1, 120, 90, 90)], [{ ...SMALL, active: false }, MEDIUM]);
    expect(r.packages[0]!.carton.code).toBe('M');
  });

  it('places every unit inside its carton, never overlapping, never over the weight limit (property)', () => {
    const dim = fc.integer({ min: 10, max: 500 });
    const cartonArb = fc.record({ l: dim, w: dim, h: dim, max: fc.integer({ min: 500, max: 30_000 }) });
    const itemArb = fc.record({ qty: fc.integer({ min: 1, max: 6 }), l: fc.integer({ min: 5, max: 400 }), w: fc.integer({ min: 5, max: 400 }), h: fc.integer({ min: 5, max: 400 }), g: fc.integer({ min: 0, max: 8_000 }) });
    fc.assert(
      fc.property(fc.array(cartonArb, { minLength: 1, maxLength: 4 }), fc.array(itemArb, { minLength: 1, maxLength: 6 }), (cs, is) => {
        const cartons = cs.map((c, n) => carton(`C${n}`, c.l, c.w, c.h, c.max, 50));
        const items = is.map((i, n) => item(`sku${n}`, i.qty, i.l, i.w, i.h, i.g));
        const r = cartonize(items, cartons);
        for (const [n, i] of items.entries()) {
          const packed = units(r.packages, `sku${n}`);
          const unfit = r.unfit.filter((u) => u.sku_id === `sku${n}`).reduce((s, u) => s + u.qty, 0);
          expect(packed + unfit).toBe(i.qty);
        }
        for (const p of r.packages) {
          const c = p.carton;
          expect(p.placements.length).toBe(p.items.reduce((s, i) => s + i.qty, 0));
          let contents = 0;
          for (const [a, pa] of p.placements.entries()) {
            const src = items.find((i) => i.sku_id === pa.sku_id)!;
            contents += src.weight_g;
            expect([pa.length_mm, pa.width_mm, pa.height_mm].sort((x, y) => x - y)).toEqual([src.length_mm, src.width_mm, src.height_mm].sort((x, y) => x - y));
            expect(pa.x >= 0 && pa.y >= 0 && pa.z >= 0).toBe(true);
            expect(pa.x + pa.length_mm <= c.length_mm && pa.y + pa.width_mm <= c.width_mm && pa.z + pa.height_mm <= c.height_mm).toBe(true);
            for (const pb of p.placements.slice(a + 1)) {
              const apart = pa.x + pa.length_mm <= pb.x || pb.x + pb.length_mm <= pa.x || pa.y + pa.width_mm <= pb.y || pb.y + pb.width_mm <= pa.y || pa.z + pa.height_mm <= pb.z || pb.z + pb.height_mm <= pa.z;
              expect(apart).toBe(true);
            }
          }
          expect(contents).toBeLessThanOrEqual(c.max_weight_g);
          expect(p.weight_g).toBe(contents + c.tare_weight_g);
          const packedVolume = p.placements.reduce((v, x) => v + x.length_mm * x.width_mm * x.height_mm, 0);
          expect(Math.abs(p.fill_ratio - packedVolume / (c.length_mm * c.width_mm * c.height_mm))).toBeLessThanOrEqual(0.0000501);
          expect(p.fill_ratio).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never leaves a package in a bigger carton than its contents need (property)', () => {
    const dim = fc.integer({ min: 20, max: 300 });
    fc.assert(
      fc.property(fc.array(fc.record({ qty: fc.integer({ min: 1, max: 4 }), l: dim, w: dim, h: dim }), { minLength: 1, maxLength: 4 }), (is) => {
        const items = is.map((i, n) => item(`sku${n}`, i.qty, i.l, i.w, i.h, 100));
        const r = cartonize(items, CATALOG);
        for (const p of r.packages) {
          const smaller = CATALOG.filter((c) => c.length_mm * c.width_mm * c.height_mm < p.carton.length_mm * p.carton.width_mm * p.carton.height_mm);
          for (const c of smaller) {
            const again = cartonize(p.items.map((i) => items.find((x) => x.sku_id === i.sku_id)!).map((x, k) => ({ ...x, qty: p.items[k]!.qty })), [c]);
            // The same heuristic cannot put this package's contents in one smaller carton.
            expect(again.packages.length === 1 && again.unfit.length === 0).toBe(false);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
