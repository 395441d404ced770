import type { Parcel, Quote, RateResult, Serviceability } from './shipping.types.js';

/** How a rate-card carrier prices: settings of the carrier account (non-secret). */
export interface RateCardSettings {
  currency: string;
  /** cm³ per kg (5000 is the common courier divisor); numerically equal to mm³ per gram. */
  volumetric_divisor: number;
  /** Percent of the freight (base + extra weight), e.g. 12.5. Not applied to the COD fee. */
  fuel_surcharge_pct: number;
  cod_fee: { type: 'flat'; amount: number } | { type: 'percent'; pct: number; min_amount: number } | null;
  /** Highest cash amount the carrier collects on one parcel; null = no limit. */
  cod_limit_amount: number | null;
  /** True: only postal codes in the serviceability list are served. False: everywhere, unless listed as not. */
  restrict_to_listed: boolean;
}

export interface ZoneRow {
  zone: string;
  max_km: number | null;
  dest_prefix: string | null;
  origin_prefix: string | null;
}

export interface SlabRow {
  service: string;
  zone: string;
  transit_days: number;
  up_to_g: number;
  amount: number;
  extra_every_g: number | null;
  extra_amount: number | null;
}

export interface ServiceabilityRow {
  match: 'exact' | 'prefix';
  postal_code: string;
  prepaid: boolean;
  cod: boolean;
}

/** Postal codes compared the way carriers list them: upper case, no spaces or dashes. */
export function normalizePostalCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

/** Volumetric weight in grams: L × W × H (mm³) / divisor (mm³ per g), rounded up to the gram. */
export function volumetricWeightG(p: Pick<Parcel, 'length_mm' | 'width_mm' | 'height_mm'>, divisor: number): number {
  return Math.ceil((p.length_mm * p.width_mm * p.height_mm) / divisor);
}

/** The weight a carrier bills: the greater of actual and volumetric. */
export function chargeableWeightG(p: Parcel, divisor: number): { actual_g: number; volumetric_g: number; chargeable_g: number } {
  const volumetric = volumetricWeightG(p, divisor);
  return { actual_g: p.weight_g, volumetric_g: volumetric, chargeable_g: Math.max(p.weight_g, volumetric) };
}

/**
 * The zone of a lane: a destination postal prefix match first (the longest prefix; one restricted to the
 * origin's prefix beats an unrestricted one of the same length), else the smallest distance band that covers
 * the distance. Null with the reason when neither applies.
 */
export function findZone(zones: ZoneRow[], fromPostal: string, toPostal: string, distanceKm: number | null): { zone: string; by: string } | { zone: null; reason: string } {
  const from = normalizePostalCode(fromPostal);
  const to = normalizePostalCode(toPostal);
  const byPrefix = zones
    .filter((z) => z.dest_prefix !== null && to.startsWith(z.dest_prefix) && (z.origin_prefix === null || from.startsWith(z.origin_prefix)))
    .sort((a, b) => b.dest_prefix!.length - a.dest_prefix!.length || (b.origin_prefix?.length ?? 0) - (a.origin_prefix?.length ?? 0));
  const hit = byPrefix[0];
  if (hit) return { zone: hit.zone, by: `destination prefix ${hit.dest_prefix}${hit.origin_prefix ? ` from ${hit.origin_prefix}` : ''}` };
  const bands = zones.filter((z) => z.max_km !== null && z.dest_prefix === null).sort((a, b) => a.max_km! - b.max_km!);
  if (bands.length === 0) return { zone: null, reason: `no zone covers postal code ${to}` };
  if (distanceKm === null) return { zone: null, reason: `the distance to ${to} is unknown, and no postal prefix zone covers it` };
  const band = bands.find((b) => distanceKm <= b.max_km!);
  if (!band) return { zone: null, reason: `${Math.round(distanceKm)} km is beyond the farthest zone (${bands.at(-1)!.max_km} km)` };
  return { zone: band.zone, by: `${Math.round(distanceKm)} km ≤ ${band.max_km} km` };
}

/** Freight for a chargeable weight from a zone's slabs: the first slab that holds it, or the top slab plus each started extra step. */
export function slabFreight(slabs: SlabRow[], chargeableG: number): { amount: number; slab_up_to_g: number; extra_steps: number } | null {
  const sorted = [...slabs].sort((a, b) => a.up_to_g - b.up_to_g);
  const fit = sorted.find((s) => chargeableG <= s.up_to_g);
  if (fit) return { amount: fit.amount, slab_up_to_g: fit.up_to_g, extra_steps: 0 };
  const top = sorted.at(-1);
  if (!top || top.extra_every_g === null || top.extra_amount === null) return null;
  const steps = Math.ceil((chargeableG - top.up_to_g) / top.extra_every_g);
  return { amount: top.amount + steps * top.extra_amount, slab_up_to_g: top.up_to_g, extra_steps: steps };
}

