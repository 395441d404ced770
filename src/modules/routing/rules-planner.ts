import { bandFor, DEFAULT_BANDS, distanceTo, meetsPromise, shipDay } from './factors.js';
import { currencyExponent } from '../../shared/money.js';
import type { Candidate, CandidateFactors, CandidateReason, DemandLine, PlanContext, PlanLine, Planner, RoutingRule, RoutingRules } from './routing.types.js';

/** The default rules: fewest shipments, then the promise, then nearest, then warehouse priority — strictly in that order. */
export const DEFAULT_RULES: RoutingRules = {
  mode: 'strict',
  rules: [{ rule: 'fewest_shipments' }, { rule: 'meets_promise' }, { rule: 'nearest' }, { rule: 'lowest_cost' }, { rule: 'warehouse_priority' }],
  allow_backorder: true,
};

// Beyond this many warehouse combinations the search falls back to greedy set cover.
const COMBO_LIMIT = 2000;
const SYMBOL: Record<string, string> = { INR: '₹', USD: '$', EUR: '€', GBP: '£' };

interface Assessed {
  c: Candidate;
  complete: number;
  units: number;
  f: CandidateFactors;
}

function unitsAvailable(line: DemandLine, stock: Map<string, number>): number {
  let units = Number.POSITIVE_INFINITY;
  for (const c of line.components) units = Math.min(units, Math.floor((stock.get(c.sku_id) ?? 0) / c.qty));
  return Number.isFinite(units) ? Math.max(0, units) : 0;
}

function take(line: DemandLine, stock: Map<string, number>, units: number): void {
  for (const c of line.components) stock.set(c.sku_id, (stock.get(c.sku_id) ?? 0) - c.qty * units);
}

const find = <R extends RoutingRule['rule']>(rules: RoutingRule[], name: R): Extract<RoutingRule, { rule: R }> | undefined =>
  rules.find((r) => r.rule === name) as Extract<RoutingRule, { rule: R }> | undefined;

/** Factor scores in 0..1 (higher is better) for weighted mode, and comparable keys for strict mode. */
function factorScore(rule: RoutingRule, a: Assessed, lines: number, needed: number, minCost: number | null): number {
  switch (rule.rule) {
    case 'fewest_shipments':
      return lines === 0 ? 0 : 0.5 * (a.complete / lines) + 0.5 * (needed === 0 ? 0 : a.units / needed);
    case 'meets_promise':
      return a.f.meets_promise === null ? (a.f.ships_today === false ? 0.4 : 0.5) : a.f.meets_promise ? 1 : 0;
    case 'nearest':
      return a.f.distance_km === null ? 0 : 1 / (1 + a.f.distance_km / 500);
    case 'lowest_cost':
      return a.f.est_cost === null || minCost === null ? 0 : minCost / a.f.est_cost;
    case 'warehouse_priority':
      return 1 / (1 + Math.max(0, a.f.priority));
    default:
      return 0;
  }
}

function strictCompare(rules: RoutingRule[], a: Assessed, b: Assessed): number {
  const nullLast = (x: number | null, y: number | null): number => (x === null ? (y === null ? 0 : 1) : y === null ? -1 : x - y);
  for (const r of rules) {
    let d = 0;
    if (r.rule === 'fewest_shipments') d = b.complete - a.complete || b.units - a.units;
    else if (r.rule === 'meets_promise') d = (b.f.meets_promise === true ? 1 : 0) - (a.f.meets_promise === true ? 1 : 0);
    else if (r.rule === 'nearest') d = nullLast(a.f.distance_km === null ? null : Math.round(a.f.distance_km), b.f.distance_km === null ? null : Math.round(b.f.distance_km));
    else if (r.rule === 'lowest_cost') d = nullLast(a.f.est_cost, b.f.est_cost);
    else if (r.rule === 'warehouse_priority') d = a.f.priority - b.f.priority;
    if (d !== 0) return d;
  }
  return a.f.priority - b.f.priority || a.c.code.localeCompare(b.c.code);
}

