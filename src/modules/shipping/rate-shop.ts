import { formatMinorUnits } from '../../shared/money.js';
import type { Quote, RateChoice, RateResult } from './shipping.types.js';

export interface CarrierOffer {
  carrier: string;
  result: RateResult;
}

export interface ShopInput {
  offers: CarrierOffer[];
  strategy: 'cheapest' | 'fastest';
  preferred_carriers: string[];
  /** null = every active carrier may ship. */
  allowed_carriers: string[] | null;
  cod: boolean;
  /** The day the parcel leaves (YYYY-MM-DD, warehouse calendar), for estimated delivery dates. */
  ships_on: string | null;
  /** The promised delivery day (YYYY-MM-DD, warehouse calendar), if the order has one. */
  deliver_by: string | null;
  /** A carrier (and service) the caller asked for: only those are considered. */
  requested?: { carrier?: string | undefined; service?: string | undefined } | undefined;
}

export type ShopResult = ({ ok: true } & RateChoice) | { ok: false; reason: string; rejected: { carrier: string; reason: string }[] };

const label = (q: Quote): string => `${q.carrier} ${q.service}`;
const money = (q: Quote): string => `${q.currency} ${formatMinorUnits(q.amount, q.currency)}`;

/** The calendar day `days` after `day` (YYYY-MM-DD). */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function estimate(q: Quote, shipsOn: string | null): string | null {
  return shipsOn !== null && q.transit_days !== null ? addDays(shipsOn, q.transit_days) : null;
}

function ranker(strategy: 'cheapest' | 'fastest'): (a: Quote, b: Quote) => number {
  const days = (q: Quote): number => q.transit_days ?? Number.MAX_SAFE_INTEGER;
  const tie = (a: Quote, b: Quote): number => label(a).localeCompare(label(b));
  return strategy === 'cheapest'
    ? (a, b) => a.amount - b.amount || days(a) - days(b) || tie(a, b)
    : (a, b) => days(a) - days(b) || a.amount - b.amount || tie(a, b);
}

/**
 * Chooses a rate and says why. Carriers that are not allowed, not serviceable, or (for a COD order) do not
 * collect cash are set aside with their reason. When the order has a promised delivery day, rates that
 * arrive in time are preferred. Preferred carriers are tried in order; the first that can take the parcel
 * is used, else every remaining carrier is the fallback. The strategy ranks the rates of that pool:
 * `cheapest` (then fastest), or `fastest` (then cheapest). Pure.
 */
export function shopRates(i: ShopInput): ShopResult {
  const rejected: { carrier: string; reason: string }[] = [];
  let eligible: Quote[] = [];
  for (const o of i.offers) {
    if (i.allowed_carriers !== null && !i.allowed_carriers.includes(o.carrier)) {
      rejected.push({ carrier: o.carrier, reason: 'not allowed by the shipping rules' });
    } else if (!o.result.ok) {
      rejected.push({ carrier: o.carrier, reason: o.result.reason });
    } else {
      const quotes = i.cod ? o.result.quotes.filter((q) => q.cod_capable) : o.result.quotes;
      if (quotes.length === 0) rejected.push({ carrier: o.carrier, reason: o.result.quotes.length === 0 ? 'no rates' : 'does not collect cash on delivery' });
      eligible.push(...quotes);
    }
  }
  if (i.requested?.carrier) {
    const want = i.requested;
    const match = eligible.filter((q) => q.carrier === want.carrier && (!want.service || q.service === want.service));
    if (match.length === 0) {
      const why = rejected.find((r) => r.carrier === want.carrier)?.reason ?? (eligible.some((q) => q.carrier === want.carrier) ? `has no service ${want.service}` : 'is not an active carrier');
      return { ok: false, reason: `${want.carrier}${want.service ? ` ${want.service}` : ''} cannot take this parcel: ${why}`, rejected };
    }
    eligible = match;
  }
  if (eligible.length === 0) return { ok: false, reason: `no carrier can take this parcel: ${rejected.map((r) => `${r.carrier}: ${r.reason}`).join('; ') || 'no carriers'}`, rejected };

  const rank = ranker(i.strategy);
  const notes: string[] = [];
  let pool = eligible;
  if (i.deliver_by !== null && i.ships_on !== null) {
    const inTime = eligible.filter((q) => (estimate(q, i.ships_on) ?? '9999-12-31') <= i.deliver_by!);
    if (inTime.length > 0) {
      if (inTime.length < eligible.length) notes.push(`${eligible.length - inTime.length} rate(s) would miss the promised ${i.deliver_by}`);
      pool = inTime;
    } else {
      notes.push(`no rate arrives by the promised ${i.deliver_by}; the best late one is used`);
    }
  }
  if (!i.requested?.carrier && i.preferred_carriers.length > 0) {
    const skipped: string[] = [];
    let found: Quote[] | undefined;
    for (const c of i.preferred_carriers) {
      const mine = pool.filter((q) => q.carrier === c);
      if (mine.length > 0) {
        found = mine;
        break;
      }
      const why = rejected.find((r) => r.carrier === c)?.reason ?? (eligible.some((q) => q.carrier === c) ? 'would miss the promised date' : 'not an active carrier');
      skipped.push(`${c} (${why})`);
    }
    if (found) {
      notes.unshift(skipped.length > 0 ? `preferred carrier ${found[0]!.carrier}, after ${skipped.join(', ')}` : `preferred carrier ${found[0]!.carrier}`);
      pool = found;
    } else {
      notes.unshift(`fallback: no preferred carrier can take it (${skipped.join(', ')})`);
    }
  }
  const sorted = [...pool].sort(rank);
  const chosen = sorted[0]!;
  const est = estimate(chosen, i.ships_on);
  const head = `${label(chosen)} at ${money(chosen)}${chosen.transit_days !== null ? `, ${chosen.transit_days} day(s)` : ''}${est ? ` (est. ${est})` : ''}`;
  const why = i.requested?.carrier ? 'as requested' : `${i.strategy} of ${pool.length} eligible rate(s)`;
  return {
    ok: true,
    chosen,
    alternatives: eligible.filter((q) => q !== chosen).sort(rank),
    reason: [`${head}: ${why}`, ...notes].join('; '),
    strategy: i.strategy,
    rejected,
    estimated_delivery: est,
  };
}
