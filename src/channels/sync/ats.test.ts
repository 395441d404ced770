import { describe, expect, it } from 'vitest';
import { applyPolicy, computeAvailability, type AtsInput } from './ats.js';

const base = (over: Partial<AtsInput> = {}): AtsInput => ({
  warehouses: [{ id: 'wh_a', code: 'A' }, { id: 'wh_b', code: 'B' }],
  levels: [
    { sku_id: 'sku_x', warehouse_id: 'wh_a', on_hand: 10, reserved: 3 },
    { sku_id: 'sku_x', warehouse_id: 'wh_b', on_hand: 5, reserved: 5 },
    { sku_id: 'sku_y', warehouse_id: 'wh_a', on_hand: 2, reserved: 0 },
    { sku_id: 'sku_y', warehouse_id: 'wh_b', on_hand: 9, reserved: 0 },
  ],
  safety: new Map(),
  keepReserve: 0,
  kits: new Map(),
  policy: { buffer: { kind: 'units', value: 0 }, max_units: null },
  ...over,
});

describe('available-to-sell', () => {
  it('sums on_hand − reserved − safety stock over the channel\'s warehouses, never below zero per warehouse', () => {
    const [x] = computeAvailability(['sku_x'], base({ safety: new Map([['sku_x|wh_a', 2], ['sku_x|wh_b', 4]]) }));
    expect(x!.warehouses.map((w) => w.sellable)).toEqual([5, 0]);
    expect(x!.available_to_sell).toBe(5);
  });

  it('rounds a percentage buffer down to whole units and applies the cap after it', () => {
    expect(applyPolicy(12, { buffer: { kind: 'percent', value: 10 }, max_units: null })).toEqual({ available_to_sell: 10, buffer_units: 2, capped: false });
    expect(applyPolicy(3, { buffer: { kind: 'units', value: 5 }, max_units: null })).toEqual({ available_to_sell: 0, buffer_units: 3, capped: false });
    expect(applyPolicy(50, { buffer: { kind: 'percent', value: 10 }, max_units: 20 })).toEqual({ available_to_sell: 20, buffer_units: 5, capped: true });
    expect(applyPolicy(7, { buffer: { kind: 'percent', value: 100 }, max_units: null }).available_to_sell).toBe(0);
  });

  it('counts a kit as the kits each warehouse can build whole', () => {
    const kits = new Map([['sku_k', [{ sku_id: 'sku_x', qty: 2 }, { sku_id: 'sku_y', qty: 1 }]]]);
    const [k] = computeAvailability(['sku_k'], base({ kits }));
    // wh_a: min(floor(7 / 2), 2) = 2; wh_b: min(0, 9) = 0. The network formula min(floor(7 / 2), 11) = 3 would oversell.
    expect(k!.warehouses.map((w) => w.kits)).toEqual([2, 0]);
    expect(k).toMatchObject({ is_kit: true, available_to_sell: 2, components: [{ sku_id: 'sku_x', qty: 2, sellable: 7 }, { sku_id: 'sku_y', qty: 1, sellable: 11 }] });
  });

  it('holds back routing\'s reserve where it is larger than the safety stock', () => {
    const [y] = computeAvailability(['sku_y'], base({ keepReserve: 3, safety: new Map([['sku_y|wh_b', 5]]) }));
    expect(y!.warehouses.map((w) => w.sellable)).toEqual([0, 4]);
  });

  it('offers nothing from warehouses outside the channel\'s list or without stock', () => {
    const [x] = computeAvailability(['sku_x', 'sku_none'].slice(0, 1), base({ warehouses: [{ id: 'wh_b', code: 'B' }] }));
    expect(x!.available_to_sell).toBe(0);
    expect(computeAvailability(['sku_none'], base())[0]!.available_to_sell).toBe(0);
  });
});