/** Allocates the demand from the given warehouses, in their order, line by line; returns what each supplies. */
function simulate(demand: DemandLine[], team: Assessed[]): { covered: number; alloc: Map<string, PlanLine[]>; back: PlanLine[] } {
  const stock = new Map<string, Map<string, number>>();
  const alloc = new Map<string, PlanLine[]>();
  const back: PlanLine[] = [];
  let covered = 0;
  for (const line of demand) {
    let left = line.qty;
    for (const a of team) {
      if (left === 0) break;
      let s = stock.get(a.c.warehouse_id);
      if (!s) stock.set(a.c.warehouse_id, (s = new Map(a.c.available)));
      const u = Math.min(left, unitsAvailable(line, s));
      if (u <= 0) continue;
      take(line, s, u);
      left -= u;
      covered += u;
      const list = alloc.get(a.c.warehouse_id) ?? [];
      list.push({ line_id: line.line_id, qty: u });
      alloc.set(a.c.warehouse_id, list);
    }
    if (left > 0) back.push({ line_id: line.line_id, qty: left });
  }
  return { covered, alloc, back };
}

function* combinations(n: number, k: number): Generator<number[]> {
  const idx = Array.from({ length: k }, (_, i) => i);
  while (true) {
    yield idx.slice();
    let i = k - 1;
    while (i >= 0 && idx[i] === n - k + i) i--;
    if (i < 0) return;
    idx[i]!++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1]! + 1;
  }
}

function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** The fewest warehouses that serve as much as can be served (then the best-ranked), within the shipment cap. */
function fewestShipments(demand: DemandLine[], ranked: Assessed[], maxShip: number): ReturnType<typeof simulate> {
  const useful = ranked.filter((a) => a.units > 0);
  const needed = demand.reduce((s, l) => s + l.qty, 0);
  // The common case first: the best-ranked warehouse that serves everything on its own.
  for (const a of useful) {
    if (a.units < needed) continue;
    const one = simulate(demand, [a]);
    if (one.covered === needed) return one;
  }
  const all = simulate(demand, useful);
  let best = simulate(demand, []);
  let tried = 0;
  for (let k = 1; k <= Math.min(maxShip, useful.length); k++) {
    if (tried + binom(useful.length, k) > COMBO_LIMIT) {
      // Greedy set cover: add the warehouse that serves the most of what is left, best-ranked first on ties.
      const team = best.alloc.size > 0 ? useful.filter((a) => best.alloc.has(a.c.warehouse_id)) : [];
      while (team.length < maxShip) {
        let pick: { a: Assessed; r: ReturnType<typeof simulate> } | undefined;
        for (const a of useful) {
          if (team.includes(a)) continue;
          const r = simulate(demand, [...team, a]);
          if (!pick || r.covered > pick.r.covered) pick = { a, r };
        }
        if (!pick || pick.r.covered <= best.covered) break;
        team.push(pick.a);
        best = pick.r;
        if (best.covered >= all.covered) break;
      }
      return best;
    }
    for (const combo of combinations(useful.length, k)) {
      tried++;
      const r = simulate(demand, combo.map((i) => useful[i]!));
      // Combinations come best-ranked first, so the first with the most coverage wins a tie.
      if (r.covered > best.covered) best = r;
    }
    if (best.covered >= all.covered) break;
  }
  return best;
}

