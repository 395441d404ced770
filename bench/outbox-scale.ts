/**
 * bench/outbox-scale (`npm run bench:outbox-scale`): one and then two `tandem work` processes sharing one outbox.
 *
 *   npm run bench:outbox-scale                          # embedded PostgreSQL (durable) in the OS temp dir
 *   DATABASE_URL=postgres://… npm run bench:outbox-scale   # a fresh database on that server, dropped at the end
 *   NATS_URL=nats://127.0.0.1:4222 …                     # the workers also publish to JetStream (stream TANDEM)
 *   -- --workers 1,2 --rate 250 --seconds 20 --burst 10000 --kill --smoke
 *   (--workers 1,2,1,2 alternates the configurations; --smoke: 2 workers, 100 events/s × 3 s, burst 1,000)
 *
 * For each configuration (1 worker, 2 workers, and with --kill 2 workers of which one is SIGKILLed mid-burst) the
 * bench starts that many real worker processes (`node --import tsx src/cli/main.ts work`, the whole `tandem work`
 * job set) on one database, with a webhook subscription (`*`) to a de-duplicating consumer on 127.0.0.1 in this
 * process (allow-listed with TANDEM_WEBHOOK_ALLOW_HOSTS). The consumer verifies every Tandem-Signature, records
 * each event id with its delivery count, arrival time and the worker process that sent it (its socket, looked up
 * in /proc). Events are written straight into the outbox with `emit` (the function every state change uses):
 *   1. warm-up: one event every 100 ms until every worker of the configuration has delivered one;
 *   2. paced: --rate events/s for --seconds s, 5 events per transaction (like an order): delivery lag
 *      (event's occurred_at → received) p50/p99/max;
 *   3. burst: --burst events as fast as one connection writes them (100 per transaction): the drain rate, i.e.
 *      events delivered per second from the first write to the last arrival.
 *
 * Checks (exit 1 on any failure): every event of the configuration received (lost = 0), every signature valid,
 * every delivery row `delivered`; without kills, no event received twice. With a kill, duplicates are allowed
 * (at least once: a delivery posted but not recorded by the killed worker is sent again when its 60 s lease ends)
 * and counted. With NATS: the stream holds exactly one message per event id of the run (Nats-Msg-Id).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { AckPolicy, DeliverPolicy, connect, type NatsConnection } from 'nats';
import { withTx, type Db } from '../src/db/database.js';
import { emit } from '../src/events/outbox.js';
import { STREAM, SUBJECT_PREFIX } from '../src/events/nats.js';
import { createSubscription } from '../src/events/webhooks.js';
import { openBenchDatabase } from './lib/database.js';
import { onCleanup, runMain, say, sleep } from './lib/run.js';
import { CpuMeter, Latencies, machine, ms, table } from './lib/stats.js';
import { ROOT, exited, processControls } from './lib/tandem.js';

const { values: a } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2' },
    rate: { type: 'string', default: '250' },
    seconds: { type: 'string', default: '20' },
    burst: { type: 'string', default: '10000' },
    kill: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    'drain-seconds': { type: 'string', default: '60' },
  },
});
const smoke = a.smoke!;
const cfg = {
  // The smoke run checks correctness with two workers (with --kill, also a crash); one worker adds no coverage.
  workers: (smoke ? '2' : a.workers!).split(',').map(Number),
  rate: smoke ? 100 : Number(a.rate),
  seconds: smoke ? 3 : Number(a.seconds),
  burst: smoke ? 1000 : Number(a.burst),
  kill: a.kill!,
  drainSeconds: Number(a['drain-seconds']),
};
const NATS_URL = process.env.NATS_URL || undefined;
/** A killed worker's claimed deliveries come back after the 60 s lease (src/events/delivery.ts): wait longer. */
const KILL_DRAIN_SECONDS = 150;
const PER_TX_PACED = 5;
const PER_TX_BURST = 100;
const ADMIN_KEY = randomBytes(18).toString('base64url');

const run = randomBytes(4).toString('hex').replace(/\d/g, (d) => 'abcdefghij'[Number(d)]!);
const typePrefix = `benchscale_${run}`;
const payload = (i: number): Record<string, unknown> => ({ i, note: 'x'.repeat(200) });

// ---------------------------------------------------------------------------------------------------------------
// The de-duplicating consumer

