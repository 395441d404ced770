/**
 * bench/orders: orders per second end to end over HTTP, against `tandem serve` processes on PostgreSQL.
 *
 *   npm run bench:orders                       # embedded PostgreSQL in the OS temp dir (durable), 1 and 2 Tandem processes
 *   npm run bench:orders -- --rates 1000,auto --seconds 20 --servers 1,2 --clients 32   # auto = 70% of measured capacity
 *   npm run bench:orders -- --profile          # + statements per order from pg_stat_statements (round trips, time)
 *   npm run bench:orders -- --cpu-prof         # + where Tandem's CPU goes (V8 profile summary)
 *   TANDEM_PREPARED_STATEMENTS=off npm run bench:orders   # A/B: the servers without prepared statements (auto | marked | off)
 *   TANDEM_MAX_IN_FLIGHT=0 npm run bench:orders           # A/B: the servers without admission control
 *   DATABASE_URL=postgres://… npm run bench:orders   # a fresh database on that server, dropped at the end
 *
 * Each order: 3 distinct SKUs out of 1,000 (1–2 units each) over 3 warehouses (each SKU stocked in 2 of them, so
 * about a fifth of the orders are split), POST /api/v1/orders with an Idempotency-Key: capture, verification holds,
 * routing, reservation, fulfillment work and outbox events in one transaction. For every server count: a closed-loop
 * capacity run (N clients back to back) and open-loop runs at constant arrival rates (latency measured from each
 * request's due time, so queueing shows). The baseline is the same order transaction as raw SQL (bench/orders-baseline.ts)
 * on the same database and the same number of connections. Prints the figures and the ratio Tandem ÷ baseline.
 * Exits non-zero on a correctness failure (an error response, an order not allocated, inventory drift, inconsistent
 * orders/reservations/outbox); slowness alone never fails it.
 */
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { withTx } from '../src/db/database.js';
import { ensureApiChannel } from '../src/modules/channels/index.js';
import { inventoryVerify, orderConsistency, printViolations, type Violation } from './lib/checks.js';
import { openBenchDatabase } from './lib/database.js';
import { HttpClient, HttpError } from './lib/http.js';
import { closedLoop, errorSummary, openLoop, type LoadResult, type Outcome } from './lib/load.js';
import { runMain, rng, say, onCleanup } from './lib/run.js';
import { integrationKey, orderBody, seedWorld } from './lib/seed.js';
import { CpuMeter, machine, ms, table } from './lib/stats.js';
import { startTandemProcess, type TandemProcess } from './lib/tandem.js';
import { baselineOrder } from './orders-baseline.js';
import { profileOrders } from './orders-profile.js';
import { summariseCpuProfiles } from './lib/cpuprofile.js';