/** Percent of an amount in minor units, rounded half up (percent given to 2 decimals). */
export function percentOf(amount: number, pct: number): number {
  const bp = Math.round(pct * 100);
  return Math.floor((amount * bp + 5000) / 10000);
}

/** The COD fee for collecting `codAmount`: flat, or a percent with a minimum. */
export function codFee(fee: RateCardSettings['cod_fee'], codAmount: number): number {
  if (!fee) return 0;
  if (fee.type === 'flat') return fee.amount;
  return Math.max(fee.min_amount, percentOf(codAmount, fee.pct));
}

/** Whether the carrier serves a destination: the exact code's row, else the longest prefix row, else the carrier's default. */
export function serviceability(rows: ServiceabilityRow[], toPostal: string, cod: boolean, settings: Pick<RateCardSettings, 'restrict_to_listed'>, codCapable: boolean): Serviceability {
  const to = normalizePostalCode(toPostal);
  if (cod && !codCapable) return { ok: false, reason: 'does not collect cash on delivery' };
  const exact = rows.find((r) => r.match === 'exact' && r.postal_code === to);
  const prefix = rows.filter((r) => r.match === 'prefix' && to.startsWith(r.postal_code)).sort((a, b) => b.postal_code.length - a.postal_code.length)[0];
  const row = exact ?? prefix;
  if (!row) return settings.restrict_to_listed ? { ok: false, reason: `postal code ${to} is not in its serviceable list` } : { ok: true };
  if (cod && !row.cod) return { ok: false, reason: `no cash on delivery to ${to}` };
  if (!cod && !row.prepaid) return { ok: false, reason: `no prepaid delivery to ${to}` };
  return { ok: true };
}

export interface RateCardInput {
  carrier: string;
  cod_capable: boolean;
  settings: RateCardSettings;
  zones: ZoneRow[];
  slabs: SlabRow[];
  parcel: Parcel;
  from_postal: string;
  to_postal: string;
  distance_km: number | null;
  cod_amount: number | null;
}

/**
 * Prices a parcel on a rate card: zone, chargeable weight (actual vs volumetric), slab freight, fuel
 * surcharge on the freight, COD fee; one quote per service that has slabs for the zone. Amounts are integer
 * minor units; each part is rounded on its own, so the breakdown adds up to the total.
 */
export function priceRateCard(i: RateCardInput): RateResult {
  const s = i.settings;
  if (i.cod_amount !== null && s.cod_limit_amount !== null && i.cod_amount > s.cod_limit_amount) {
    return { ok: false, reason: `COD amount ${i.cod_amount} is above the carrier's limit ${s.cod_limit_amount}` };
  }
  const zone = findZone(i.zones, i.from_postal, i.to_postal, i.distance_km);
  if (zone.zone === null) return { ok: false, reason: zone.reason };
  const weight = chargeableWeightG(i.parcel, s.volumetric_divisor);
  const services = [...new Set(i.slabs.filter((x) => x.zone === zone.zone).map((x) => x.service))].sort();
  if (services.length === 0) return { ok: false, reason: `no rates for zone ${zone.zone}` };
  const quotes: Quote[] = [];
  const overweight: string[] = [];
  for (const service of services) {
    const slabs = i.slabs.filter((x) => x.zone === zone.zone && x.service === service);
    const freight = slabFreight(slabs, weight.chargeable_g);
    if (!freight) {
      overweight.push(service);
      continue;
    }
    const fuel = percentOf(freight.amount, s.fuel_surcharge_pct);
    const cod = i.cod_amount !== null ? codFee(s.cod_fee, i.cod_amount) : 0;
    quotes.push({
      carrier: i.carrier,
      service,
      amount: freight.amount + fuel + cod,
      currency: s.currency,
      transit_days: slabs[0]!.transit_days,
      cod_capable: i.cod_capable,
      chargeable_weight_g: weight.chargeable_g,
      breakdown: {
        zone: zone.zone, zone_by: zone.by, ...weight, slab_up_to_g: freight.slab_up_to_g, extra_steps: freight.extra_steps,
        freight: freight.amount, fuel_surcharge: fuel, fuel_surcharge_pct: s.fuel_surcharge_pct, cod_fee: cod,
      },
    });
  }
  if (quotes.length === 0) return { ok: false, reason: `${weight.chargeable_g} g is above the heaviest slab of ${overweight.join(', ')}` };
  return { ok: true, quotes };
}
