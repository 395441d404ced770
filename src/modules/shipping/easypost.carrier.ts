import { AppError } from '../../shared/errors.js';
import { MoneyFormatError, formatMinorUnits, parseDecimalMoney } from '../../shared/money.js';
import type { AdapterDeps, CarrierAccount, CarrierAdapter } from './carrier.adapter.js';
import type { EasyPostAccountSettings } from './carrier-settings.js';
import type { Parcel, PartyAddress, Quote, RateOptions, RateResult, ShipmentStatus, TrackingUpdate } from './shipping.types.js';

/*
 * An adapter for EasyPost's v2 REST API (https://docs.easypost.com): `POST /v2/shipments` returns the
 * shipment with its `rates`; `POST /v2/shipments/{id}/buy` with `{ rate: { id } }` buys one and returns
 * `tracking_code` and `postage_label.label_url`; `POST /v2/shipments/{id}/refund` voids it. HTTP basic auth
 * with the API key as the user name. Parcels are in inches and ounces. Tracker webhooks are `Event`
 * objects whose `result` is the `Tracker`.
 */

interface EpRate { id: string; carrier: string; service: string; rate: string; currency: string; delivery_days?: number | null; est_delivery_days?: number | null }
interface EpShipment { id: string; rates?: EpRate[]; messages?: { carrier?: string; message?: string }[]; tracking_code?: string | null; selected_rate?: EpRate | null; postage_label?: { label_url?: string | null } | null }

const MM_PER_INCH = 25.4;
const G_PER_OZ = 28.349523125;
/** One decimal place, rounded up: a declared parcel is never smaller or lighter than the real one. */
const up1 = (n: number): number => Math.ceil(n * 10 - 1e-9) / 10;

/** Our parcel in EasyPost's units: inches and ounces. */
export function toEasyPostParcel(p: Parcel): { length: number; width: number; height: number; weight: number } {
  return { length: up1(p.length_mm / MM_PER_INCH), width: up1(p.width_mm / MM_PER_INCH), height: up1(p.height_mm / MM_PER_INCH), weight: up1(p.weight_g / G_PER_OZ) };
}

function toEasyPostAddress(a: PartyAddress): Record<string, string> {
  const out: Record<string, string> = { street1: a.line1, city: a.city, zip: a.postal_code, country: a.country };
  if (a.name) out.name = a.name;
  if (a.company) out.company = a.company;
  if (a.line2) out.street2 = a.line2;
  if (a.state) out.state = a.state;
  if (a.phone) out.phone = a.phone;
  if (a.email) out.email = a.email;
  return out;
}

/** EasyPost tracker statuses in Tandem's words; null = nothing to change ("unknown"). */
const STATUS: Record<string, ShipmentStatus | null> = {
  pre_transit: 'label_created',
  in_transit: 'in_transit',
  out_for_delivery: 'out_for_delivery',
  available_for_pickup: 'out_for_delivery',
  delivered: 'delivered',
  return_to_sender: 'rto_initiated',
  failure: 'exception',
  error: 'exception',
  cancelled: 'exception',
  unknown: null,
};

/** The tracking update in an EasyPost `Event` whose result is a `Tracker` (any other payload yields none). */
export function parseEasyPostEvent(payload: unknown): TrackingUpdate[] {
  const e = payload as { id?: unknown; description?: unknown; created_at?: unknown; result?: Record<string, unknown> } | null;
  if (!e || typeof e !== 'object' || typeof e.id !== 'string' || !e.result || typeof e.result !== 'object') return [];
  const t = e.result as { object?: unknown; tracking_code?: unknown; status?: unknown; updated_at?: unknown; tracking_details?: unknown };
  if (t.object !== 'Tracker' || typeof t.tracking_code !== 'string' || typeof t.status !== 'string') return [];
  const details = Array.isArray(t.tracking_details) ? (t.tracking_details as { message?: unknown; datetime?: unknown; tracking_location?: Record<string, unknown> | null }[]) : [];
  const last = details.at(-1);
  const loc = last?.tracking_location;
  const location = loc ? [loc.city, loc.state, loc.country].filter((x) => typeof x === 'string' && x).join(', ') || null : null;
  const when = [last?.datetime, t.updated_at, e.created_at].find((x) => typeof x === 'string' && !Number.isNaN(Date.parse(x))) as string | undefined;
  return [{
    event_id: e.id.slice(0, 200),
    tracking_number: t.tracking_code,
    status: STATUS[t.status] ?? null,
    carrier_status: t.status,
    message: typeof last?.message === 'string' ? last.message.slice(0, 500) : null,
    location,
    occurred_at: when ? new Date(when) : new Date(),
  }];
}

