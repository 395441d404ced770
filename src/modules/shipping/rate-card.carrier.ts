import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import type { CarrierAccount, CarrierAdapter } from './carrier.adapter.js';
import type { RateCardAccountSettings } from './carrier-settings.js';
import { buildS10 } from './check-digits.js';
import { parseEasyPostEvent } from './easypost.carrier.js';
import { normalizePostalCode, priceRateCard, serviceability, type ServiceabilityRow } from './rate-card.pricing.js';

/** Every prefix of a postal code, longest first: the keys its serviceability rows can have. */
function prefixesOf(code: string): string[] {
  return Array.from({ length: code.length }, (_, i) => code.slice(0, code.length - i));
}

async function serviceabilityRows(db: Executor, carrier: string, toPostal: string): Promise<ServiceabilityRow[]> {
  const to = normalizePostalCode(toPostal);
  if (!/^[A-Z0-9]{1,12}$/.test(to)) return [];
  return db.selectFrom('carrier_serviceability').select(['match', 'postal_code', 'prepaid', 'cod'])
    .where('carrier', '=', carrier).where('postal_code', 'in', prefixesOf(to)).execute();
}

/**
 * Takes the next tracking serial of the account's range with one guarded statement (concurrent labels never
 * share a number; a label whose shipment rolls back leaves a gap, which is harmless).
 */
async function nextTrackingNumber(db: Executor, account: CarrierAccount): Promise<string> {
  const t = (account.settings as unknown as RateCardAccountSettings).tracking;
  const r = await sql<{ serial: number }>`
    UPDATE carriers SET tracking_next = greatest(coalesce(tracking_next, ${t.first}), ${t.first}) + 1
    WHERE code = ${account.code} AND greatest(coalesce(tracking_next, ${t.first}), ${t.first}) <= ${t.last}
    RETURNING tracking_next - 1 AS serial`.execute(db);
  const serial = r.rows[0]?.serial;
  if (serial === undefined) throw new AppError('unavailable', 'tracking_range_exhausted', `Carrier ${account.code} has used every tracking number of its range ${t.first}–${t.last}`, { carrier: account.code });
  return buildS10(t.prefix, serial, t.suffix);
}

/**
 * The built-in rate-card carrier: a brand's negotiated courier contract or its own delivery fleet. Prices come
 * from the imported zones and slabs, serviceability from the imported postal codes, tracking numbers from the
 * configured range. Nothing leaves the process.
 */
export function rateCardAdapter(account: CarrierAccount, deps: { db: Executor }): CarrierAdapter {
  const settings = account.settings as unknown as RateCardAccountSettings;
  const adapter: CarrierAdapter = {
    code: account.code,
    kind: 'rate_card',
    codCapable: account.cod_capable,
    async serviceable(_from, to, cod) {
      return serviceability(await serviceabilityRows(deps.db, account.code, to.postal_code), to.postal_code, cod, settings, account.cod_capable);
    },
    async rate(parcel, from, to, options) {
      const cod = options.cod_amount !== null;
      const served = await adapter.serviceable(from, to, cod);
      if (!served.ok) return served;
      if (options.currency !== settings.currency && cod) return { ok: false, reason: `collects cash in ${settings.currency}, the order is in ${options.currency}` };
      const [zones, slabs] = await Promise.all([
        deps.db.selectFrom('rate_card_zones').select(['zone', 'max_km', 'dest_prefix', 'origin_prefix']).where('carrier', '=', account.code).execute(),
        deps.db.selectFrom('rate_card_slabs').select(['service', 'zone', 'transit_days', 'up_to_g', 'amount', 'extra_every_g', 'extra_amount']).where('carrier', '=', account.code).execute(),
      ]);
      return priceRateCard({
        carrier: account.code, cod_capable: account.cod_capable, settings, parcel,
        zones: zones.map((z) => ({ ...z, max_km: z.max_km === null ? null : Number(z.max_km) })), slabs,
        from_postal: from.postal_code, to_postal: to.postal_code, distance_km: options.distance_km, cod_amount: options.cod_amount,
      });
    },
    async createLabel(req) {
      return { tracking_number: await nextTrackingNumber(deps.db, account), carrier_ref: null, carrier_label_url: null, amount: req.quote.amount, currency: req.quote.currency };
    },
    async cancelLabel() {
      // A number of our own range is simply never used again: nothing to call.
    },
    parseTrackingEvent: (payload) => parseEasyPostEvent(payload),
  };
  return adapter;
}

