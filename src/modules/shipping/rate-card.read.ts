import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import type { RateCardTable } from './rate-card.import.js';

export interface RateCardZoneRow { zone: string; max_km: number | null; dest_prefix: string | null; origin_prefix: string | null }
/** Amounts in minor units of the card's currency. */
export interface RateCardRateRow { service: string; zone: string; transit_days: number; up_to_g: number; amount: number; extra_every_g: number | null; extra_amount: number | null }
export interface RateCardServiceabilityRow { postal_code: string; match: 'exact' | 'prefix'; prepaid: boolean; cod: boolean }

export interface RateCardPage {
  carrier: string;
  table: RateCardTable;
  /** The card's currency (the carrier's `settings.currency`); rates' amounts are minor units of it. */
  currency: string;
  data: (RateCardZoneRow | RateCardRateRow | RateCardServiceabilityRow)[];
  next_cursor: string | null;
}

const bad = (): AppError => new AppError('invalid', 'invalid_cursor', 'The cursor is not one this list gave out');

/** The cursor is the last row's sort key, as base64url JSON (opaque to callers). */
function decode<T extends unknown[]>(cursor: string | undefined, check: (v: unknown[]) => boolean): T | undefined {
  if (cursor === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(v) || !check(v)) throw bad();
  return v as T;
}
const encode = (key: unknown[]): string => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
const isStr = (x: unknown): x is string => typeof x === 'string';
const isInt = (x: unknown): x is number => Number.isSafeInteger(x);

/**
 * One table of a rate-card carrier as it is stored (what the last CSV import wrote), paged in a stable order:
 * zones by name, rates by service, zone and weight slab, serviceable postal codes by code. Throws
 * `carrier_not_found`, or `invalid_carrier_settings` for a carrier that is not a rate card.
 */
export async function readRateCard(db: Executor, carrierCode: string, table: RateCardTable, page: { limit: number; cursor?: string | undefined }): Promise<RateCardPage> {
  const carrier = await db.selectFrom('carriers').select(['code', 'kind', 'settings']).where('code', '=', carrierCode).executeTakeFirst();
  if (!carrier) throw new AppError('not_found', 'carrier_not_found', `Carrier ${carrierCode} was not found`, { carrier: carrierCode });
  if (carrier.kind !== 'rate_card') throw new AppError('invalid', 'invalid_carrier_settings', `Carrier ${carrierCode} is not a rate-card carrier`, { carrier: carrierCode, kind: carrier.kind });
  const currency = String(carrier.settings.currency ?? 'INR');
  const out = (rows: RateCardPage['data'], key: (r: never) => unknown[]): RateCardPage => {
    const data = rows.slice(0, page.limit);
    return { carrier: carrierCode, table, currency, data, next_cursor: rows.length > page.limit ? encode(key(data.at(-1) as never)) : null };
  };
  if (table === 'zones') {
    const after = decode<[string]>(page.cursor, (v) => v.length === 1 && isStr(v[0]));
    let q = db.selectFrom('rate_card_zones').select(['zone', 'max_km', 'dest_prefix', 'origin_prefix']).where('carrier', '=', carrierCode).orderBy('zone').limit(page.limit + 1);
    if (after) q = q.where('zone', '>', after[0]);
    return out(await q.execute(), (r: RateCardZoneRow) => [r.zone]);
  }
  if (table === 'rates') {
    const after = decode<[string, string, number]>(page.cursor, (v) => v.length === 3 && isStr(v[0]) && isStr(v[1]) && isInt(v[2]));
    let q = db
      .selectFrom('rate_card_slabs')
      .select(['service', 'zone', 'transit_days', 'up_to_g', 'amount', 'extra_every_g', 'extra_amount'])
      .where('carrier', '=', carrierCode)
      .orderBy('service').orderBy('zone').orderBy('up_to_g')
      .limit(page.limit + 1);
    if (after) q = q.where(sql<boolean>`(service, zone, up_to_g) > (${after[0]}, ${after[1]}, ${after[2]})`);
    return out(await q.execute(), (r: RateCardRateRow) => [r.service, r.zone, r.up_to_g]);
  }
  const after = decode<[string, string]>(page.cursor, (v) => v.length === 2 && isStr(v[0]) && isStr(v[1]));
  let q = db.selectFrom('carrier_serviceability').select(['postal_code', 'match', 'prepaid', 'cod']).where('carrier', '=', carrierCode).orderBy('postal_code').orderBy('match').limit(page.limit + 1);
  if (after) q = q.where(sql<boolean>`(postal_code, match) > (${after[0]}, ${after[1]})`);
  return out(await q.execute(), (r: RateCardServiceabilityRow) => [r.postal_code, r.match]);
}