function describe(a: Assessed, lines: number, needed: number, currency: string | undefined): string {
  const parts = [a.complete === lines ? `all ${lines} line(s)` : `${a.complete} of ${lines} line(s) complete, ${a.units} of ${needed} unit(s)`];
  if (a.f.distance_km !== null) parts.push(`${Math.round(a.f.distance_km)} km`);
  if (a.f.ships_today === true) parts.push(a.c.cutoff_time ? `ships today before ${a.c.cutoff_time} cut-off` : 'ships today');
  else if (a.f.ships_today === false) parts.push(`ships ${a.f.ships_on} (past ${a.c.cutoff_time} cut-off)`);
  if (a.f.meets_promise === false) parts.push('misses the promised date');
  if (a.f.est_cost !== null) parts.push(`est. ${SYMBOL[currency ?? ''] ?? (currency ? `${currency} ` : '')}${a.f.est_cost}${a.f.cost_basis && a.f.cost_basis !== 'distance band' ? ` by ${a.f.cost_basis}` : ''}`);
  else if (a.f.cost_basis?.startsWith('no rate-card price')) parts.push(a.f.cost_basis);
  if (a.f.score !== null) parts.push(`score ${a.f.score.toFixed(2)}`);
  return `${a.c.code}: ${parts.join(', ')}`;
}

/**
 * The rules planner: filters and reserves by the channel's rules, ranks every candidate (strictly in rule order,
 * or by weighted score), serves the order from the fewest warehouses that can (unless the rules allow splitting
 * freely), caps splits, backorders the rest, and explains each candidate with its factors. Pure: `now` is an input.
 */
