import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';

/** One picker's confirmations over a window (see `pickRates`). */
export interface PickerRate {
  /** The principal that confirmed: a user (`usr_…`) or an API key (`key_…`). */
  picker: string;
  /** The user's name (else e-mail) or the API key's name; null when neither exists any more. */
  name: string | null;
  confirms: number;
  units: number;
  first_at: Date;
  last_at: Date;
  /** Clock hours (UTC) of the window in which the picker confirmed at least once. */
  active_hours: number;
  /** units ÷ active_hours, one decimal. */
  units_per_hour: number;
}

/**
 * Pick rate per picker over [since, now) within a warehouse scope, from the `pick.confirmed` events each
 * confirmation writes in its transaction (actor = the confirming principal, payload = warehouse and units).
 * The rate is per hour in which the picker picked, so a picker who joined the shift late is not diluted by the
 * hours before. Reads `outbox` (events), `users` and `api_keys` (auth) read-only for the names.
 */
export async function pickRates(db: Executor, f: { since: Date; now: Date; scope?: string[] | null | undefined }): Promise<{ pickers: PickerRate[]; by_hour: { hour: Date; picker: string; units: number }[] }> {
  const scoped = f.scope ? sql`AND e.payload->>'warehouse_id' = ANY(${f.scope.length > 0 ? f.scope : ['']}::text[])` : sql``;
  const confirms = sql`
    SELECT e.actor AS picker, e.occurred_at AS at, (e.payload->>'qty')::int AS qty FROM outbox e
    WHERE e.type = 'pick.confirmed' AND e.occurred_at >= ${f.since} AND e.occurred_at < ${f.now} AND e.actor IS NOT NULL ${scoped}`;
  const [pickers, hours] = await Promise.all([
    sql<Omit<PickerRate, 'units_per_hour'>>`
      SELECT c.picker, COALESCE(u.name, u.email, k.name) AS name, count(*)::int AS confirms, sum(c.qty)::int AS units,
             min(c.at) AS first_at, max(c.at) AS last_at, count(DISTINCT date_trunc('hour', c.at, 'UTC'))::int AS active_hours
      FROM (${confirms}) c LEFT JOIN users u ON u.id = c.picker LEFT JOIN api_keys k ON k.id = c.picker
      GROUP BY c.picker, u.name, u.email, k.name`.execute(db),
    sql<{ hour: Date; picker: string; units: number }>`
      SELECT date_trunc('hour', c.at, 'UTC') AS hour, c.picker, sum(c.qty)::int AS units FROM (${confirms}) c GROUP BY 1, 2 ORDER BY 1, 2`.execute(db),
  ]);
  const rated = pickers.rows.map((p) => ({ ...p, units_per_hour: Math.round((p.units / p.active_hours) * 10) / 10 }));
  rated.sort((a, b) => b.units_per_hour - a.units_per_hour || b.units - a.units || a.picker.localeCompare(b.picker));
  return { pickers: rated, by_hour: hours.rows };
}