interface Seen {
  count: number;
  firstAt: number;
  occurredAt: number;
  type: string;
  worker: number | undefined;
}

/** Which process owns the client end of a loopback TCP connection (Linux /proc; undefined elsewhere). */
function ownerOfClientPort(port: number, pids: number[]): number | undefined {
  try {
    const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    let inode: string | undefined;
    for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
      if (!fs.existsSync(file)) continue;
      for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f[1]?.endsWith(hex) && f[9]) {
          inode = f[9];
          break;
        }
      }
      if (inode) break;
    }
    if (!inode) return undefined;
    const want = `socket:[${inode}]`;
    for (const pid of pids) {
      for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        try {
          if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === want) return pid;
        } catch {
          // closed meanwhile
        }
      }
    }
  } catch {
    // not Linux, or the process is gone
  }
  return undefined;
}

class Consumer {
  readonly seen = new Map<string, Seen>();
  /** Unique events received per type (kept as they arrive: the wait loops poll it). */
  private perType = new Map<string, number>();
  private workersPerType = new Map<string, Set<number | undefined>>();
  badSignatures = 0;
  requests = 0;
  /** Worker processes to attribute connections to (the current configuration's). */
  pids: number[] = [];
  private owners = new WeakMap<Socket, number | undefined>();
  private server: http.Server;
  url = '';

