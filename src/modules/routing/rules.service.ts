import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { builtinPostalCentroid, builtinRegionCentroid, normalizePostal } from './geo.js';
import { DEFAULT_RULES } from './rules-planner.js';
import type { Destination, RoutingRule, RoutingRules } from './routing.types.js';

export interface StoredRules extends RoutingRules {
  channel_id: string | null;
  /** Where the rules came from: the channel's own, the stored default, or the built-in default. */
  source: 'channel' | 'default' | 'built_in';
  updated_at: Date | null;
}

/** The rules for a channel: its own, else the stored default (channel_id NULL), else the built-in default. */
export async function loadRoutingRules(db: Executor, channelId: string | null): Promise<StoredRules> {
  const rows = await db
    .selectFrom('routing_rules')
    .select(['channel_id', 'mode', 'rules', 'allow_backorder', 'updated_at'])
    .where((eb) => (channelId ? eb.or([eb('channel_id', '=', channelId), eb('channel_id', 'is', null)]) : eb('channel_id', 'is', null)))
    .execute();
  const row = rows.find((r) => r.channel_id !== null) ?? rows.find((r) => r.channel_id === null);
  if (!row) return { ...DEFAULT_RULES, allow_backorder: true, channel_id: null, source: 'built_in', updated_at: null };
  return { mode: row.mode, rules: row.rules as RoutingRule[], allow_backorder: row.allow_backorder, channel_id: row.channel_id, source: row.channel_id ? 'channel' : 'default', updated_at: row.updated_at };
}

/** Replaces a channel's rules (or the default's, channel null) with an ordered list. */
export async function saveRoutingRules(tx: Executor, channelId: string | null, rules: RoutingRules, actor?: string): Promise<StoredRules> {
  const names = rules.rules.map((r) => r.rule);
  const twice = names.find((n, i) => names.indexOf(n) !== i && n !== 'keep_reserve');
  if (twice) throw new AppError('invalid', 'validation_failed', `Rule ${twice} appears twice`, { rule: twice }, [{ path: 'body.rules', message: `${twice} appears twice` }]);
  if (channelId) {
    const ch = await tx.selectFrom('channels').select('id').where('id', '=', channelId).executeTakeFirst();
    if (!ch) throw new AppError('not_found', 'channel_not_found', `No channel ${channelId}`, { channel_id: channelId });
  }
  const values = { mode: rules.mode, rules: JSON.stringify(rules.rules), allow_backorder: rules.allow_backorder ?? true, updated_by: actor ?? null, updated_at: new Date() };
  const updated = await tx
    .updateTable('routing_rules')
    .set(values)
    .where((eb) => (channelId ? eb('channel_id', '=', channelId) : eb('channel_id', 'is', null)))
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    // Two first saves at once: the unique index turns the loser into an update.
    await sql`INSERT INTO routing_rules (channel_id, mode, rules, allow_backorder, updated_by, updated_at)
      VALUES (${channelId}, ${values.mode}, ${values.rules}::jsonb, ${values.allow_backorder}, ${values.updated_by}, ${values.updated_at})
      ON CONFLICT (coalesce(channel_id, '')) DO UPDATE SET mode = excluded.mode, rules = excluded.rules, allow_backorder = excluded.allow_backorder,
        updated_by = excluded.updated_by, updated_at = excluded.updated_at`.execute(tx);
  }
  return loadRoutingRules(tx, channelId);
}

/** Locates a destination: imported postal codes first, then the built-in data, then the region/state centroid, else none. */
export async function locateDestination(db: Executor, addr: { postal_code?: string | null; country?: string | null; state?: string | null } | null): Promise<Destination> {
  const country = addr?.country?.toUpperCase() ?? null;
  const postal = addr?.postal_code ?? null;
  const dest: Destination = { postal_code: postal, country, state: addr?.state ?? null, point: null };
  if (!country) return dest;
  if (postal) {
    const row = await db.selectFrom('postal_codes').select(['lat', 'lng']).where('country', '=', country).where('postal_code', '=', normalizePostal(country, postal)).executeTakeFirst();
    if (row) return { ...dest, point: { lat: row.lat, lng: row.lng, precision: 'postal_code' } };
    const built = builtinPostalCentroid(country, postal);
    if (built) return { ...dest, point: built };
  }
  return { ...dest, point: builtinRegionCentroid(country, postal, addr?.state) };
}

/** Imports postal-code centroids (country, postal_code, lat, lng), replacing existing ones; returns the count. */
export async function importPostalCodes(db: Executor, rows: { country: string; postal_code: string; lat: number; lng: number }[]): Promise<number> {
  const clean = rows.map((r, i) => {
    const country = r.country.trim().toUpperCase();
    if (!/^[A-Z]{2}$/.test(country) || !r.postal_code.trim() || !(Math.abs(r.lat) <= 90) || !(Math.abs(r.lng) <= 180)) {
      throw new AppError('invalid', 'validation_failed', `Row ${i + 1}: need country (2 letters), postal_code, lat (-90..90), lng (-180..180)`, { row: i + 1 });
    }
    return { country, postal_code: normalizePostal(country, r.postal_code), lat: r.lat, lng: r.lng };
  });
  for (let i = 0; i < clean.length; i += 1000) {
    await db
      .insertInto('postal_codes')
      .values(clean.slice(i, i + 1000))
      .onConflict((oc) => oc.columns(['country', 'postal_code']).doUpdateSet((eb) => ({ lat: eb.ref('excluded.lat'), lng: eb.ref('excluded.lng') })))
      .execute();
  }
  return clean.length;
}
