import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { emit } from '../../events/outbox.js';
import { assertCarriersExist } from './carriers.service.js';
import { buildSscc } from './check-digits.js';
import type { ShippingRule } from './shipping.types.js';

/** When nothing is configured: the cheapest serviceable rate of any active carrier. */
export const DEFAULT_SHIPPING_RULE: ShippingRule = { warehouse_id: null, channel_id: null, strategy: 'cheapest', preferred_carriers: [], allowed_carriers: null };

/**
 * The rate-shopping rule for a warehouse × channel: the most specific stored one — warehouse and channel,
 * then warehouse only, then channel only, then the global one — else the built-in default.
 */
export async function resolveShippingRule(db: Executor, warehouseId: string, channelId: string | null): Promise<ShippingRule & { source: string }> {
  const rows = await db.selectFrom('shipping_rules').select(['warehouse_id', 'channel_id', 'strategy', 'preferred_carriers', 'allowed_carriers'])
    .where((eb) => eb.and([
      eb.or([eb('warehouse_id', '=', warehouseId), eb('warehouse_id', 'is', null)]),
      channelId ? eb.or([eb('channel_id', '=', channelId), eb('channel_id', 'is', null)]) : eb('channel_id', 'is', null),
    ])).execute();
  const score = (r: { warehouse_id: string | null; channel_id: string | null }): number => (r.warehouse_id ? 2 : 0) + (r.channel_id ? 1 : 0);
  const best = rows.sort((a, b) => score(b) - score(a))[0];
  if (!best) return { ...DEFAULT_SHIPPING_RULE, source: 'built_in' };
  const source = best.warehouse_id && best.channel_id ? 'warehouse_channel' : best.warehouse_id ? 'warehouse' : best.channel_id ? 'channel' : 'global';
  return { ...best, source };
}

/** Every stored rule. */
export async function listShippingRules(db: Executor): Promise<ShippingRule[]> {
  return db.selectFrom('shipping_rules').select(['warehouse_id', 'channel_id', 'strategy', 'preferred_carriers', 'allowed_carriers']).orderBy('id').execute();
}

/** Stores the rule of a warehouse × channel scope (either may be null = any), replacing the scope's previous one. */
export async function setShippingRule(tx: Executor, rule: ShippingRule, actor?: string): Promise<ShippingRule> {
  await assertCarriersExist(tx, [...new Set([...rule.preferred_carriers, ...(rule.allowed_carriers ?? [])])]);
  const values = { strategy: rule.strategy, preferred_carriers: rule.preferred_carriers, allowed_carriers: rule.allowed_carriers, updated_by: actor ?? null };
  await sql`INSERT INTO shipping_rules (warehouse_id, channel_id, strategy, preferred_carriers, allowed_carriers, updated_by)
    VALUES (${rule.warehouse_id}, ${rule.channel_id}, ${values.strategy}, ${values.preferred_carriers}, ${values.allowed_carriers}, ${values.updated_by})
    ON CONFLICT (coalesce(warehouse_id, ''), coalesce(channel_id, '')) DO UPDATE SET strategy = excluded.strategy,
      preferred_carriers = excluded.preferred_carriers, allowed_carriers = excluded.allowed_carriers, updated_by = excluded.updated_by, updated_at = now()`.execute(tx);
  await emit(tx, { type: 'shipping_rule.updated', aggregateType: 'shipping_rule', aggregateId: `${rule.warehouse_id ?? '*'}:${rule.channel_id ?? '*'}`, payload: { ...rule }, actor });
  return rule;
}

export interface ShippingSettings {
  gs1_company_prefix: string | null;
  sscc_extension_digit: number;
}

/** The brand's GS1 settings for SSCCs. */
export async function getShippingSettings(db: Executor): Promise<ShippingSettings> {
  return db.selectFrom('shipping_settings').select(['gs1_company_prefix', 'sscc_extension_digit']).where('id', '=', 'default').executeTakeFirstOrThrow();
}

/** Sets the GS1 company prefix (7–10 digits, from the brand's GS1 membership) and the SSCC extension digit. */
export async function setShippingSettings(tx: Executor, s: ShippingSettings, actor?: string): Promise<ShippingSettings> {
  const row = await tx.updateTable('shipping_settings').set({ gs1_company_prefix: s.gs1_company_prefix, sscc_extension_digit: s.sscc_extension_digit, updated_at: new Date() })
    .where('id', '=', 'default').returning(['gs1_company_prefix', 'sscc_extension_digit']).executeTakeFirstOrThrow();
  await emit(tx, { type: 'shipping_settings.updated', aggregateType: 'shipping_settings', aggregateId: 'default', payload: { ...row }, actor });
  return row;
}

/**
 * A new SSCC-18 for a package: extension digit + company prefix + the next serial of a sequence (never reused)
 * + check digit. Null when no company prefix is set: SSCCs may only be issued under a GS1 licence.
 */
export async function nextSscc(db: Executor): Promise<string | null> {
  const s = await getShippingSettings(db);
  if (!s.gs1_company_prefix) return null;
  const r = await sql<{ n: number }>`select nextval('sscc_serial_seq') as n`.execute(db);
  const serial = r.rows[0]!.n;
  if (serial >= 10 ** (16 - s.gs1_company_prefix.length)) {
    throw new AppError('unavailable', 'gs1_prefix_not_set', `The SSCC serials of company prefix ${s.gs1_company_prefix} are used up`, { serial });
  }
  return buildSscc(s.sscc_extension_digit, s.gs1_company_prefix, serial);
}
