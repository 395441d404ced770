/**
 * bench/crash: kill -9 `tandem serve` at random moments during a flash sale, restart it, and prove nothing was lost
 * or doubled.
 *
 *   npm run bench:crash                        # 20 kills
 *   npm run bench:crash -- --kills 100 --buyers 50 --min-ms 200 --max-ms 1500
 *   npm run bench:crash -- --smoke             # 3 kills, small
 *
 * Buyers send orders of hot SKUs back to back (like bench/flash-sale). Every request that fails — connection reset
 * or refused, timeout, 5xx, 409 "still in progress" — is retried with the same Idempotency-Key and body, with
 * backoff, until it is acknowledged; a buyer whose order failed moves on to its next order meanwhile. After each restart,
 * once the new process has acknowledged an order, it is killed again at a random moment 0.3–1.5 s later. After the last kill the buyers stop placing new orders
 * and retry until every order is acknowledged (or the drain window ends). Then: no acknowledged order lost, every
 * response matches the database, no duplicate order, no order nobody sent, no reservation without an order, outbox
 * complete (every order has its order.placed, status and stock.reserved events; no event for an order that does not
 * exist), inventory verify clean, every order acknowledged. Prints the time to healthy after each restart. Exits
 * non-zero on any violation.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { freePort } from '../src/db/embedded.js';
import { acknowledgedOrders, inventoryVerify, orderConsistency, printViolations, stockTotals, type Violation } from './lib/checks.js';
import { setUpHotSale } from './lib/hot-sale.js';
import { HttpClient } from './lib/http.js';
import { failureTotals, flashLines, newClientOrder, sendOrder, type ClientOrder } from './lib/buyers.js';
import { onCleanup, rng, runMain, say, sleep } from './lib/run.js';
import { Latencies, machine, ms, table } from './lib/stats.js';
import { startTandemProcess, type TandemProcess } from './lib/tandem.js';

const { values: a } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    skus: { type: 'string', default: '10' },
    units: { type: 'string', default: '1000' },
    warehouses: { type: 'string', default: '3' },
    buyers: { type: 'string', default: '50' },
    'min-ms': { type: 'string', default: '300' },
    'max-ms': { type: 'string', default: '1500' },
    'timeout-ms': { type: 'string', default: '15000' },
    'drain-seconds': { type: 'string', default: '150' },
    pool: { type: 'string', default: '20' },
    built: { type: 'boolean', default: false },
    ephemeral: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
  },
});
const smoke = a.smoke!;
const cfg = {
  kills: smoke ? 3 : Number(a.kills),
  skus: smoke ? 2 : Number(a.skus),
  units: smoke ? 200 : Number(a.units),
  warehouses: Number(a.warehouses),
  buyers: smoke ? 20 : Number(a.buyers),
  minMs: Number(a['min-ms']),
  maxMs: Number(a['max-ms']),
  timeoutMs: Number(a['timeout-ms']),
  drainSeconds: Number(a['drain-seconds']),
  pool: Number(a.pool),
};

runMain(async () => {
  const started = Date.now();
  const m = machine();
  const { bench, db, logDir, world, supply, key, W } = await setUpHotSale({ ephemeral: a.ephemeral!, warehouses: cfg.warehouses, skus: cfg.skus, units: cfg.units });
  const adminKey = randomBytes(18).toString('base64url');
  const port = await freePort();
  const start = (): Promise<TandemProcess> => startTandemProcess({ databaseUrl: bench.url, adminKey, port, poolSize: cfg.pool, built: a.built!, logDir, label: 'crash' });
  let tandem = await start();
  const client = new HttpClient(cfg.buyers * 4 + 16);
  onCleanup('close the HTTP client', () => client.close());
  const auth = `Bearer ${key}`;
  const random = rng(Number(a.seed));
  const skus = world.skus.map((s) => ({ sku: s.sku, id: s.id }));
  const prefix = `C-${randomBytes(3).toString('hex')}`;
  const orders: ClientOrder[] = [];
  let placing = true;
  let deadline = Number.POSITIVE_INFINITY;

  let acknowledged = 0;
  const send = async (o: ClientOrder): Promise<string | undefined> => {
    const fail = await sendOrder(client, port, auth, o, cfg.timeoutMs);
    if (fail === undefined) acknowledged++;
    return fail;
  };

  // An order's life after a failed send: retry with the same key and body, backing off, until acknowledged.
  const retries = new Set<Promise<void>>();
  const retryUntilAcknowledged = (o: ClientOrder): void => {
    const p = (async () => {
      for (let k = 1; !o.ack && !o.rejected && Date.now() < deadline; k++) {
        await sleep(Math.min(2000, 50 * 2 ** k) * (0.5 + random()));
        await send(o);
      }
    })();
    retries.add(p);
    void p.finally(() => retries.delete(p));
  };
  // A buyer retries inline while the server is down (refused, 5xx); an order whose request may have reached the dead
  // process (reset, timeout, 409 in progress) continues in the background so the buyer can place its next order.
  const buyers = Array.from({ length: cfg.buyers }, async () => {
    while (placing) {
      const o = newClientOrder(prefix, orders.length, flashLines(random, skus, 0.1));
      orders.push(o);
      for (let k = 1; ; k++) {
        const fail = await send(o);
        if (fail === undefined || o.rejected) break;
        if (!(fail === 'refused' || fail.startsWith('http_5')) || !placing) {
          retryUntilAcknowledged(o);
          break;
        }
        await sleep(Math.min(1000, 25 * 2 ** k));
      }
    }
  });

  const restartMs = new Latencies();
  const spawnMs = new Latencies();
  const inFlightAtKill: number[] = [];
  for (let k = 1; k <= cfg.kills; k++) {
    // Kill while orders are flowing: once the new process has acknowledged an order (or after 10 s), at a random moment.
    const before = acknowledged;
    for (const until = Date.now() + 10_000; acknowledged === before && Date.now() < until; ) await sleep(10);
    await sleep(cfg.minMs + random() * (cfg.maxMs - cfg.minMs));
    const pending = orders.filter((o) => !o.ack && o.sends > 0).length;
    const killedAt = performance.now();
    await tandem.kill9();
    tandem = await start();
    restartMs.add(performance.now() - killedAt);
    spawnMs.add(tandem.startupMs);
    inFlightAtKill.push(pending);
    say(`kill ${k}/${cfg.kills}: ${pending} order(s) unacknowledged at the kill; healthy again after ${(performance.now() - killedAt).toFixed(0)} ms`);
  }
  const ackedDuringKills = acknowledged;
  await sleep(cfg.minMs);
  placing = false;
  await Promise.all(buyers);
  const drainStart = performance.now();
  deadline = Date.now() + cfg.drainSeconds * 1000;
  say(`kills done: ${orders.length} orders placed; retrying the ${orders.filter((o) => !o.ack).length} unacknowledged until acknowledged (at most ${cfg.drainSeconds} s) …`);
  while (retries.size > 0) await Promise.race([...retries]);
  const drainS = (performance.now() - drainStart) / 1000;
  await tandem.stop();

  say('checking …');
  const violations: Violation[] = [];
  const unacked = orders.filter((o) => !o.ack);
  if (unacked.length > 0) violations.push({ check: 'every order acknowledged within the drain window', detail: `${unacked.length} not: ${JSON.stringify(failureTotals(unacked))}` });
  const rejected = orders.filter((o) => o.rejected);
  if (rejected.length > 0) violations.push({ check: 'no 4xx response', detail: `${rejected.length}, e.g. ${rejected[0]!.rejected}` });
  const acked = await acknowledgedOrders(db, orders, prefix);
  violations.push(...acked.violations);
  if (acked.dbOrders !== orders.length - unacked.length + acked.unacknowledgedInDb) {
    violations.push({ check: 'orders in the database = orders acknowledged (+ unacknowledged that committed)', detail: `${acked.dbOrders} vs ${orders.length - unacked.length} + ${acked.unacknowledgedInDb}` });
  }
  violations.push(...(await inventoryVerify(db)), ...(await orderConsistency(db)));
  const totals = await stockTotals(db, world.skus.map((s) => s.id));
  const byResponses = orders.reduce((s, o) => s + (o.ack?.reserved ?? 0), 0);
  if (unacked.length === 0 && byResponses !== totals.reservations) violations.push({ check: 'units reserved per the responses = open reservations', detail: `${byResponses} vs ${totals.reservations}` });
  if (totals.reserved > supply || totals.reservations !== totals.reserved) violations.push({ check: 'no oversell', detail: JSON.stringify(totals) });
  const keys = (await sql<{ state: string; n: number }>`SELECT state, count(*)::int AS n FROM idempotency_keys GROUP BY state`.execute(db)).rows;

  const failures = failureTotals(orders);
  const replays = orders.filter((o) => o.ack?.replayed).length;
  const recaptured = orders.filter((o) => o.ack?.http === 200).length;
  const retriedOrders = orders.filter((o) => o.sends > 1);
  const ackAfterRetry = new Latencies();
  for (const o of retriedOrders) if (o.ack) ackAfterRetry.add(o.ack.ms);
  const out = [
    '',
    `bench/crash — ${new Date().toISOString().slice(0, 10)}, commit ${m.commit}`,
    `machine: ${m.cpus} CPUs (${m.model}), ${m.memGiB} GiB, Node ${m.node}; load average at the start ${m.load}, at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `PostgreSQL ${bench.version} (${bench.kind}): ${Object.entries(bench.settings).map(([k, v]) => `${k}=${v}`).join(', ')}; Tandem pool ${cfg.pool}; ${a.built ? 'dist/ build' : 'tsx'}`,
    `${cfg.kills} × kill -9 of tandem serve, ${cfg.minMs}–${cfg.maxMs} ms apart; ${cfg.buyers} buyers; ${cfg.skus} SKUs × ${cfg.units} units over ${W} warehouse(s)`,
    '',
    table(
      ['', 'count / ms'],
      [
        ['orders placed', String(orders.length)],
        ['acknowledged (by the last kill / in all)', `${ackedDuringKills} / ${orders.length - unacked.length}`],
        ['orders that needed retries', String(retriedOrders.length)],
        ['failed sends, by kind', Object.entries(failures).map(([k, v]) => `${v} ${k}`).join(', ') || '0'],
        ['acknowledged by a stored replay (Idempotency-Key)', String(replays)],
        ['acknowledged as "already captured" (200, same external id)', String(recaptured)],
        ['unacknowledged orders at each kill (mean / max)', `${(inFlightAtKill.reduce((s, v) => s + v, 0) / Math.max(1, inFlightAtKill.length)).toFixed(1)} / ${Math.max(0, ...inFlightAtKill)}`],
        ['kill → healthy, ms: min / p50 / max', `${ms(restartMs.q(0))} / ${ms(restartMs.q(0.5))} / ${ms(restartMs.max())}`],
        ['spawn → healthy, ms: min / p50 / max', `${ms(spawnMs.q(0))} / ${ms(spawnMs.q(0.5))} / ${ms(spawnMs.max())}`],
        ['first send → acknowledged for retried orders, ms: p50 / p99 / max', `${ms(ackAfterRetry.q(0.5))} / ${ms(ackAfterRetry.q(0.99))} / ${ms(ackAfterRetry.max())}`],
        ['drain after the last kill, s', drainS.toFixed(1)],
        ['units reserved (responses / reservations / levels)', `${byResponses} / ${totals.reservations} / ${totals.reserved} of ${supply}`],
        ['idempotency keys by state', keys.map((k) => `${k.n} ${k.state}`).join(', ')],
      ],
    ),
    `took ${((Date.now() - started) / 1000).toFixed(0)} s`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  printViolations(say, violations);
  return violations.length > 0 ? 1 : 0;
});
