import type { Executor } from '../../db/database.js';
import type { RateCardAccountSettings } from './carrier-settings.js';
import { normalizePostalCode, priceRateCard, serviceability, type ServiceabilityRow, type SlabRow, type ZoneRow } from './rate-card.pricing.js';

/** The cheapest rate-card price of a lane (warehouse → destination) for a parcel: what routing's `lowest_cost` compares. */
export interface LaneQuote {
  carrier: string;
  service: string;
  /** Integer minor units of `currency`. */
  amount: number;
  currency: string;
  transit_days: number | null;
  zone: string;
}

/** No active rate-card carrier prices the lane, and why (each carrier's reason). */
export interface LaneMiss {
  none: string;
}

/**
 * The active rate-card carriers with their zones and slabs, loaded once (for an order's allocation, or for a whole
 * routing simulation). Serviceability rows are loaded for the destinations asked about. Only the built-in
 * rate-card carriers take part: their prices are computed here from imported tables, with no call to anyone —
 * routing runs inside the order's transaction, where an external carrier's API must never be called.
 */
export interface RateCardBook {
  carriers: { code: string; cod_capable: boolean; settings: RateCardAccountSettings; zones: ZoneRow[]; slabs: SlabRow[] }[];
  /** carrier → serviceability rows (of the destinations loaded). */
  serviceability: Map<string, ServiceabilityRow[]>;
}

/** Every prefix of a postal code, longest first: the keys its serviceability rows can have. */
const prefixesOf = (code: string): string[] => Array.from({ length: code.length }, (_, i) => code.slice(0, code.length - i));

/**
 * Loads the active rate-card carriers (three statements). `destinations` limits the serviceability rows to those
 * postal codes' prefixes; `'all'` loads every row (simulation over many destinations).
 */
export async function loadRateCardBook(db: Executor, destinations: string[] | 'all'): Promise<RateCardBook> {
  const carriers = await db.selectFrom('carriers').select(['code', 'cod_capable', 'settings']).where('kind', '=', 'rate_card').where('active', '=', true).orderBy('code').execute();
  if (carriers.length === 0) return { carriers: [], serviceability: new Map() };
  const codes = carriers.map((c) => c.code);
  const [zones, slabs] = await Promise.all([
    db.selectFrom('rate_card_zones').select(['carrier', 'zone', 'max_km', 'dest_prefix', 'origin_prefix']).where('carrier', '=', (eb) => eb.fn.any(eb.val(codes))).execute(),
    db.selectFrom('rate_card_slabs').select(['carrier', 'service', 'zone', 'transit_days', 'up_to_g', 'amount', 'extra_every_g', 'extra_amount']).where('carrier', '=', (eb) => eb.fn.any(eb.val(codes))).execute(),
  ]);
  let q = db.selectFrom('carrier_serviceability').select(['carrier', 'match', 'postal_code', 'prepaid', 'cod']).where('carrier', '=', (eb) => eb.fn.any(eb.val(codes)));
  if (destinations !== 'all') {
    const keys = [...new Set(destinations.map(normalizePostalCode).filter((p) => /^[A-Z0-9]{1,12}$/.test(p)).flatMap(prefixesOf))];
    q = q.where('postal_code', '=', (eb) => eb.fn.any(eb.val(keys)));
  }
  const rows = await q.execute();
  const serviceabilityRows = new Map<string, ServiceabilityRow[]>();
  for (const r of rows) serviceabilityRows.set(r.carrier, [...(serviceabilityRows.get(r.carrier) ?? []), { match: r.match, postal_code: r.postal_code, prepaid: r.prepaid, cod: r.cod }]);
  return {
    carriers: carriers.map((c) => ({
      code: c.code,
      cod_capable: c.cod_capable,
      settings: c.settings as unknown as RateCardAccountSettings,
      zones: zones.filter((z) => z.carrier === c.code).map((z) => ({ zone: z.zone, max_km: z.max_km === null ? null : Number(z.max_km), dest_prefix: z.dest_prefix, origin_prefix: z.origin_prefix })),
      slabs: slabs.filter((s) => s.carrier === c.code),
    })),
    serviceability: serviceabilityRows,
  };
}

/**
 * Prices one lane on every carrier of the book and keeps the cheapest quote in the order's currency (then the
 * fastest, then by carrier and service). Pure: the caller gives the origin's postal code and distance.
 */
export function priceLane(
  book: RateCardBook,
  lane: { from_postal: string; to_postal: string; distance_km: number | null; weight_g: number; cod_amount: number | null; currency: string },
): LaneQuote | LaneMiss {
  if (book.carriers.length === 0) return { none: 'no active rate-card carrier' };
  const why: string[] = [];
  let best: LaneQuote | undefined;
  for (const c of book.carriers) {
    if (c.settings.currency !== lane.currency) {
      why.push(`${c.code}: prices in ${c.settings.currency}`);
      continue;
    }
    const served = serviceability(book.serviceability.get(c.code) ?? [], lane.to_postal, lane.cod_amount !== null, c.settings, c.cod_capable);
    if (!served.ok) {
      why.push(`${c.code}: ${served.reason}`);
      continue;
    }
    const r = priceRateCard({
      carrier: c.code, cod_capable: c.cod_capable, settings: c.settings, zones: c.zones, slabs: c.slabs,
      parcel: { length_mm: 0, width_mm: 0, height_mm: 0, weight_g: lane.weight_g },
      from_postal: lane.from_postal, to_postal: lane.to_postal, distance_km: lane.distance_km, cod_amount: lane.cod_amount,
    });
    if (!r.ok) {
      why.push(`${c.code}: ${r.reason}`);
      continue;
    }
    for (const q of r.quotes) {
      const cand: LaneQuote = { carrier: q.carrier, service: q.service, amount: q.amount, currency: q.currency, transit_days: q.transit_days, zone: String(q.breakdown?.zone ?? '') };
      if (!best || cand.amount < best.amount || (cand.amount === best.amount && (cand.transit_days ?? 99) < (best.transit_days ?? 99))) best = cand;
    }
  }
  return best ?? { none: why.join('; ') };
}
