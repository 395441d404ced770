/**
 * bench/sync: real-time channel stock sync. 10,000 stock changes (one-unit reservations, each its own transaction,
 * from 8 concurrent clients at an even rate) over 1,000 SKUs, pushed to 3 channels (Shopify, WooCommerce, Amazon
 * feeds) played by the local fake channel server that checks each documented request format. One sync worker
 * loops as `tandem work` runs it (a cycle right after a busy one, else a 200 ms pause).
 *
 * Reports pushes vs changes (the coalescing ratio), HTTP requests per channel, the sync lag (change committed →
 * channel acknowledged) p50/p99/max over every acknowledged push, and the cost of the change-queue trigger on a
 * flash sale (one hot SKU, 8 clients reserving, trigger on vs off). Prints figures; no pass/fail beyond "every
 * channel ends with the right value".
 *
 *   npx tsx bench/sync.ts                  # embedded PostgreSQL (fsync on), in the OS temp dir
 *   BENCH_CHANGES=10000 BENCH_SKUS=1000 BENCH_RATE=1000 (changes/s) BENCH_HOT_SECONDS=3
 */
import os from 'node:os';
import { sql } from 'kysely';
import { withTx, type Db } from '../src/db/database.js';
import { createChannel, createListing, saveStockPolicy, setListingMapping } from '../src/modules/channels/index.js';
import { receiveStock, reserveStock } from '../src/modules/inventory/index.js';
import { runSyncCycle } from '../src/channels/sync/index.js';
import { channelAvailability } from '../src/workflows/channel-stock-sync.js';
import { seedWorld } from '../test/helpers/inventory.js';
import { CREDENTIALS, startFakeChannels } from '../test/helpers/fake-channels.js';
import { openBenchDatabase } from './lib/database.js';
import { onCleanup, runMain, say, sleep, rng } from './lib/run.js';

const CHANGES = Number(process.env.BENCH_CHANGES ?? 10_000);
const SKUS = Number(process.env.BENCH_SKUS ?? 1_000);
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const CLIENTS = 8;
const HOT_SECONDS = Number(process.env.BENCH_HOT_SECONDS ?? 3);
const KINDS = ['shopify', 'woocommerce', 'amazon'] as const;

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

async function seed(db: Db, fakeUrl: string) {
  const codes = Array.from({ length: SKUS }, (_, i) => `SYNC-${String(i).padStart(5, '0')}`);
  const world = await seedWorld(db, { warehouses: ['S1'], bins: 1, skus: codes });
  const wh = world.wh.S1!;
  const skuIds = codes.map((c) => world.sku[c]!);
  await withTx(db, (tx) => receiveStock(tx, { warehouse_id: wh, lines: skuIds.map((id) => ({ sku_id: id, qty: 1000, bin_id: world.bin['S1:B1'] })), reference: 'bench' }));
  const channels: Record<string, string> = {};
  for (const kind of KINDS) {
    await withTx(db, async (tx) => {
      const c = await createChannel(tx, { type: kind, name: `bench ${kind}` });
      channels[kind] = c.id;
      for (const [i, id] of skuIds.entries()) {
        const l = await createListing(tx, c.id, { channel_sku: `${kind.toUpperCase()}-${i}`, sku_id: id, sku: codes[i]! });
        await setListingMapping(tx, c.id, l.id, kind === 'shopify' ? { inventory_item_id: String(90_000 + i) } : kind === 'woocommerce' ? { product_id: String(10_000 + i) } : {});
      }
      await saveStockPolicy(tx, c.id, { sync_enabled: true, endpoint: fakeUrl, credentials: CREDENTIALS[kind], location_id: '7001', seller_id: 'A2SELLER', marketplace_id: 'A21TJRUUN4KGV' });
    });
  }
  return { wh, skuIds, codes, channels };
}

/** The sync worker as `tandem work` runs it: again at once after a busy cycle, else a 200 ms pause. */
function startSyncLoop(db: Db): { stop(): Promise<void>; lags: number[]; acked: number; cycles: number } {
  const state = { stopped: false, lags: [] as number[], acked: 0, cycles: 0 };
  const loop = (async () => {
    while (!state.stopped) {
      const r = await runSyncCycle(db);
      state.cycles++;
      state.acked += r.acked;
      state.lags.push(...r.lags_ms);
      if (r.changes + r.claimed === 0) await sleep(200);
    }
  })();
  return { get lags() { return state.lags; }, get acked() { return state.acked; }, get cycles() { return state.cycles; }, stop: async () => { state.stopped = true; await loop; } };
}

async function pending(db: Db): Promise<number> {
  const r = await sql<{ n: number }>`SELECT (SELECT count(*) FROM channel_stock_changes) + (SELECT count(*) FROM channel_stock_sync WHERE dirty_since IS NOT NULL) AS n`.execute(db);
  return Number(r.rows[0]!.n);
}

/** One-unit reservations on one SKU from 8 clients for `seconds`: reservations per second. */
async function hotSale(db: Db, wh: string, skuId: string, seconds: number): Promise<number> {
  let n = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    for (let i = 0; Date.now() < end; i++) {
      await withTx(db, (tx) => reserveStock(tx, { ref: `hot-${c}-${i}-${Math.random()}`, lines: [{ ref_line: '1', sku_id: skuId, warehouse_id: wh, qty: 1 }] }));
      n++;
    }
  }));
  return n / seconds;
}

