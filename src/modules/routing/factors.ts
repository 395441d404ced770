import type { DistanceBand, GeoPoint } from './routing.types.js';

/** Default distance bands until the shipping module has rate cards: transit days and an estimated cost. */
export const DEFAULT_BANDS: DistanceBand[] = [
  { max_km: 50, transit_days: 1, cost: 40 },
  { max_km: 300, transit_days: 2, cost: 58 },
  { max_km: 1000, transit_days: 3, cost: 80 },
  { max_km: 2000, transit_days: 4, cost: 110 },
  { max_km: Number.POSITIVE_INFINITY, transit_days: 6, cost: 150 },
];

const EARTH_KM = 6371.0088;
const rad = (d: number): number => (d * Math.PI) / 180;

/** Great-circle distance in km between two points. */
export function haversineKm(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function bandFor(km: number, bands: DistanceBand[] = DEFAULT_BANDS): DistanceBand {
  return bands.find((b) => km <= b.max_km) ?? bands[bands.length - 1] ?? DEFAULT_BANDS[DEFAULT_BANDS.length - 1]!;
}

export function distanceTo(wh: { lat?: number | null | undefined; lng?: number | null | undefined }, point: GeoPoint | null | undefined): number | null {
  if (!point || wh.lat == null || wh.lng == null) return null;
  return haversineKm({ lat: wh.lat, lng: wh.lng }, point);
}

// Formatters are costly to build; caching them keeps the planner fast and changes nothing it returns.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(tz, f);
  }
  return f;
}

// formatToParts is the planner's most expensive step; many candidates share a zone and a minute.
const clocks = new Map<string, { date: string; time: string }>();

/** The wall-clock date (YYYY-MM-DD) and time (HH:MM) of an instant in a time zone. */
export function localClock(instant: Date, tz: string): { date: string; time: string } {
  const key = `${tz}|${Math.floor(instant.getTime() / 60000)}`;
  const hit = clocks.get(key);
  if (hit) return hit;
  const parts: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(instant)) parts[p.type] = p.value;
  const out = { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
  if (clocks.size > 10000) clocks.clear();
  clocks.set(key, out);
  return out;
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** When a warehouse ships an order placed at `now`: today if before its cut-off (on its own clock), else tomorrow. */
export function shipDay(now: Date, tz: string, cutoff: string | null | undefined): { ships_on: string; ships_today: boolean } {
  const local = localClock(now, tz);
  const today = !cutoff || local.time < cutoff.slice(0, 5);
  return { ships_on: today ? local.date : addDays(local.date, 1), ships_today: today };
}

/** Whether a warehouse can ship by the promised ship date and deliver by the promised delivery date (dates on its clock). */
export function meetsPromise(shipsOn: string, transitDays: number | null, tz: string, shipBy: Date | null | undefined, deliverBy: Date | null | undefined): boolean | null {
  if (!shipBy && !deliverBy) return null;
  if (shipBy && shipsOn > localClock(shipBy, tz).date) return false;
  if (deliverBy) {
    if (transitDays === null) return shipBy ? true : null;
    if (addDays(shipsOn, transitDays) > localClock(deliverBy, tz).date) return false;
  }
  return true;
}
