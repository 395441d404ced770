import { describe, expect, it } from 'vitest';
import { chargeableWeightG, codFee, findZone, percentOf, priceRateCard, serviceability, slabFreight, type RateCardInput, type SlabRow, type ZoneRow } from './rate-card.pricing.js';

const zones: ZoneRow[] = [
  { zone: 'local', max_km: 50, dest_prefix: null, origin_prefix: null },
  { zone: 'regional', max_km: 500, dest_prefix: null, origin_prefix: null },
  { zone: 'national', max_km: 3000, dest_prefix: null, origin_prefix: null },
  { zone: 'metro', max_km: null, dest_prefix: '11', origin_prefix: null },
  { zone: 'metro-blr', max_km: null, dest_prefix: '110', origin_prefix: '560' },
  { zone: 'northeast', max_km: null, dest_prefix: '79', origin_prefix: null },
];

const slabs: SlabRow[] = [
  { service: 'surface', zone: 'regional', transit_days: 3, up_to_g: 500, amount: 4000, extra_every_g: null, extra_amount: null },
  { service: 'surface', zone: 'regional', transit_days: 3, up_to_g: 1000, amount: 6000, extra_every_g: 500, extra_amount: 2500 },
  { service: 'express', zone: 'regional', transit_days: 1, up_to_g: 500, amount: 7000, extra_every_g: 500, extra_amount: 4000 },
  { service: 'surface', zone: 'metro-blr', transit_days: 2, up_to_g: 2000, amount: 9000, extra_every_g: null, extra_amount: null },
];

const base: RateCardInput = {
  carrier: 'swift',
  cod_capable: true,
  settings: { currency: 'INR', volumetric_divisor: 5000, fuel_surcharge_pct: 10, cod_fee: { type: 'percent', pct: 2, min_amount: 3000 }, cod_limit_amount: 5_000_000, restrict_to_listed: true },
  zones,
  slabs,
  parcel: { length_mm: 300, width_mm: 200, height_mm: 150, weight_g: 700 },
  from_postal: '560001',
  to_postal: '600001',
  distance_km: 290,
  cod_amount: null,
};

