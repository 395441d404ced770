/**
 * bench/wave: wave release and pick confirmation at warehouse scale, through the workflows (one transaction each).
 *
 *   npm run bench:wave            # BENCH_BINS=5000 BENCH_ORDERS=2000 BENCH_LINES=3 BENCH_PICKERS=20
 *
 * Seeds one warehouse of BENCH_BINS bins (50 aisles × 100 positions, 5 zones), 1,000 SKUs in 5 bins each (FIFO
 * receipts, some lots with expiry for FEFO), then captures BENCH_ORDERS orders of BENCH_LINES lines through the real
 * capture path (verify, route, reserve). Times:
 *   1. the release of one batch wave taking every order: selection, bin allocation, pick tasks and S-shape paths;
 *   2. pick confirmation by BENCH_PICKERS concurrent pickers (claim → confirm every line → next task) until the
 *      wave is picked: confirms per second and latency percentiles.
 * Checks afterwards: every fulfillment order picked, staging holds every unit, `inventory verify` finds no drift.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database.js';
import { withTx } from '../src/db/database.js';
import { AppError } from '../src/shared/errors.js';
import type { Principal } from '../src/modules/auth/index.js';
import { createSku } from '../src/modules/catalog/index.js';
import { ensureApiChannel } from '../src/modules/channels/index.js';
import { receiveStock, verifyInventory } from '../src/modules/inventory/index.js';
import { createBins, createWarehouse } from '../src/modules/warehouse/index.js';
import { captureOrder } from '../src/workflows/capture-order.js';
import { claimPickTask, confirmPick } from '../src/workflows/pick-execution.js';
import { createWave } from '../src/workflows/wave-release.js';
import { openBenchDatabase } from './lib/database.js';
import { onCleanup, rng, runMain, say } from './lib/run.js';
import { Latencies, machine, ms } from './lib/stats.js';

const BINS = Number(process.env.BENCH_BINS ?? 5000);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 2000);
const LINES = Number(process.env.BENCH_LINES ?? 3);
const PICKERS = Number(process.env.BENCH_PICKERS ?? 20);
const SKUS = 1000;
const AISLES = 50;

runMain(async () => {
  const bench = await openBenchDatabase();
  const { db, close } = openDatabase(bench.url, PICKERS + 5, 'tandem-bench-wave');
  onCleanup('close the pool', close);
  const rand = rng(7);
  say(`PostgreSQL ${bench.version} (${bench.kind}); seeding ${BINS} bins, ${SKUS} SKUs, ${ORDERS} orders × ${LINES} lines`);
  const ops: Principal = { id: 'bench_ops', name: 'ops', role: 'ops', warehouseIds: null };

  const { whId, channelId, skuCodes } = await withTx(db, async (tx) => {
    const wh = await createWarehouse(tx, { code: 'BENCH', name: 'Bench DC', address: { line1: '1 Dock Road', city: 'Pune', postal_code: '411001', country: 'IN' }, timezone: 'Asia/Kolkata', cutoff_time: '16:00' });
    const depth = Math.ceil(BINS / AISLES);
    const bins = Array.from({ length: BINS }, (_, i) => ({ code: `B${String(Math.floor(i / depth) + 1).padStart(2, '0')}-${String((i % depth) + 1).padStart(3, '0')}`, zone: `Z${Math.floor(i / depth / 10) + 1}`, aisle: Math.floor(i / depth) + 1, position: (i % depth) + 1, walk_sequence: i }));
    for (let i = 0; i < bins.length; i += 1000) await createBins(tx, wh.id, bins.slice(i, i + 1000));
    const codes: string[] = [];
    for (let s = 0; s < SKUS; s++) codes.push((await createSku(tx, { sku: `BS-${s}`, name: `Bench item ${s}` })).sku);
    return { whId: wh.id, channelId: (await ensureApiChannel(tx)).id, skuCodes: codes };
  });
  const binIds = (await db.selectFrom('bins').select('id').where('warehouse_id', '=', whId).where('code', '<>', 'STAGE-OUT').orderBy('walk_sequence').execute()).map((b) => b.id);
  const skuIds = new Map((await db.selectFrom('skus').select(['id', 'sku']).execute()).map((s) => [s.sku, s.id]));
  // Each SKU in 5 random bins, 40 units each; every third SKU in dated lots (FEFO).
  for (let s0 = 0; s0 < SKUS; s0 += 200) {
    await withTx(db, (tx) => receiveStock(tx, {
      warehouse_id: whId, reference: 'bench',
      lines: Array.from({ length: 200 * 5 }, (_, k) => {
        const s = s0 + Math.floor(k / 5);
        return { sku_id: skuIds.get(skuCodes[s]!)!, qty: 40, bin_id: binIds[Math.floor(rand() * binIds.length)]!, ...(s % 3 === 0 ? { lot: `L${k % 5}`, expires_on: `2027-0${1 + (k % 5)}-01` } : {}) };
      }),
    }));
  }
  const t0 = performance.now();
  for (let o = 0; o < ORDERS; o++) {
    const lines = Array.from({ length: LINES }, (_, l) => ({ sku: skuCodes[(o * LINES + l * 7 + Math.floor(rand() * 13)) % SKUS]!, qty: 1, unit_price_amount: 19900 }));
    const seen = new Set<string>();
    await captureOrder(db, channelId, {
      external_id: `BW-${o}`, currency: 'INR', customer: { name: `Buyer ${o}`, phone: `+91 93${String(o).padStart(8, '0')}` },
      shipping_address: { line1: '1 MG Road', city: 'Pune', postal_code: '411001', country: 'IN' }, payment: { method: 'prepaid' },
      lines: lines.filter((l) => !seen.has(l.sku) && seen.add(l.sku)),
    });
  }
  say(`captured ${ORDERS} orders in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const pending = (await sql<{ fos: number; lines: number; units: number }>`
    select count(distinct f.id)::int as fos, count(*)::int as lines, sum(l.qty)::int as units from fulfillment_orders f join fulfillment_order_lines l on l.fulfillment_order_id = f.id
    where f.warehouse_id = ${whId} and f.status = 'pending'`.execute(db)).rows[0]!;

  const r0 = performance.now();
  const wave = await createWave(db, ops, { warehouse_id: whId, strategy: 'batch', orders_per_task: 10 });
  const releaseMs = performance.now() - r0;
  const paths = wave.tasks.map((t) => t.path_m ?? 0);
  say(`released: ${wave.orders} orders, ${wave.lines} lines, ${wave.units} units, ${wave.tasks.length} tasks in ${ms(releaseMs)} ms`);

  const lat = new Latencies();
  let confirms = 0;
  let errors = 0;
  const p0 = performance.now();
  await Promise.all(Array.from({ length: PICKERS }, async (_, i) => {
    const picker: Principal = { id: `bench_picker_${i}`, name: `picker ${i}`, role: 'picker', warehouseIds: null };
    for (;;) {
      let task;
      try {
        task = await claimPickTask(db, picker, whId);
      } catch (err) {
        if (err instanceof AppError && err.code === 'nothing_to_pick') return;
        throw err;
      }
      let line = task.next_line;
      while (line) {
        const c0 = performance.now();
        try {
          const r = await confirmPick(db, picker, task.id, { bin: line.bin, sku_or_barcode: line.sku, qty: line.qty_remaining, line_id: line.id });
          lat.add(performance.now() - c0);
          confirms++;
          line = r.task.next_line;
        } catch (err) {
          errors++;
          if (!(err instanceof AppError)) throw err;
          line = (await claimPickTask(db, picker, whId)).next_line;
        }
      }
    }
  }));
  const pickS = (performance.now() - p0) / 1000;
  const notPicked = (await sql<{ n: number }>`select count(*)::int as n from fulfillment_orders where wave_id = ${wave.id} and status <> 'picked'`.execute(db)).rows[0]!.n;
  const drifts = await withTx(db, (tx) => verifyInventory(tx, { warehouse_ids: [whId] }), { isolation: 'repeatable read' });
  const m = machine();
  process.stdout.write([
    `machine: ${m.cpus} × ${m.model}, ${m.memGiB} GiB, Node ${m.node}; PostgreSQL ${bench.version} (${bench.kind})`,
    `warehouse: ${BINS} bins in ${AISLES} aisles; pending work: ${pending.fos} fulfillment orders, ${pending.lines} lines, ${pending.units} units`,
    `| step | figure |`, `|---|---|`,
    `| wave release (batch, 10 orders per cart) | ${ms(releaseMs)} ms for ${wave.orders} orders / ${wave.lines} lines → ${wave.tasks.length} tasks (${wave.unreleased.length} lines unreleased) |`,
    `| pick path per task | median ${ms(paths.sort((a, b) => a - b)[Math.floor(paths.length / 2)] ?? 0)} m, max ${ms(Math.max(...paths))} m |`,
    `| pick confirm, ${PICKERS} pickers | ${confirms} confirms in ${pickS.toFixed(1)} s = ${(confirms / pickS).toFixed(0)}/s; p50 ${ms(lat.q(0.5))} ms, p99 ${ms(lat.q(0.99))} ms, max ${ms(lat.max())} ms; ${errors} retried |`,
    `| checks | ${notPicked} fulfillment orders not picked; inventory verify: ${drifts.length} drift(s) |`,
    '',
  ].join('\n'));
  await bench.close();
  return notPicked === 0 && drifts.length === 0 ? 0 : 1;
});