export const rulesPlanner: Planner = (demand, candidates, ctx: PlanContext = {}) => {
  const rules = ctx.rules ?? DEFAULT_RULES;
  const list = rules.rules;
  const notes: string[] = [];
  const needed = demand.reduce((s, l) => s + l.qty, 0);
  const allowed = find(list, 'allowed_warehouses');
  const reserve = list.filter((r): r is Extract<RoutingRule, { rule: 'keep_reserve' }> => r.rule === 'keep_reserve' && (!r.priorities || r.priorities.includes(ctx.priority ?? 'normal')));
  const keep = reserve.reduce((m, r) => Math.max(m, r.units), 0);
  const cost = find(list, 'lowest_cost');
  const bands = cost?.bands ?? DEFAULT_BANDS;
  const byRateCard = cost?.source === 'rate_cards';
  if (byRateCard && !ctx.lanes) notes.push('rate cards were not priced for this order: cost unknown');
  const point = ctx.destination?.point ?? null;
  if (!point) notes.push('destination location unknown: ranked without distance');
  else if (point.precision === 'region') notes.push(`postal code ${ctx.destination?.postal_code ?? ''} not known: distance from the region centroid`);
  if (keep > 0) notes.push(`keeps the last ${keep} unit(s) of each SKU in reserve`);

  const excluded: Assessed[] = [];
  const assessed: Assessed[] = [];
  for (const c0 of candidates) {
    const c = keep > 0 ? { ...c0, available: new Map([...c0.available].map(([k, v]) => [k, Math.max(0, v - keep)])) } : c0;
    let complete = 0;
    let units = 0;
    for (const l of demand) {
      const u = Math.min(l.qty, unitsAvailable(l, c.available));
      units += u;
      if (u >= l.qty) complete++;
    }
    const km = distanceTo(c, point);
    const band = km === null ? null : bandFor(km, bands);
    const day = ctx.now && c.timezone ? shipDay(ctx.now, c.timezone, c.cutoff_time) : null;
    // With rate cards, the lane's cheapest quote gives the cost and (when the card has it) the transit days.
    const lane = byRateCard ? ctx.lanes?.get(c.warehouse_id) : undefined;
    const quote = lane && !('none' in lane) ? lane : undefined;
    const transit = quote && quote.transit_days !== null ? quote.transit_days : band ? band.transit_days : null;
    const f: CandidateFactors = {
      distance_km: km === null ? null : Math.round(km * 10) / 10,
      ships_today: day ? day.ships_today : null,
      ships_on: day ? day.ships_on : null,
      transit_days: transit,
      est_cost: !cost ? null : byRateCard ? (quote ? quote.amount / 10 ** currencyExponent(quote.currency) : null) : band ? band.cost : null,
      meets_promise: day && c.timezone ? meetsPromise(day.ships_on, transit, c.timezone, ctx.promised_ship_by, ctx.promised_deliver_by) : null,
      priority: c.priority,
      score: null,
    };
    if (cost) {
      if (quote) f.cost_basis = `${quote.carrier} ${quote.service}, zone ${quote.zone}`;
      else if (byRateCard) f.cost_basis = lane && 'none' in lane ? `no rate-card price: ${lane.none}` : 'no rate-card price';
      else if (band) f.cost_basis = 'distance band';
    }
    const a = { c, complete, units, f };
    if (allowed && !allowed.warehouse_ids.includes(c.warehouse_id)) {
      f.excluded = 'not allowed for this channel';
      excluded.push(a);
    } else assessed.push(a);
  }

  if (rules.mode === 'weighted') {
    const costs = assessed.map((a) => a.f.est_cost).filter((x): x is number => x !== null);
    const minCost = costs.length > 0 ? Math.min(...costs) : null;
    for (const a of assessed) a.f.score = list.reduce((s, r) => s + ((r as { weight?: number }).weight ?? 1) * factorScore(r, a, demand.length, needed, minCost), 0);
    assessed.sort((a, b) => b.f.score! - a.f.score! || strictCompare([], a, b));
  } else assessed.sort((a, b) => strictCompare(list, a, b));

  const fewest = find(list, 'fewest_shipments');
  const cap = find(list, 'max_splits');
  const maxShip = cap ? Math.max(1, cap.max + 1) : Infinity;
  let r: ReturnType<typeof simulate>;
  if (fewest && !fewest.allow_split) r = fewestShipments(demand, assessed, maxShip);
  else {
    // Splitting allowed: each line from the best-ranked warehouse that has it, up to the shipment cap.
    r = simulate(demand, assessed.filter((a) => a.units > 0));
    if (r.alloc.size > maxShip) {
      const keepIds = new Set([...r.alloc.keys()].slice(0, maxShip));
      r = simulate(demand, assessed.filter((a) => keepIds.has(a.c.warehouse_id)));
    }
  }
  if (cap && r.covered < needed) notes.push(`at most ${cap.max} split(s) per order`);
  if (rules.allow_backorder === false && r.back.length > 0) {
    notes.push('backorders not allowed: nothing reserved until the whole order can be served');
    r = { covered: 0, alloc: new Map(), back: demand.map((l) => ({ line_id: l.line_id, qty: l.qty })) };
  }

  const whole = r.alloc.size === 1 && r.back.length === 0;
  const ordered = [...assessed, ...excluded];
  const reasons: CandidateReason[] = ordered.map((a, i) => {
    const chosen = r.alloc.has(a.c.warehouse_id);
    const role = a.f.excluded ? ` — ${a.f.excluded}` : chosen ? (whole ? ' — ships the whole order' : r.alloc.size > 1 ? ' — ships part (split)' : ' — ships what it has') : a.units === 0 ? ' — has none' : a.complete === demand.length ? ' — not needed' : ' — would split';
    return {
      warehouse_id: a.c.warehouse_id,
      code: a.c.code,
      rank: i + 1,
      lines_complete: a.complete,
      lines_total: demand.length,
      units_available: a.units,
      units_needed: needed,
      chosen,
      summary: `${describe(a, demand.length, needed, ctx.currency)}${role}`,
      factors: a.f,
    };
  });
  // Allocations follow the ranking, so the plan reads best warehouse first.
  const allocations = ordered.filter((a) => r.alloc.has(a.c.warehouse_id)).map((a) => ({ warehouse_id: a.c.warehouse_id, lines: r.alloc.get(a.c.warehouse_id)! }));
  return {
    strategy: whole ? 'single_warehouse' : r.alloc.size > 1 ? 'split' : 'best_effort',
    allocations,
    backordered: r.back,
    reasons,
    notes: [`rules (${rules.mode}): ${list.map((x) => x.rule).join(' > ')}`, ...notes],
  };
};

/** Whether these rules price lanes on rate cards (the caller then loads them and passes `lanes`). */
export function usesRateCards(rules: RoutingRules): boolean {
  return find(rules.rules, 'lowest_cost')?.source === 'rate_cards';
}