describe('rate-card pricing', () => {
  it('bills the volumetric weight when the box is light for its size', () => {
    // 300 × 200 × 150 mm = 9,000,000 mm³ / 5000 = 1,800 g > 700 g actual.
    expect(chargeableWeightG(base.parcel, 5000)).toEqual({ actual_g: 700, volumetric_g: 1800, chargeable_g: 1800 });
    expect(chargeableWeightG({ ...base.parcel, weight_g: 2500 }, 5000).chargeable_g).toBe(2500);
  });

  it('prices freight by slab, with each started extra step above the top slab', () => {
    expect(slabFreight(slabs.filter((s) => s.service === 'surface' && s.zone === 'regional'), 500)).toEqual({ amount: 4000, slab_up_to_g: 500, extra_steps: 0 });
    expect(slabFreight(slabs.filter((s) => s.service === 'surface' && s.zone === 'regional'), 501)).toEqual({ amount: 6000, slab_up_to_g: 1000, extra_steps: 0 });
    expect(slabFreight(slabs.filter((s) => s.service === 'surface' && s.zone === 'regional'), 1800)).toEqual({ amount: 11000, slab_up_to_g: 1000, extra_steps: 2 });
    expect(slabFreight(slabs.filter((s) => s.zone === 'metro-blr'), 2001)).toBeNull();
  });

  it('adds the fuel surcharge on freight and the COD fee with its minimum, in minor units', () => {
    const r = priceRateCard({ ...base, cod_amount: 129_900 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const surface = r.quotes.find((q) => q.service === 'surface')!;
    // freight 11000 (1,800 g), fuel 10 % = 1100, COD 2 % of 129900 = 2598 → minimum 3000.
    expect(surface.breakdown).toMatchObject({ zone: 'regional', chargeable_g: 1800, freight: 11000, fuel_surcharge: 1100, cod_fee: 3000 });
    expect(surface.amount).toBe(15100);
    expect(surface.transit_days).toBe(3);
    const express = r.quotes.find((q) => q.service === 'express')!;
    // 500 g slab 7000 + ceil(1300/500) = 3 steps × 4000 = 19000; fuel 1900; COD 3000.
    expect(express.amount).toBe(19000 + 1900 + 3000);
    const bigCod = priceRateCard({ ...base, cod_amount: 400_000 });
    expect(bigCod.ok && bigCod.quotes.find((q) => q.service === 'surface')!.breakdown.cod_fee).toBe(8000);
  });

  it('charges no COD fee on a prepaid parcel and refuses COD above the limit', () => {
    const prepaid = priceRateCard(base);
    expect(prepaid.ok && prepaid.quotes.find((q) => q.service === 'surface')!.amount).toBe(12100);
    const over = priceRateCard({ ...base, cod_amount: 5_000_001 });
    expect(over).toEqual({ ok: false, reason: expect.stringContaining('above the carrier\'s limit') });
  });

  it('rounds percentages half up on minor units', () => {
    expect(percentOf(1005, 10)).toBe(101); // 100.5 → 101
    expect(percentOf(1004, 10)).toBe(100);
    expect(percentOf(999, 12.5)).toBe(125); // 124.875
    expect(codFee({ type: 'flat', amount: 4500 }, 1_000_000)).toBe(4500);
    expect(codFee(null, 1_000_000)).toBe(0);
  });

  it('finds zones by postal prefix before distance, the longest and origin-specific prefix first', () => {
    expect(findZone(zones, '560001', '110001', 1740)).toMatchObject({ zone: 'metro-blr' });
    expect(findZone(zones, '400001', '110001', 1150)).toMatchObject({ zone: 'metro' });
    expect(findZone(zones, '560001', '560034', 8)).toMatchObject({ zone: 'local' });
    expect(findZone(zones, '560001', '790001', 2500)).toMatchObject({ zone: 'northeast' });
    expect(findZone(zones, '560001', '600001', 3100)).toEqual({ zone: null, reason: expect.stringContaining('beyond the farthest zone') });
    expect(findZone(zones, '560001', '600001', null)).toEqual({ zone: null, reason: expect.stringContaining('unknown') });
  });

  it('refuses a parcel heavier than any slab of the zone', () => {
    const r = priceRateCard({ ...base, to_postal: '110001', parcel: { length_mm: 100, width_mm: 100, height_mm: 100, weight_g: 2500 } });
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('heaviest slab') });
  });
});

describe('serviceability', () => {
  const rows = [
    { match: 'prefix' as const, postal_code: '56', prepaid: true, cod: true },
    { match: 'prefix' as const, postal_code: '5601', prepaid: true, cod: false },
    { match: 'exact' as const, postal_code: '560100', prepaid: false, cod: false },
  ];
  const listed = { restrict_to_listed: true };

  it('uses the exact code, else the longest prefix, else the carrier default', () => {
    expect(serviceability(rows, '560034', true, listed, true)).toEqual({ ok: true });
    expect(serviceability(rows, '560123', true, listed, true)).toEqual({ ok: false, reason: 'no cash on delivery to 560123' });
    expect(serviceability(rows, '560123', false, listed, true)).toEqual({ ok: true });
    expect(serviceability(rows, '560100', false, listed, true)).toEqual({ ok: false, reason: 'no prepaid delivery to 560100' });
    expect(serviceability(rows, '110001', false, listed, true).ok).toBe(false);
    expect(serviceability(rows, '110001', false, { restrict_to_listed: false }, true).ok).toBe(true);
  });

  it('never offers COD on a carrier that does not collect cash', () => {
    expect(serviceability(rows, '560034', true, listed, false)).toEqual({ ok: false, reason: 'does not collect cash on delivery' });
  });
});
