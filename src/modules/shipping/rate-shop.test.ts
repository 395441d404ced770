import { describe, expect, it } from 'vitest';
import { shopRates, type CarrierOffer, type ShopInput } from './rate-shop.js';
import type { Quote } from './shipping.types.js';

const q = (carrier: string, service: string, amount: number, days: number, cod = true): Quote => ({
  carrier, service, amount, currency: 'INR', transit_days: days, cod_capable: cod, chargeable_weight_g: 500, breakdown: {},
});

const offers: CarrierOffer[] = [
  { carrier: 'swift', result: { ok: true, quotes: [q('swift', 'surface', 9000, 4), q('swift', 'express', 15000, 1)] } },
  { carrier: 'bluedart', result: { ok: false, reason: 'postal code 799001 is not in its serviceable list' } },
  { carrier: 'cheapo', result: { ok: true, quotes: [q('cheapo', 'ground', 7000, 5, false)] } },
];

const base: ShopInput = { offers, strategy: 'cheapest', preferred_carriers: [], allowed_carriers: null, cod: false, ships_on: '2026-12-01', deliver_by: null };

describe('rate shopping', () => {
  it('takes the cheapest rate and keeps the others as alternatives with the reason', () => {
    const r = shopRates(base);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.chosen).toMatchObject({ carrier: 'cheapo', service: 'ground' });
    expect(r.alternatives.map((a) => `${a.carrier}/${a.service}`)).toEqual(['swift/surface', 'swift/express']);
    expect(r.rejected).toEqual([{ carrier: 'bluedart', reason: 'postal code 799001 is not in its serviceable list' }]);
    expect(r.reason).toContain('cheapest of 3 eligible rate(s)');
    expect(r.estimated_delivery).toBe('2026-12-06');
  });

  it('offers only COD-capable rates for a COD order', () => {
    const r = shopRates({ ...base, cod: true });
    expect(r.ok && r.chosen).toMatchObject({ carrier: 'swift', service: 'surface' });
    expect(r.rejected).toContainEqual({ carrier: 'cheapo', reason: 'does not collect cash on delivery' });
  });

  it('takes the cheapest rate that meets the promised day, and says when none does', () => {
    const r = shopRates({ ...base, deliver_by: '2026-12-04' });
    expect(r.ok && r.chosen).toMatchObject({ carrier: 'swift', service: 'express' });
    expect(r.ok && r.reason).toContain('2 rate(s) would miss the promised 2026-12-04');
    const late = shopRates({ ...base, deliver_by: '2026-12-01' });
    expect(late.ok && late.chosen).toMatchObject({ carrier: 'cheapo' });
    expect(late.ok && late.reason).toContain('no rate arrives by the promised');
  });

  it('takes the fastest rate with the fastest strategy', () => {
    const r = shopRates({ ...base, strategy: 'fastest' });
    expect(r.ok && r.chosen).toMatchObject({ carrier: 'swift', service: 'express' });
  });

  it('uses the first preferred carrier that can take the parcel and falls back when none can', () => {
    const r = shopRates({ ...base, preferred_carriers: ['bluedart', 'swift'] });
    expect(r.ok && r.chosen).toMatchObject({ carrier: 'swift', service: 'surface' });
    expect(r.ok && r.reason).toContain('preferred carrier swift, after bluedart (postal code 799001 is not in its serviceable list)');
    const fallback = shopRates({ ...base, preferred_carriers: ['bluedart'] });
    expect(fallback.ok && fallback.chosen).toMatchObject({ carrier: 'cheapo' });
    expect(fallback.ok && fallback.reason).toContain('fallback: no preferred carrier can take it (bluedart (postal code 799001');
  });

  it('honours a requested carrier and service, or says why it cannot', () => {
    const r = shopRates({ ...base, requested: { carrier: 'swift', service: 'express' } });
    expect(r.ok && r.chosen).toMatchObject({ carrier: 'swift', service: 'express' });
    expect(r.ok && r.reason).toContain('as requested');
    expect(shopRates({ ...base, requested: { carrier: 'bluedart' } })).toMatchObject({ ok: false, reason: expect.stringContaining('not in its serviceable list') });
    expect(shopRates({ ...base, requested: { carrier: 'swift', service: 'air' } })).toMatchObject({ ok: false, reason: expect.stringContaining('has no service air') });
  });

  it('keeps to the allowed carriers and fails with every reason when nobody can ship', () => {
    const r = shopRates({ ...base, allowed_carriers: ['swift'] });
    expect(r.ok && r.chosen.carrier).toBe('swift');
    const none = shopRates({ ...base, allowed_carriers: ['bluedart'], cod: true });
    expect(none).toMatchObject({ ok: false, reason: expect.stringContaining('no carrier can take this parcel') });
  });
});
