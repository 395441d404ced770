/**
 * bench/events: how fast the outbox dispatcher moves events out — to NATS JetStream, and to a webhook receiver on
 * 127.0.0.1 through the fan-out and delivery jobs (signing, SSRF check, HTTP POST, result recorded per delivery).
 *
 *   npx tsx bench/events.ts                     # embedded PostgreSQL (fsync on) in the OS temp dir
 *   DATABASE_URL=postgres://… npx tsx bench/events.ts
 *   BENCH_EVENTS=20000 (per run), NATS_URL=nats://127.0.0.1:4222 (the NATS run is skipped when unreachable),
 *   BENCH_WORKERS=1,4 (delivery workers in this process)
 *
 * Events are written first (1,000 per transaction), then drained; the figure is events (or deliveries) per second
 * of draining. Checks: every event reached the stream once; every delivery was acknowledged once by the receiver.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { connect } from 'nats';
import { withTx } from '../src/db/database.js';
import { emit } from '../src/events/outbox.js';
import { NatsPublisher } from '../src/events/nats.js';
import { fanOutWebhooks } from '../src/events/fanout.js';
import { deliverDue } from '../src/events/delivery.js';
import { createSubscription } from '../src/events/webhooks.js';
import { webhookSettings } from '../src/config.js';
import { openBenchDatabase } from './lib/database.js';
import { onCleanup, runMain, say } from './lib/run.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const WORKERS = (process.env.BENCH_WORKERS ?? '1,4').split(',').map(Number);
const NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';

async function writeEvents(db: Parameters<typeof withTx>[0], type: string, n: number): Promise<void> {
  for (let done = 0; done < n; done += 1000) {
    const k = Math.min(1000, n - done);
    await withTx(db, (tx) => emit(tx, Array.from({ length: k }, (_, i) => ({ type, aggregateType: 'bench', aggregateId: `b_${done + i}`, payload: { i: done + i, note: 'x'.repeat(200) } }))));
  }
}

async function main(): Promise<number> {
  const bench = await openBenchDatabase();
  const db = bench.database.db;
  let failures = 0;
  say(`PostgreSQL ${bench.version} (${bench.kind}); ${EVENTS} events per run`);

  // NATS: an isolated stream per run, deleted at the end.
  const run = randomBytes(3).toString('hex').replace(/\d/g, (d) => 'abcdefghij'[Number(d)]!);
  const nc = await connect({ servers: NATS_URL, timeout: 2000 }).catch(() => undefined);
  if (nc) {
    const stream = `TANDEM_BENCH_${run.toUpperCase()}`;
    onCleanup('delete the bench stream', async () => {
      await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
      await nc.close();
    });
    await writeEvents(db, 'bench.nats', EVENTS);
    const p = new NatsPublisher({ url: NATS_URL, stream, subjectPrefix: `tandembench_${run}` });
    const t0 = performance.now();
    let n = 0;
    for (let k = await p.publishPending(db); k > 0; k = await p.publishPending(db)) n += k;
    const s = (performance.now() - t0) / 1000;
    await p.close();
    const info = await (await nc.jetstreamManager()).streams.info(stream);
    say(`NATS JetStream: ${n} events in ${s.toFixed(2)} s = ${Math.round(n / s)} events/s (stream holds ${info.state.messages})`);
    if (info.state.messages !== n) failures++;
  } else {
    say(`NATS at ${NATS_URL} unreachable: NATS run skipped`);
  }

  // Webhooks: a local receiver that answers 200 at once.
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup('stop the receiver', () => new Promise<void>((r) => server.close(() => r())));
  server.keepAliveTimeout = 30_000;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const settings = { ...webhookSettings({}), allowHosts: ['127.0.0.1'] };
  await withTx(db, (tx) => createSubscription(tx, { url, events: ['bench.*'], actor: 'bench' }));
  // Events written before now were for NATS; skip them for the webhook runs.
  while ((await fanOutWebhooks(db, { batch: 5000 })) > 0);
  await sql`delete from webhook_deliveries`.execute(db);

  for (const workers of WORKERS) {
    received = 0;
    await writeEvents(db, 'bench.webhook', EVENTS);
    const t0 = performance.now();
    let fanned = 0;
    const fanout = (async () => {
      for (let k = await fanOutWebhooks(db, { batch: 1000 }); k > 0; k = await fanOutWebhooks(db, { batch: 1000 })) fanned += k;
    })();
    const deliver = async (): Promise<void> => {
      for (;;) {
        const r = await deliverDue(db, { settings, batch: 200, concurrency: 16 });
        if (r.delivered + r.failed + r.dead === 0) {
          const left = await sql<{ n: number }>`select count(*)::int as n from webhook_deliveries where status = 'pending'`.execute(db);
          if (fanned >= EVENTS && left.rows[0]!.n === 0) return;
          await new Promise((r2) => setTimeout(r2, 5));
        }
      }
    };
    await Promise.all([fanout, ...Array.from({ length: workers }, deliver)]);
    const s = (performance.now() - t0) / 1000;
    const delivered = await sql<{ n: number }>`select count(*)::int as n from webhook_deliveries where status = 'delivered'`.execute(db);
    say(`webhooks, ${workers} delivery worker(s) × 16 in flight: ${delivered.rows[0]!.n} deliveries in ${s.toFixed(2)} s = ${Math.round(delivered.rows[0]!.n / s)} deliveries/s (receiver got ${received})`);
    if (delivered.rows[0]!.n !== EVENTS || received !== EVENTS) failures++;
    await sql`delete from webhook_deliveries`.execute(db);
  }
  await bench.close();
  return failures === 0 ? 0 : 1;
}

runMain(main);