async function main(): Promise<number> {
  const bench = await openBenchDatabase();
  const db = bench.database.db;
  const fake = await startFakeChannels();
  onCleanup('stop the fake channels', () => fake.close());
  say(`PostgreSQL ${bench.version} (${bench.kind}), Node ${process.version}, ${os.cpus().length} CPUs`);
  const { wh, skuIds, channels } = await seed(db, fake.url);
  // The initial push of every listing is not part of the measurement.
  while ((await runSyncCycle(db)).claimed > 0);
  const before = Object.fromEntries(KINDS.map((k) => [k, [...fake.updates[k].values()].reduce((a, b) => a + b, 0)]));
  const requestsBefore = fake.requests.length;

  const worker = startSyncLoop(db);
  const random = rng(42);
  const started = Date.now();
  let issued = 0;
  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    while (true) {
      const i = issued++;
      if (i >= CHANGES) return;
      const due = started + (i * 1000) / RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      // Skewed like real demand: half the changes on the first 10 % of SKUs.
      const sku = random() < 0.5 ? skuIds[Math.floor(random() * SKUS * 0.1)]! : skuIds[Math.floor(random() * SKUS)]!;
      await withTx(db, (tx) => reserveStock(tx, { ref: `bench-${c}-${i}`, lines: [{ ref_line: '1', sku_id: sku, warehouse_id: wh, qty: 1 }] }));
    }
  }));
  const loadSeconds = (Date.now() - started) / 1000;
  const drainStart = Date.now();
  while ((await pending(db)) > 0 && Date.now() - drainStart < 60_000) await sleep(50);
  const drainMs = Date.now() - drainStart;
  await worker.stop();

  // Every channel must end with what Tandem computes.
  let wrong = 0;
  for (const kind of KINDS) {
    const { items } = await channelAvailability(db, channels[kind]!, skuIds);
    for (const [i, a] of items.entries()) {
      const key = kind === 'shopify' ? String(90_000 + i) : kind === 'woocommerce' ? String(10_000 + i) : `AMAZON-${i}`;
      if (fake.stock[kind].get(key) !== a.available_to_sell) wrong++;
    }
  }
  const pushes = Object.fromEntries(KINDS.map((k) => [k, [...fake.updates[k].values()].reduce((a, b) => a + b, 0) - before[k]!]));
  const totalPushes = Object.values(pushes).reduce((a, b) => a + b, 0);
  const requests = fake.requests.slice(requestsBefore);
  const reqBy = Object.fromEntries(KINDS.map((k) => [k, requests.filter((r) => r.kind === k).length]));
  const lags = worker.lags;

  // Flash sale on one SKU: the change-queue trigger on vs off.
  const hot = skuIds[SKUS - 1]!;
  await withTx(db, (tx) => receiveStock(tx, { warehouse_id: wh, lines: [{ sku_id: hot, qty: 1_000_000 }], reference: 'bench hot' }));
  const withTrigger = await hotSale(db, wh, hot, HOT_SECONDS);
  await sql`ALTER TABLE stock_levels DISABLE TRIGGER stock_levels_channel_sync_update`.execute(db);
  const withoutTrigger = await hotSale(db, wh, hot, HOT_SECONDS);
  await sql`ALTER TABLE stock_levels ENABLE TRIGGER stock_levels_channel_sync_update`.execute(db);
  const withTrigger2 = await hotSale(db, wh, hot, HOT_SECONDS);

  const f = (n: number): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: 1 }) : '—');
  console.log(`\nbench/sync — ${CHANGES.toLocaleString('en-US')} stock changes over ${SKUS.toLocaleString('en-US')} SKUs, ${KINDS.length} channels (PostgreSQL ${bench.version} ${bench.kind}, fsync ${bench.settings.fsync}, Node ${process.version}, ${os.cpus().length} CPUs)`);
  console.log(`load: ${f(CHANGES / loadSeconds)} changes/s for ${f(loadSeconds)} s (${CLIENTS} clients); queue drained ${f(drainMs)} ms after the last change; ${worker.cycles} sync cycles`);
  console.log(`channel changes (stock changes × channels): ${f(CHANGES * KINDS.length)}; listing pushes: ${f(totalPushes)} (${KINDS.map((k) => `${k} ${f(pushes[k]!)}`).join(', ')}) → coalescing ratio ${f((CHANGES * KINDS.length) / Math.max(1, totalPushes))} : 1`);
  console.log(`HTTP requests: ${KINDS.map((k) => `${k} ${f(reqBy[k]!)}`).join(', ')}`);
  console.log(`sync lag (change committed → channel acknowledged), ${f(lags.length)} acknowledged pushes: p50 ${f(pct(lags, 50))} ms, p99 ${f(pct(lags, 99))} ms, max ${f(Math.max(...lags))} ms`);
  console.log(`flash sale, 1 SKU, ${CLIENTS} clients: ${f(withTrigger)} reservations/s with the change trigger, ${f(withoutTrigger)} without, ${f(withTrigger2)} with again`);
  console.log(`channels ending with a wrong value: ${wrong}; request-format violations: ${fake.violations.length}`);
  return wrong === 0 && fake.violations.length === 0 ? 0 : 1;
}

runMain(main);