function toQuote(account: CarrierAccount, shipmentId: string, r: EpRate): Quote | null {
  try {
    return {
      carrier: account.code,
      service: `${r.carrier}:${r.service}`,
      amount: parseDecimalMoney(r.rate, r.currency),
      currency: r.currency,
      transit_days: r.delivery_days ?? r.est_delivery_days ?? null,
      cod_capable: account.cod_capable,
      chargeable_weight_g: 0,
      breakdown: { easypost_carrier: r.carrier, easypost_service: r.service, rate: r.rate },
      ref: { shipment_id: shipmentId, rate_id: r.id },
    };
  } catch (err) {
    if (err instanceof MoneyFormatError) return null;
    throw err;
  }
}

/** The EasyPost adapter of one account. */
export function easyPostAdapter(account: CarrierAccount, deps: Pick<AdapterDeps, 'fetch'>): CarrierAdapter {
  const s = account.settings as unknown as EasyPostAccountSettings;
  const call = async <T>(path: string, body: unknown): Promise<T> => {
    const key = account.credentials.api_key;
    if (!key) throw new AppError('unavailable', 'carrier_error', `Carrier ${account.code} has no API key`, { carrier: account.code });
    let res: Response;
    try {
      res = await deps.fetch(`${s.base_url.replace(/\/$/, '')}${path}`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(s.timeout_ms),
      });
    } catch (err) {
      throw new AppError('unavailable', 'carrier_error', `Carrier ${account.code} did not answer: ${(err as Error).message}`, { carrier: account.code });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = undefined;
    }
    if (!res.ok || json === undefined) {
      const msg = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new AppError('unavailable', 'carrier_error', `Carrier ${account.code} answered ${res.status}: ${msg?.message ?? text.slice(0, 200)}`, { carrier: account.code, status: res.status, carrier_code: msg?.code });
    }
    return json as T;
  };

  const createShipment = async (parcel: Parcel, from: PartyAddress, to: PartyAddress, o: RateOptions): Promise<EpShipment> => {
    const options: Record<string, unknown> = { label_format: s.label_format };
    if (o.cod_amount !== null) options.cod_amount = formatMinorUnits(o.cod_amount, o.currency);
    if (o.cod_amount !== null) options.currency = o.currency;
    return call<EpShipment>('/v2/shipments', {
      shipment: { to_address: toEasyPostAddress(to), from_address: toEasyPostAddress(from), parcel: toEasyPostParcel(parcel), options, ...(o.reference ? { reference: o.reference } : {}) },
    });
  };

  const quotesOf = (sh: EpShipment): Quote[] => (sh.rates ?? [])
    .map((r) => toQuote(account, sh.id, r))
    .filter((q): q is Quote => q !== null && (s.services === null || s.services.includes(q.service)));

  return {
    code: account.code,
    kind: 'easypost',
    codCapable: account.cod_capable,
    async serviceable(_from, _to, cod) {
      return cod && !account.cod_capable ? { ok: false, reason: 'does not collect cash on delivery' } : { ok: true };
    },
    async rate(parcel, from, to, options): Promise<RateResult> {
      if (options.cod_amount !== null && !account.cod_capable) return { ok: false, reason: 'does not collect cash on delivery' };
      const sh = await createShipment(parcel, from, to, options);
      const quotes = quotesOf(sh);
      if (quotes.length === 0) {
        const why = (sh.messages ?? []).map((m) => [m.carrier, m.message].filter(Boolean).join(': ')).join('; ');
        return { ok: false, reason: why || 'no rates offered' };
      }
      return { ok: true, quotes };
    },
    async createLabel(req) {
      let ref = req.quote.ref;
      if (!ref?.shipment_id || !ref.rate_id) {
        // A quote chosen without a rating call (e.g. a requested service): rate now and find that service.
        const sh = await createShipment(req.parcel, req.from, req.to, req.options);
        const q = quotesOf(sh).find((x) => x.service === req.quote.service);
        if (!q) throw new AppError('conflict', 'service_not_available', `${account.code} offers no ${req.quote.service} for this parcel`, { carrier: account.code, service: req.quote.service });
        ref = q.ref!;
      }
      const bought = await call<EpShipment>(`/v2/shipments/${encodeURIComponent(ref.shipment_id!)}/buy`, { rate: { id: ref.rate_id } });
      if (!bought.tracking_code) throw new AppError('unavailable', 'carrier_error', `Carrier ${account.code} bought no tracking code`, { carrier: account.code });
      const sel = bought.selected_rate;
      const charged = sel ? toQuote(account, bought.id, sel) : null;
      return {
        tracking_number: bought.tracking_code,
        carrier_ref: bought.id,
        carrier_label_url: bought.postage_label?.label_url ?? null,
        amount: charged?.amount ?? req.quote.amount,
        currency: charged?.currency ?? req.quote.currency,
      };
    },
    async cancelLabel(label) {
      if (label.carrier_ref) await call(`/v2/shipments/${encodeURIComponent(label.carrier_ref)}/refund`, {});
    },
    parseTrackingEvent: parseEasyPostEvent,
  };
}