  constructor(private secret: () => string) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const now = Date.now();
        this.requests++;
        const raw = Buffer.concat(chunks).toString('utf8');
        if (!this.verify(raw, String(req.headers['tandem-signature'] ?? ''))) {
          this.badSignatures++;
          res.statusCode = 401;
          res.end();
          return;
        }
        const e = JSON.parse(raw) as { id: string; type: string; occurred_at: string };
        if (req.headers['tandem-event-id'] !== e.id) this.badSignatures++;
        const s = this.seen.get(e.id);
        if (s) s.count++;
        else {
          const socket = req.socket;
          if (!this.owners.has(socket)) this.owners.set(socket, ownerOfClientPort(socket.remotePort ?? 0, this.pids));
          this.seen.set(e.id, { count: 1, firstAt: now, occurredAt: Date.parse(e.occurred_at), type: e.type, worker: this.owners.get(socket) });
          this.perType.set(e.type, (this.perType.get(e.type) ?? 0) + 1);
          if (!this.workersPerType.has(e.type)) this.workersPerType.set(e.type, new Set());
          this.workersPerType.get(e.type)!.add(this.owners.get(socket));
        }
        res.end();
      });
    });
    this.server.keepAliveTimeout = 60_000;
  }

  /** The check docs/events.md gives consumers: HMAC-SHA256 over "<t>.<raw body>", constant-time, 300 s tolerance. */
  private verify(raw: string, header: string): boolean {
    const { t, v1 } = Object.fromEntries(header.split(',').map((kv) => kv.split('='))) as { t?: string; v1?: string };
    if (!t || !v1 || Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
    const expected = createHmac('sha256', this.secret()).update(`${t}.${raw}`).digest();
    const given = Buffer.from(v1, 'hex');
    return given.length === expected.length && timingSafeEqual(expected, given);
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/tandem-events`;
    onCleanup('stop the consumer', () => new Promise<void>((r) => {
      this.server.closeAllConnections();
      this.server.close(() => r());
    }));
  }

  /** Unique events received of one type. */
  receivedOf(type: string): number {
    return this.perType.get(type) ?? 0;
  }

  /** The worker processes that delivered events of one type (undefined: not attributed). */
  workersOf(type: string): Set<number | undefined> {
    return this.workersPerType.get(type) ?? new Set();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Worker processes

interface Worker {
  pid: number;
  child: ChildProcess;
  logFile: string;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

function startWorker(databaseUrl: string, logDir: string, label: string): Worker {
  const logFile = path.join(logDir, `tandem-work-${label}.log`);
  const out = fs.openSync(logFile, 'a');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TANDEM_ADMIN_KEY: ADMIN_KEY,
    LOG_LEVEL: 'warn',
    TANDEM_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
  };
  if (NATS_URL) env.NATS_URL = NATS_URL;
  else delete env.NATS_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts'), 'work'], { cwd: ROOT, stdio: ['ignore', out, out], env });
  fs.closeSync(out);
  const unregister = onCleanup(`kill worker ${child.pid}`, async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  });
  return {
    pid: child.pid!,
    child,
    logFile,
    ...processControls(child, unregister, 30_000),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// NATS: what the stream holds for this run

async function natsCounts(nc: NatsConnection, filter: string): Promise<{ messages: number; perId: Map<string, number>; badMsgId: number }> {
  const jsm = await nc.jetstreamManager();
  const ci = await jsm.consumers.add(STREAM, { filter_subject: filter, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, inactive_threshold: 60_000_000_000 });
  const consumer = await nc.jetstream().consumers.get(STREAM, ci.name);
  const perId = new Map<string, number>();
  let messages = 0;
  let badMsgId = 0;
  for (;;) {
    let got = 0;
    const batch = await consumer.fetch({ max_messages: 1000, expires: 2_000 });
    for await (const m of batch) {
      got++;
      messages++;
      const id = (m.json() as { id: string }).id;
      if (m.headers?.get('Nats-Msg-Id') !== id) badMsgId++;
      perId.set(id, (perId.get(id) ?? 0) + 1);
    }
    if (got === 0) break;
  }
  await jsm.consumers.delete(STREAM, ci.name).catch(() => undefined);
  return { messages, perId, badMsgId };
}

// ---------------------------------------------------------------------------------------------------------------

interface Result {
  label: string;
  workers: number;
  killed: boolean;
  events: number;
  pacedRate: number;
  pacedLag: Latencies;
  burstRate: number;
  burstSeconds: number;
  burstLag: Latencies;
  duplicates: number;
  lost: number;
  notDelivered: number;
  retried: number;
  perWorker: string;
  natsCaughtUpRate: number | undefined;
  natsOk: string;
  cpu: { workers: number; postgres: number; bench: number; others: number };
  ok: boolean;
}

async function writeEvents(db: Db, type: string, n: number, perTx: number, from = 0): Promise<void> {
  for (let done = 0; done < n; done += perTx) {
    const k = Math.min(perTx, n - done);
    await withTx(db, (tx) => emit(tx, Array.from({ length: k }, (_, i) => ({ type, aggregateType: 'bench', aggregateId: `b_${from + done + i}`, payload: payload(from + done + i), actor: 'bench' }))));
  }
}

/** The (tx_id, seq) position of the newest event of a type prefix, to compare with the dispatcher cursors. */
async function natsCaughtUp(db: Db, prefix: string): Promise<boolean> {
  const r = await sql<{ ok: boolean }>`
    select coalesce((select (c.last_tx_id, c.last_seq) >= (o.tx_id, o.seq)
      from event_cursors c, (select tx_id, seq from outbox where type like ${`${prefix}%`} order by tx_id desc, seq desc limit 1) o
      where c.name = 'nats'), false) as ok`.execute(db);
  return r.rows[0]?.ok ?? false;
}

async function runConfiguration(
  db: Db,
  url: string,
  consumer: Consumer,
  logDir: string,
  workers: number,
  kill: boolean,
  index: number,
  postmasterPid: number | undefined,
  nc: NatsConnection | undefined,
): Promise<Result> {
  const label = `r${index + 1}w${workers}${kill ? 'kill' : ''}`;
  const prefix = `${typePrefix}.${label}.`;
  say(`— ${workers} worker process(es)${kill ? ', one SIGKILLed mid-burst' : ''}`);
  const procs = Array.from({ length: workers }, (_, i) => startWorker(url, logDir, `${label}-${i + 1}`));
  consumer.pids = procs.map((p) => p.pid);
  const meter = new CpuMeter(() => ({
    workers: { pids: procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null).map((p) => p.pid) },
    postgres: postmasterPid ? { pids: [postmasterPid], children: true, descendants: 1 } : { pids: [] },
    bench: { pids: [process.pid] },
  }));

  // 1. warm-up: until every worker has delivered (or 90 s: attribution may be unavailable off Linux).
  const started = Date.now();
  let warm = 0;
  for (;;) {
    const seenBy = consumer.workersOf(`${prefix}warmup`);
    if (procs.every((p) => seenBy.has(p.pid))) break;
    for (const p of procs) if (p.child.exitCode !== null) throw new Error(`worker ${p.pid} exited (${p.child.exitCode}); log: ${p.logFile}\n${fs.readFileSync(p.logFile, 'utf8').slice(-2000)}`);
    if (Date.now() - started > 90_000) {
      say(`  warm-up: not every worker was seen delivering within 90 s (seen: ${[...seenBy].join(', ') || 'none'}); going on`);
      break;
    }
    await writeEvents(db, `${prefix}warmup`, 1, 1, warm++);
    await sleep(100);
  }
  say(`  warm-up: ${warm} events, workers ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // Let the warm-up drain before measuring.
  for (const deadline = Date.now() + 30_000; consumer.receivedOf(`${prefix}warmup`) < warm && Date.now() < deadline; ) await sleep(20);
  meter.reset();

  let natsDone: number | undefined;
  const watchNats = async (startedAt: number, until: () => boolean): Promise<void> => {
    if (!nc) return;
    while (!until()) {
      if (await natsCaughtUp(db, `${prefix}burst`)) {
        natsDone = performance.now() - startedAt;
        return;
      }
      await sleep(25);
    }
  };

  // 2. paced
  const pacedN = Math.round(cfg.rate * cfg.seconds);
  const interval = (1000 * PER_TX_PACED) / cfg.rate;
  const t0 = performance.now();
  for (let i = 0; i * PER_TX_PACED < pacedN; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    await writeEvents(db, `${prefix}paced`, Math.min(PER_TX_PACED, pacedN - i * PER_TX_PACED), PER_TX_PACED, i * PER_TX_PACED);
  }
  const pacedSeconds = (performance.now() - t0) / 1000;
  for (const deadline = Date.now() + cfg.drainSeconds * 1000; consumer.receivedOf(`${prefix}paced`) < pacedN && Date.now() < deadline; ) await sleep(20);

  // 3. burst (with --kill: SIGKILL the last worker once half of it has arrived)
  const b0 = performance.now();
  const b0Wall = Date.now();
  let killedAt: number | undefined;
  const killer = kill
    ? (async () => {
        for (const deadline = Date.now() + 120_000; consumer.receivedOf(`${prefix}burst`) < cfg.burst / 2 && Date.now() < deadline; ) await sleep(5);
        const victim = procs.at(-1)!;
        await victim.kill9();
        killedAt = (performance.now() - b0) / 1000;
        say(`  SIGKILLed worker ${victim.pid} at ${killedAt.toFixed(2)} s into the burst (${consumer.receivedOf(`${prefix}burst`)} of ${cfg.burst} received)`);
      })()
    : Promise.resolve();
  let burstReceivedDone = false;
  const natsWatch = watchNats(b0, () => burstReceivedDone);
  await writeEvents(db, `${prefix}burst`, cfg.burst, PER_TX_BURST);
  const drain = (kill ? KILL_DRAIN_SECONDS : cfg.drainSeconds) * 1000;
  for (const deadline = Date.now() + drain; consumer.receivedOf(`${prefix}burst`) < cfg.burst && Date.now() < deadline; ) await sleep(10);
  let lastAt = 0;
  for (const s of consumer.seen.values()) if (s.type === `${prefix}burst`) lastAt = Math.max(lastAt, s.firstAt);
  const burstSeconds = (lastAt - b0Wall) / 1000;
  await killer;
  const cpu = meter.used();
  // NATS: wait for the cursor to pass the burst too (bounded).
  for (const deadline = Date.now() + drain; nc && natsDone === undefined && Date.now() < deadline; ) await sleep(50);
  burstReceivedDone = true;
  await natsWatch;
  // A delivery can only be repeated after its lease: with a kill, stay until every claimed row is settled.
  const unsettled = async (): Promise<number> =>
    Number((await sql<{ n: number }>`select count(*)::int as n from webhook_deliveries where event_type like ${`${prefix}%`} and status <> 'delivered'`.execute(db)).rows[0]!.n);
  for (const deadline = Date.now() + drain; (await unsettled()) > 0 && Date.now() < deadline; ) await sleep(100);
  await Promise.all(procs.map((p) => p.stop()));

  // Checks
  const expected = (await sql<{ id: string }>`select id from outbox where type like ${`${prefix}%`}`.execute(db)).rows.map((r) => r.id);
  let duplicates = 0;
  let lost = 0;
  for (const id of expected) {
    const s = consumer.seen.get(id);
    if (!s) lost++;
    else if (s.count > 1) duplicates += s.count - 1;
  }
  const d = (await sql<{ not_delivered: number; retried: number }>`
    select count(*) filter (where status <> 'delivered')::int as not_delivered, count(*) filter (where attempts > 1)::int as retried
    from webhook_deliveries where event_type like ${`${prefix}%`}`.execute(db)).rows[0]!;
  const pacedLag = new Latencies();
  const burstLag = new Latencies();
  const byWorker = new Map<string, number>();
  for (const s of consumer.seen.values()) {
    if (s.type === `${prefix}paced`) pacedLag.add(s.firstAt - s.occurredAt);
    if (s.type === `${prefix}burst`) burstLag.add(s.firstAt - s.occurredAt);
    if (s.type.startsWith(prefix) && s.type !== `${prefix}warmup`) {
      const w = s.worker === undefined ? '?' : String(procs.findIndex((p) => p.pid === s.worker) + 1);
      byWorker.set(w, (byWorker.get(w) ?? 0) + 1);
    }
  }
  const perWorker = [...byWorker.entries()].sort().map(([w, n]) => `#${w}: ${n}`).join(', ');

  let natsOk = 'not run';
  let natsFail = false;
  if (nc) {
    const c = await natsCounts(nc, `${SUBJECT_PREFIX}.${prefix}>`);
    const ids = new Set(expected);
    const missing = expected.filter((id) => !c.perId.has(id)).length;
    const twice = [...c.perId.values()].filter((n) => n > 1).length;
    const foreign = [...c.perId.keys()].filter((id) => !ids.has(id)).length;
    natsFail = missing + twice + foreign + c.badMsgId > 0 || c.messages !== expected.length;
    natsOk = `${c.messages} messages for ${expected.length} events: ${missing} missing, ${twice} twice, ${foreign} unknown, ${c.badMsgId} without Nats-Msg-Id = id`;
  }

  const problems: string[] = [];
  if (lost > 0) problems.push(`${lost} events never received`);
  if (d.not_delivered > 0) problems.push(`${d.not_delivered} deliveries not 'delivered'`);
  if (duplicates > 0 && !kill) problems.push(`${duplicates} duplicate deliveries without any crash`);
  if (natsFail) problems.push(`NATS: ${natsOk}`);
  if (burstLag.count < cfg.burst) problems.push(`burst: ${burstLag.count} of ${cfg.burst} received`);
  for (const p of problems) say(`  FAILED: ${p}`);
  const cpuMs = (k: number): number => (k * 1000) / Math.max(1, pacedN + cfg.burst);
  return {
    label,
    workers,
    killed: kill,
    events: expected.length,
    pacedRate: pacedN / pacedSeconds,
    pacedLag,
    burstRate: cfg.burst / burstSeconds,
    burstSeconds,
    burstLag,
    duplicates,
    lost,
    notDelivered: d.not_delivered,
    retried: d.retried,
    perWorker,
    natsCaughtUpRate: natsDone === undefined ? undefined : cfg.burst / (natsDone / 1000),
    natsOk,
    // A killed process's CPU can no longer be read, and the run waits out the lease: no CPU figures for it.
    cpu: kill
      ? { workers: Number.NaN, postgres: Number.NaN, bench: Number.NaN, others: Number.NaN }
      : { workers: cpuMs(cpu.seconds.workers ?? 0), postgres: cpuMs(cpu.seconds.postgres ?? 0), bench: cpuMs(cpu.seconds.bench ?? 0), others: cpuMs(cpu.others) },
    ok: problems.length === 0,
  };
}

runMain(async () => {
  // Stored secrets (the webhook's signing secret) are sealed with TANDEM_SECRET_KEY; this process and every worker
  // share one key (the workers inherit this environment). A run-local key unless one is given.
  process.env.TANDEM_SECRET_KEY ||= randomBytes(32).toString('base64');
  const m = machine();
  say(`bench:outbox-scale: ${m.cpus} × ${m.model}, ${m.memGiB} GiB, Node ${m.node}, ${m.os}; commit ${m.commit}; load average ${m.load}`);
  say(`configurations: ${cfg.workers.join(', ')} worker(s)${cfg.kill ? ' + 2 with a kill' : ''}; paced ${cfg.rate} events/s × ${cfg.seconds} s; burst ${cfg.burst}; NATS ${NATS_URL ?? 'off (NATS_URL unset)'}`);
  const bench = await openBenchDatabase();
  const db = bench.database.db;
  say(`PostgreSQL ${bench.version} (${bench.kind}), fsync ${bench.settings.fsync}, synchronous_commit ${bench.settings.synchronous_commit}`);
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-outbox-scale-logs-'));

  let secret = '';
  const consumer = new Consumer(() => secret);
  await consumer.listen();
  const sub = await withTx(db, (tx) => createSubscription(tx, { url: consumer.url, events: ['*'], description: 'bench:outbox-scale consumer', actor: 'bench' }));
  secret = sub.secret;
  say(`webhook subscription ${sub.id} → ${consumer.url} (every event)`);

  let nc: NatsConnection | undefined;
  if (NATS_URL) {
    nc = await connect({ servers: NATS_URL, timeout: 3000 });
    const conn = nc;
    onCleanup('purge the run from the NATS stream and disconnect', async () => {
      const jsm = await conn.jetstreamManager();
      await jsm.streams.purge(STREAM, { filter: `${SUBJECT_PREFIX}.${typePrefix}.>` }).catch(() => undefined);
      await conn.drain();
    });
  }

  const results: Result[] = [];
  const plan: { workers: number; kill: boolean }[] = [...cfg.workers.map((w) => ({ workers: w, kill: false })), ...(cfg.kill ? [{ workers: 2, kill: true }] : [])];
  for (const [i, p] of plan.entries()) results.push(await runConfiguration(db, bench.url, consumer, logDir, p.workers, p.kill, i, bench.postmasterPid, nc));

  // Every event since the subscription (also the subscription's own `webhook.created`) arrived.
  const all = (await sql<{ id: string }>`select o.id from outbox o, webhook_subscriptions s where s.id = ${sub.id} and o.occurred_at >= s.created_at`.execute(db)).rows;
  const lostOverall = all.filter((r) => !consumer.seen.has(r.id)).length;

  const fmt = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
  const head = ['workers', 'paced offered/s', 'lag p50 ms', 'p99', 'max', 'burst events/s', 'burst s', 'duplicates', 'lost', 'retried', 'per worker', 'CPU ms/event: workers', 'PostgreSQL', 'bench', 'others'];
  if (nc) head.push('NATS burst events/s');
  const rows = results.map((r) => {
    const row = [
      `${r.workers}${r.killed ? ' (one killed)' : ''}`,
      fmt(r.pacedRate),
      ms(r.pacedLag.q(0.5)),
      ms(r.pacedLag.q(0.99)),
      ms(r.pacedLag.max()),
      fmt(r.burstRate),
      r.burstSeconds.toFixed(2),
      String(r.duplicates),
      String(r.lost),
      String(r.retried),
      r.perWorker,
      ...[r.cpu.workers, r.cpu.postgres, r.cpu.bench, r.cpu.others].map((v) => (Number.isNaN(v) ? '–' : v.toFixed(2))),
    ];
    if (nc) row.push(r.natsCaughtUpRate === undefined ? '–' : fmt(r.natsCaughtUpRate));
    return row;
  });
  process.stdout.write(`\n${table(head, rows)}\n\n`);
  const median = (xs: number[]): number => {
    const s = [...xs].sort((x, y) => x - y);
    return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
  };
  const rate = (w: number): number[] => results.filter((r) => r.workers === w && !r.killed).map((r) => r.burstRate);
  if (rate(1).length > 0 && rate(2).length > 0) say(`burst drain, 2 workers ÷ 1 (medians): ${(median(rate(2)) / median(rate(1))).toFixed(2)}×`);
  for (const r of results) {
    say(`${r.label}: ${r.events} events, burst lag p50 ${ms(r.burstLag.q(0.5))} ms p99 ${ms(r.burstLag.q(0.99))} ms; duplicates ${r.duplicates}, lost ${r.lost}, not delivered ${r.notDelivered}${nc ? `; NATS ${r.natsOk}` : ''}`);
  }
  say(`consumer: ${consumer.requests} requests, ${consumer.badSignatures} with a bad signature; every event since the subscription received: ${lostOverall === 0 ? 'yes' : `NO, ${lostOverall} missing`}`);
  say(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const ok = results.every((r) => r.ok) && consumer.badSignatures === 0 && lostOverall === 0;
  if (ok) fs.rmSync(logDir, { recursive: true, force: true });
  else say(`worker logs kept in ${logDir}`);
  say(ok ? 'bench:outbox-scale: all checks passed' : 'bench:outbox-scale: CHECKS FAILED');
  return ok ? 0 : 1;
});
