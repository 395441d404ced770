/**
 * bench/route: planning time of the rules planner (pure, no database) per order with 3 lines, over 10 and
 * 100 candidate warehouses, under the default rules with geography and a promised date.
 *
 *   npx tsx bench/route.ts          # BENCH_ORDERS=20000 per case
 *
 * Cases: "one has all" (several warehouses each hold every line: the common case), and "must split" (every
 * warehouse holds one or two of the lines, so the planner searches for the fewest shipments). Prints p50/p99 in µs.
 *
 * Then the what-if simulation (`simulateRouting`, the pure part of POST /api/v1/routing/simulate): BENCH_SIM_ORDERS
 * (default 100,000) past orders of 3 lines over 1,000 SKUs and 10 warehouses, replayed under the default rules and
 * under a proposed weighted rule set, each plan taking stock out of its own pool. Prints the wall time.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_RULES, rulesPlanner, simulateRouting, type Candidate, type DemandLine, type PlanContext, type RoutingRules, type SimOrder } from '../src/modules/routing/index.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 20000);
let seed = 42;
const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const TZ = ['Asia/Kolkata', 'America/New_York', 'Europe/Berlin'];

function warehouses(n: number, split: boolean): Candidate[] {
  return Array.from({ length: n }, (_, i) => {
    const stock = new Map<string, number>();
    for (let s = 0; s < 3; s++) if (split ? (i + s) % 3 !== 0 && rnd() < 0.6 : rnd() < 0.8) stock.set(`sku${s}`, 1 + Math.floor(rnd() * 5));
    return { warehouse_id: `wh_${i}`, code: `WH-${i}`, available: stock, priority: i, lat: 8 + rnd() * 22, lng: 70 + rnd() * 20, timezone: TZ[i % TZ.length]!, cutoff_time: '16:00', type: 'own' as const };
  });
}

function run(label: string, cands: Candidate[]): string {
  const demand: DemandLine[] = [0, 1, 2].map((s) => ({ line_id: `l${s}`, qty: 1, components: [{ sku_id: `sku${s}`, qty: 1 }] }));
  const times: number[] = [];
  for (let i = 0; i < ORDERS + 1000; i++) {
    const ctx: PlanContext = { now: new Date(Date.UTC(2026, 10, 30, i % 24, 0)), promised_ship_by: new Date(Date.UTC(2026, 11, 1)), priority: 'normal', currency: 'INR', rules: DEFAULT_RULES, destination: { postal_code: '560034', country: 'IN', point: { lat: 8 + rnd() * 22, lng: 70 + rnd() * 20, precision: 'postal_code' } } };
    const t0 = performance.now();
    rulesPlanner(demand, cands, ctx);
    const dt = performance.now() - t0;
    if (i >= 1000) times.push(dt); // the first 1,000 warm up the JIT
  }
  times.sort((a, b) => a - b);
  const q = (p: number): string => (times[Math.min(times.length - 1, Math.floor(p * times.length))]! * 1000).toFixed(0);
  return `| ${label} | ${cands.length} | ${q(0.5)} | ${q(0.99)} |`;
}

const rows = [run('one has all', warehouses(10, false)), run('must split', warehouses(10, true)), run('one has all', warehouses(100, false)), run('must split', warehouses(100, true))];
process.stdout.write(`| case | warehouses | p50 µs | p99 µs |\n|---|---|---|---|\n${rows.join('\n')}\n`);

const SIM_ORDERS = Number(process.env.BENCH_SIM_ORDERS ?? 100_000);
function simulate(): string {
  const whs = warehouses(10, false).map(({ available: _a, ...w }) => w);
  const pool = new Map<string, Map<string, number>>();
  for (const w of whs) pool.set(w.warehouse_id, new Map(Array.from({ length: 1000 }, (_, s) => [`sku${s}`, Math.floor(rnd() * 400)] as [string, number])));
  const orders: SimOrder[] = Array.from({ length: SIM_ORDERS }, (_, i) => ({
    id: `ord_${i}`, channel_id: null, created_at: new Date(Date.UTC(2026, 9, 1) + i * 20_000), priority: 'normal', promised_ship_by: null, promised_deliver_by: null, currency: 'INR',
    destination: { postal_code: '560034', country: 'IN', point: { lat: 8 + rnd() * 22, lng: 70 + rnd() * 20, precision: 'postal_code' } },
    demand: [0, 1, 2].map((l) => ({ line_id: `l${l}`, qty: 1 + Math.floor(rnd() * 2), components: [{ sku_id: `sku${Math.floor(rnd() * 1000)}`, qty: 1 }] })),
  }));
  const proposed: RoutingRules = { mode: 'weighted', rules: [{ rule: 'fewest_shipments', weight: 3 }, { rule: 'nearest', weight: 2 }, { rule: 'lowest_cost', weight: 1 }] };
  const t0 = performance.now();
  const r = simulateRouting(orders, whs, pool, () => DEFAULT_RULES, () => proposed);
  const s = (performance.now() - t0) / 1000;
  return `simulation: ${SIM_ORDERS} orders × 2 rule sets over 10 warehouses in ${s.toFixed(1)} s ` +
    `(live: ${r.live.shipments} shipments, ${r.live.split_orders} split, ${r.live.backordered_orders} backordered; proposed: ${r.proposed.shipments} shipments, ${r.proposed.split_orders} split, ${r.proposed.backordered_orders} backordered; ${r.orders_changed} orders changed)\n`;
}
process.stdout.write(simulate());
