/**
 * bench/flash-sale: a stampede on a few hot SKUs through POST /api/v1/orders against `tandem serve` on PostgreSQL.
 *
 *   npm run bench:flash-sale                   # 10 SKUs × 500 units, 1,000 buyers, 20,000 orders over ~10 s
 *   npm run bench:flash-sale -- --skus 10 --units 500 --buyers 1000 --attempts 20000 --seconds 10 --warehouses 3
 *   npm run bench:flash-sale -- --smoke        # 2 SKUs × 50 units, 50 buyers, 600 orders
 *
 * Each SKU's units are spread over the warehouses (so routing, splits and partial reservations are under contention
 * too). Buyer b sends orders b, b+B, b+2B … at their due times (constant arrival rate attempts/seconds); an order has
 * one line of a hot SKU, quantity 1–3, and 10% have a second line of the same SKU. A timeout or 5xx is retried with
 * the same Idempotency-Key. Tandem never rejects an order for lack of stock: it captures it as backordered or
 * partially_allocated. Here accepted = allocated (every unit reserved), rejected = backordered (none), partial =
 * some. Afterwards it checks: units reserved = the units there were (no oversell, no undersell), in the responses,
 * in the reservations and in stock_levels.reserved; inventory verify clean; orders, reservations, fulfillment
 * work and outbox consistent; responses match the database. Exits non-zero when any check fails.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { acknowledgedOrders, inventoryVerify, orderConsistency, printViolations, stockTotals, type Violation } from './lib/checks.js';
import { setUpHotSale } from './lib/hot-sale.js';
import { HttpClient } from './lib/http.js';
import { failureTotals, flashLines, newClientOrder, sendOrder, type ClientOrder } from './lib/buyers.js';
import { onCleanup, rng, runMain, say, sleep } from './lib/run.js';
import { CpuMeter, Latencies, machine, ms, table } from './lib/stats.js';
import { startTandemProcess } from './lib/tandem.js';

const { values: a } = parseArgs({
  options: {
    skus: { type: 'string', default: '10' },
    units: { type: 'string', default: '500' },
    warehouses: { type: 'string', default: '3' },
    buyers: { type: 'string', default: '1000' },
    attempts: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '10' },
    'two-lines': { type: 'string', default: '0.1' },
    pool: { type: 'string', default: '20' },
    'timeout-ms': { type: 'string', default: '60000' },
    retries: { type: 'string', default: '5' },
    built: { type: 'boolean', default: false },
    ephemeral: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
  },
});
const smoke = a.smoke!;
const cfg = {
  skus: smoke ? 2 : Number(a.skus),
  units: smoke ? 50 : Number(a.units),
  warehouses: Number(a.warehouses),
  buyers: smoke ? 50 : Number(a.buyers),
  attempts: smoke ? 600 : Number(a.attempts),
  seconds: smoke ? 3 : Number(a.seconds),
  twoLines: Number(a['two-lines']),
  pool: Number(a.pool),
  timeoutMs: Number(a['timeout-ms']),
  retries: Number(a.retries),
};

runMain(async () => {
  const started = Date.now();
  const m = machine();
  const { bench, db, logDir, world, supply, key, W } = await setUpHotSale({ ephemeral: a.ephemeral!, warehouses: cfg.warehouses, skus: cfg.skus, units: cfg.units });
  const tandem = await startTandemProcess({ databaseUrl: bench.url, adminKey: randomBytes(18).toString('base64url'), poolSize: cfg.pool, built: a.built!, logDir, label: 'flash' });
  const client = new HttpClient(cfg.buyers + 16);
  onCleanup('close the HTTP client', () => client.close());
  const auth = `Bearer ${key}`;
  const random = rng(Number(a.seed));
  const prefix = `F-${randomBytes(3).toString('hex')}`;
  const orders: ClientOrder[] = Array.from({ length: cfg.attempts }, (_, n) => newClientOrder(prefix, n, flashLines(random, world.skus.map((s) => ({ sku: s.sku, id: s.id })), cfg.twoLines)));
  const demand = orders.reduce((s, o) => s + o.lines.reduce((t, l) => t + l.qty, 0), 0);

  const meter = new CpuMeter(() => ({
    tandem: { pids: [tandem.pid] },
    postgres: bench.postmasterPid ? { pids: [bench.postmasterPid], children: true, descendants: 1 } : { pids: [] },
    bench: { pids: [process.pid] },
  }));
  say(`flash sale: ${cfg.skus} SKUs × ${cfg.units} units over ${W} warehouse(s) = ${supply} units; ${cfg.buyers} buyers, ${cfg.attempts} orders (${demand} units wanted) at ${(cfg.attempts / cfg.seconds).toFixed(0)}/s`);
  const t0 = performance.now();
  const rate = cfg.attempts / cfg.seconds;
  await Promise.all(
    Array.from({ length: cfg.buyers }, async (_, b) => {
      for (let i = b; i < orders.length; i += cfg.buyers) {
        const o = orders[i]!;
        const wait = t0 + (i * 1000) / rate - performance.now();
        if (wait > 0) await sleep(wait);
        for (let attempt = 0; attempt <= cfg.retries && !o.ack && !o.rejected; attempt++) {
          if (attempt > 0) await sleep(50 * 2 ** attempt);
          await sendOrder(client, tandem.port, auth, o, cfg.timeoutMs);
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = meter.used();
  await tandem.stop();

  // Classify what the buyers were told.
  const lat = { all: new Latencies(), accepted: new Latencies(), rejected: new Latencies(), partial: new Latencies() };
  const count = { accepted: 0, rejected: 0, partial: 0, other: 0, failed: 0, retried: 0 };
  let reservedByResponses = 0;
  for (const o of orders) {
    if (o.sends > 1) count.retried++;
    if (!o.ack) {
      count.failed++;
      continue;
    }
    reservedByResponses += o.ack.reserved;
    lat.all.add(o.ack.ms);
    const k = o.ack.status === 'allocated' ? 'accepted' : o.ack.status === 'backordered' ? 'rejected' : o.ack.status === 'partially_allocated' ? 'partial' : 'other';
    count[k]++;
    if (k !== 'other') lat[k].add(o.ack.ms);
  }

  say('checking …');
  const violations: Violation[] = [];
  const skuIds = world.skus.map((s) => s.id);
  const totals = await stockTotals(db, skuIds);
  const expected = Math.min(supply, demand);
  const expect = (check: string, actual: number, want: number): void => {
    if (actual !== want) violations.push({ check, detail: `is ${actual}, should be ${want}` });
  };
  expect('units reserved per the responses = units for sale', reservedByResponses, expected);
  expect('open reservations = units for sale (no oversell, no undersell)', totals.reservations, expected);
  expect('stock_levels.reserved = units for sale', totals.reserved, expected);
  expect('on hand unchanged', totals.on_hand, supply);
  if (count.failed > 0) violations.push({ check: 'every order acknowledged', detail: `${count.failed} never acknowledged (${JSON.stringify(failureTotals(orders))})` });
  const rejectedBugs = orders.filter((o) => o.rejected);
  if (rejectedBugs.length > 0) violations.push({ check: 'no 4xx response', detail: `${rejectedBugs.length}, e.g. ${rejectedBugs[0]!.rejected}` });
  if (count.other > 0) violations.push({ check: 'every order allocated, partially allocated or backordered', detail: `${count.other} in another status` });
  const acked = await acknowledgedOrders(db, orders, prefix);
  violations.push(...acked.violations);
  expect('orders in the database = orders acknowledged', acked.dbOrders, orders.length - count.failed);
  violations.push(...(await inventoryVerify(db)), ...(await orderConsistency(db)));

  // Not a failure, a property worth knowing: backordered orders whose routing finished (order.routed in the outbox)
  // before the last reservation of their SKU — the SKU was not sold out yet; routing had read availability that a
  // concurrent order took, and the guarded reserve (rightly) gave nothing.
  const stale = (
    await sql<{ n: number }>`
      WITH last_res AS (SELECT x->>'sku_id' AS sku_id, max(e.seq) AS seq FROM outbox e, jsonb_array_elements(e.payload->'reservations') x
                        WHERE e.type = 'stock.reserved' GROUP BY 1),
           routed AS (SELECT aggregate_id AS order_id, max(seq) AS seq FROM outbox WHERE type = 'order.routed' GROUP BY 1)
      SELECT count(DISTINCT o.id)::int AS n FROM orders o JOIN routed r ON r.order_id = o.id JOIN order_lines l ON l.order_id = o.id
      JOIN last_res lr ON lr.sku_id = l.sku_id WHERE o.status = 'backordered' AND r.seq < lr.seq`.execute(db)
  ).rows[0]!.n;

  const rows = [
    ['accepted (allocated)', String(count.accepted), ms(lat.accepted.q(0.5)), ms(lat.accepted.q(0.99)), ms(lat.accepted.max())],
    ['partially allocated', String(count.partial), ms(lat.partial.q(0.5)), ms(lat.partial.q(0.99)), ms(lat.partial.max())],
    ['rejected (backordered)', String(count.rejected), ms(lat.rejected.q(0.5)), ms(lat.rejected.q(0.99)), ms(lat.rejected.max())],
    ['all', String(orders.length - count.failed), ms(lat.all.q(0.5)), ms(lat.all.q(0.99)), ms(lat.all.max())],
  ];
  const cpuPer = (k: string): string => (((cpu.seconds[k] ?? 0) * 1000) / orders.length).toFixed(2);
  const out = [
    '',
    `bench/flash-sale — ${new Date().toISOString().slice(0, 10)}, commit ${m.commit}`,
    `machine: ${m.cpus} CPUs (${m.model}), ${m.memGiB} GiB, Node ${m.node}; load average at the start ${m.load}, at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `PostgreSQL ${bench.version} (${bench.kind}): ${Object.entries(bench.settings).map(([k, v]) => `${k}=${v}`).join(', ')}; Tandem pool ${cfg.pool}; ${a.built ? 'dist/ build' : 'tsx'}`,
    `${cfg.skus} SKUs × ${cfg.units} units over ${W} warehouse(s) = ${supply} units; ${cfg.buyers} buyers; ${orders.length} orders wanting ${demand} units, offered at ${rate.toFixed(0)}/s`,
    `sent in ${elapsed.toFixed(1)} s = ${(orders.length / elapsed).toFixed(0)} orders/s completed; ${count.retried} order(s) needed a retry (${JSON.stringify(failureTotals(orders))})`,
    `CPU ms per order: Tandem ${cpuPer('tandem')}, PostgreSQL ${cpuPer('postgres')}, load generator ${cpuPer('bench')}, other programs ${((cpu.others * 1000) / orders.length).toFixed(2)}`,
    '',
    table(['outcome', 'orders', 'p50 ms', 'p99 ms', 'max ms'], rows),
    '',
    `units reserved: responses ${reservedByResponses}, reservations ${totals.reservations}, stock_levels.reserved ${totals.reserved}; on hand ${totals.on_hand}; expected ${expected}`,
    `backordered before their SKU sold out (routing read availability a concurrent order then took): ${stale}`,
    `took ${((Date.now() - started) / 1000).toFixed(0)} s`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  printViolations(say, violations);
  return violations.length > 0 ? 1 : 0;
});