const { values: a } = parseArgs({
  options: {
    rates: { type: 'string', default: '1000,auto' },
    seconds: { type: 'string', default: '20' },
    'capacity-seconds': { type: 'string', default: '10' },
    'warmup-seconds': { type: 'string', default: '3' },
    clients: { type: 'string', default: '32' },
    servers: { type: 'string', default: '1,2' },
    pool: { type: 'string', default: '20' },
    skus: { type: 'string', default: '1000' },
    warehouses: { type: 'string', default: '3' },
    'timeout-ms': { type: 'string', default: '10000' },
    'max-in-flight': { type: 'string', default: '1000' },
    'no-baseline': { type: 'boolean', default: false },
    built: { type: 'boolean', default: false },
    ephemeral: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'profile-orders': { type: 'string', default: '300' },
    'cpu-prof': { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
  },
});
const num = (k: keyof typeof a): number => Number(a[k]);
const smoke = a.smoke!;
const cfg = {
  rates: smoke ? ['50'] : String(a.rates).split(','),
  seconds: smoke ? 2 : num('seconds'),
  capacitySeconds: smoke ? 2 : num('capacity-seconds'),
  warmupSeconds: smoke ? 1 : num('warmup-seconds'),
  clients: smoke ? 4 : num('clients'),
  servers: smoke ? [1, 2] : String(a.servers).split(',').map(Number),
  pool: num('pool'),
  skus: smoke ? 100 : num('skus'),
  warehouses: num('warehouses'),
  timeoutMs: num('timeout-ms'),
  maxInFlight: num('max-in-flight'),
};

runMain(async () => {
  const started = Date.now();
  const m = machine();
  const bench = await openBenchDatabase({ ephemeral: a.ephemeral!, statStatements: a.profile! });
  const db = bench.database.db;
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-logs-'));
  onCleanup('remove the log directory', () => fs.rmSync(logDir, { recursive: true, force: true }));

  const W = cfg.warehouses;
  say(`seeding ${cfg.skus} SKUs × ${W} warehouses …`);
  const world = await seedWorld(db, { warehouses: W, skus: cfg.skus, prefix: 'B', stock: (s, w) => (W < 3 || w !== (s + 2) % W ? 1_000_000 : 0) });
  const key = await integrationKey(db);
  const channelId = (await withTx(db, (tx) => ensureApiChannel(tx))).id;
  const adminKey = randomBytes(18).toString('base64url');

  const random = rng(Number(a.seed));
  const pickLines = (): { sku: string; sku_id: string; qty: number }[] => {
    const chosen = new Set<number>();
    while (chosen.size < 3) chosen.add(Math.floor(random() * world.skus.length));
    return [...chosen].map((i) => ({ sku: world.skus[i]!.sku, sku_id: world.skus[i]!.id, qty: 1 + Math.floor(random() * 2) }));
  };
  const runId = randomBytes(3).toString('hex');
  let seq = 0;
  const client = new HttpClient(cfg.maxInFlight);
  onCleanup('close the HTTP client', () => client.close());
  const auth = `Bearer ${key}`;

  const tandemFire = (ports: number[]) => async (): Promise<Outcome> => {
    const n = seq++;
    const ext = `O-${runId}-${n}`;
    try {
      const r = await client.request({ port: ports[n % ports.length]!, method: 'POST', path: '/api/v1/orders', headers: { authorization: auth, 'idempotency-key': ext }, body: JSON.stringify(orderBody(ext, n, pickLines())), timeoutMs: cfg.timeoutMs });
      // 503 = refused by admission control (overloaded) or no database connection in time: not a correctness failure.
      if (r.status === 503) return { ok: false, kind: 'refused_503' };
      if (r.status !== 201) return { ok: false, kind: `http_${r.status}` };
      const status = (JSON.parse(r.body) as { status: string }).status;
      return status === 'allocated' ? { ok: true } : { ok: false, kind: `status_${status}` };
    } catch (err) {
      return { ok: false, kind: err instanceof HttpError ? err.kind : `exception: ${(err as Error).message}` };
    }
  };
  const basePool = new pg.Pool({ connectionString: bench.url, max: cfg.pool, application_name: 'tandem-bench-baseline' });
  basePool.on('error', () => undefined);
  onCleanup('close the baseline pool', () => basePool.end());
  const baselineFire = async (): Promise<Outcome> => {
    const n = seq++;
    const ok = await baselineOrder(basePool, channelId, `R-${runId}-${n}`, n, pickLines().map((l) => ({ sku_id: l.sku_id, qty: l.qty })));
    return ok ? { ok: true } : { ok: false, kind: 'duplicate' };
  };

  let tandems: TandemProcess[] = [];
  const meter = new CpuMeter(() => ({
    tandem: { pids: tandems.map((t) => t.pid) },
    postgres: bench.postmasterPid ? { pids: [bench.postmasterPid], children: true, descendants: 1 } : { pids: [] },
    bench: { pids: [process.pid] },
  }));

  interface Row {
    system: string;
    r: LoadResult;
    cpu: ReturnType<CpuMeter['used']>;
  }
  const rows: Row[] = [];
  // After an overloaded run the servers still work through requests the clients gave up on: wait for quiet.
  const settle = async (): Promise<void> => {
    for (let quiet = 0, until = Date.now() + 120_000; quiet < 5 && Date.now() < until; ) {
      const busy = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid()`.execute(db)).rows[0]!.n;
      quiet = busy === 0 ? quiet + 1 : 0;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const measure = async (system: string, run: () => Promise<LoadResult>): Promise<LoadResult> => {
    await settle();
    meter.reset();
    const r = await run();
    const cpu = meter.used();
    rows.push({ system, r, cpu });
    const mode = r.mode === 'closed' ? `closed, ${cfg.clients} clients` : `open, ${r.offeredRate}/s`;
    say(`${system} (${mode}): ${r.throughput.toFixed(0)} orders/s, p50 ${ms(r.latency.q(0.5))} ms, p99 ${ms(r.latency.q(0.99))} ms, errors ${errorSummary(r)}`);
    return r;
  };
  let autoRate: number | undefined;
  const runAll = async (system: string, fire: () => Promise<Outcome>): Promise<number> => {
    await closedLoop({ clients: cfg.clients, seconds: cfg.warmupSeconds, fire });
    const cap = await measure(system, () => closedLoop({ clients: cfg.clients, seconds: cfg.capacitySeconds, fire }));
    // "auto": 70% of the first Tandem configuration's capacity, the same arrival rate for every system.
    autoRate ??= Math.max(1, Math.round(cap.throughput * 0.7));
    for (const r of cfg.rates) {
      const rate = r === 'auto' ? autoRate : Number(r);
      await measure(system, () => openLoop({ rate, seconds: cfg.seconds, maxInFlight: cfg.maxInFlight, drainMs: cfg.timeoutMs + 5000, fire }));
    }
    return cap.throughput;
  };

  const capacity = new Map<string, number>();
  let startupMs = 0;
  const cpuProfiles: string[] = [];
  for (const n of cfg.servers) {
    tandems = [];
    const profDir = path.join(logDir, `cpu-${n}`);
    const nodeArgs = a['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
    const before = seq;
    for (let i = 0; i < n; i++) tandems.push(await startTandemProcess({ databaseUrl: bench.url, adminKey, poolSize: cfg.pool, built: a.built!, logDir, label: `orders-${n}-${i}`, nodeArgs }));
    startupMs = Math.max(startupMs, ...tandems.map((t) => t.startupMs));
    capacity.set(`tandem×${n}`, await runAll(`Tandem, ${n} process${n > 1 ? 'es' : ''}`, tandemFire(tandems.map((t) => t.port))));
    if (a.profile && n === cfg.servers[0]) await profileOrders({ bench, fire: tandemFire([tandems[0]!.port]), baseline: a['no-baseline'] ? undefined : baselineFire, orders: num('profile-orders'), say });
    for (const t of tandems) await t.stop();
    tandems = [];
    if (a['cpu-prof']) cpuProfiles.push(`### Tandem CPU profile, ${n} process(es)\n\n${summariseCpuProfiles(profDir, seq - before)}`);
  }
  if (!a['no-baseline']) capacity.set('baseline', await runAll('raw SQL baseline', baselineFire));

  say('checking: inventory verify, orders ↔ reservations ↔ fulfillment work ↔ outbox …');
  const violations: Violation[] = [...(await inventoryVerify(db)), ...(await orderConsistency(db))];
  for (const row of rows) {
    const bad = Object.entries(row.r.errors).filter(([k]) => k.startsWith('http_') || k.startsWith('status_') || k.startsWith('exception') || k === 'duplicate');
    for (const [k, v] of bad) violations.push({ check: 'every order is accepted and allocated', detail: `${row.system}: ${v} × ${k}` });
  }

  const head = ['system', 'load', 'orders/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'errors', 'CPU ms/order: Tandem', 'PostgreSQL', 'load gen', 'other programs'];
  const cpuPer = (row: Row, k: string): string => (row.r.ok > 0 ? ((row.cpu.seconds[k] ?? 0) * 1000 / row.r.ok).toFixed(2) : '–');
  const out = table(
    head,
    rows.map((row) => [
      row.system,
      row.r.mode === 'closed' ? `closed, ${cfg.clients} clients` : `open, ${row.r.offeredRate}/s`,
      row.r.throughput.toFixed(0),
      ms(row.r.latency.q(0.5)),
      ms(row.r.latency.q(0.99)),
      ms(row.r.latency.q(0.999)),
      ms(row.r.latency.max()),
      errorSummary(row.r),
      row.system.startsWith('raw') ? '–' : cpuPer(row, 'tandem'),
      cpuPer(row, 'postgres'),
      cpuPer(row, 'bench'),
      row.r.ok > 0 ? ((row.cpu.others * 1000) / row.r.ok).toFixed(2) : '–',
    ]),
  );
  const base = capacity.get('baseline');
  const lines = [
    '',
    `bench/orders — ${new Date().toISOString().slice(0, 10)}, commit ${m.commit}`,
    `machine: ${m.cpus} CPUs (${m.model}), ${m.memGiB} GiB, ${m.os}, Node ${m.node}; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (at the start ${m.load})`,
    `PostgreSQL ${bench.version} (${bench.kind}): ${Object.entries(bench.settings).map(([k, v]) => `${k}=${v}`).join(', ')}`,
    `workload: 3-line orders over ${cfg.skus} SKUs × ${W} warehouses; Tandem: prepared statements ${process.env.TANDEM_PREPARED_STATEMENTS || 'auto'}, max in flight ${process.env.TANDEM_MAX_IN_FLIGHT ?? '128'} per process, pool ${cfg.pool} connections per process (baseline: the same); ${a.built ? 'dist/ build' : 'tsx'}; startup to healthy ${startupMs.toFixed(0)} ms`,
    '',
    out,
    '',
    ...[...capacity.entries()].filter(([k]) => k !== 'baseline').map(([k, v]) => `capacity ${k}: ${v.toFixed(0)} orders/s${base ? `; ÷ baseline ${base.toFixed(0)} orders/s = ${(v / base).toFixed(2)}` : ''}`),
    capacity.has('tandem×2') && capacity.has('tandem×1') ? `scale-out: 2 processes ÷ 1 process = ${(capacity.get('tandem×2')! / capacity.get('tandem×1')!).toFixed(2)}` : '',
    `took ${((Date.now() - started) / 1000).toFixed(0)} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (cpuProfiles.length > 0) process.stdout.write(`\n${cpuProfiles.join('\n\n')}\n`);
  printViolations(say, violations);
  return violations.length > 0 ? 1 : 0;
});
