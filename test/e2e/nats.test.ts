import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { AckPolicy, DeliverPolicy, connect, type NatsConnection } from 'nats';
import { sql } from 'kysely';
import { withTx } from '../../src/db/database.js';
import { emit } from '../../src/events/outbox.js';
import { NatsPublisher, STREAM } from '../../src/events/nats.js';
import { eventJobs } from '../../src/events/jobs.js';
import { startWorkers } from '../../src/worker.js';
import { webhookSettings } from '../../src/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

const NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';
const run = randomBytes(4).toString('hex').replace(/\d/g, (d) => 'abcdefghij'[Number(d)]!);
// An isolated stream and subject space for this run, so the test proves creation and counts exactly.
const stream = `TANDEM_TEST_${run.toUpperCase()}`;
const prefix = `tandemtest_${run}`;

let db: TestDb;
let nc: NatsConnection;

beforeAll(async () => {
  db = await createTestDb(5);
  nc = await connect({ servers: NATS_URL });
});
afterAll(async () => {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.delete(stream).catch(() => undefined);
  await nc.drain();
  await db.close();
});

async function emitEvents(type: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(...(await withTx(db.db, (tx) => emit(tx, { type, aggregateType: 'thing', aggregateId: `thing_${i}`, payload: { i } }))));
  }
  return ids;
}

/** Every message on the subjects, read back by an ephemeral consumer from the start of the stream. */
async function consumeAll(streamName: string, filter: string, expected: number): Promise<{ id: string; subject: string; msgId: string | undefined }[]> {
  const jsm = await nc.jetstreamManager();
  const ci = await jsm.consumers.add(streamName, { filter_subject: filter, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, inactive_threshold: 30_000_000_000 });
  const consumer = await nc.jetstream().consumers.get(streamName, ci.name);
  const out: { id: string; subject: string; msgId: string | undefined }[] = [];
  const batch = await consumer.fetch({ max_messages: expected + 5, expires: 1_000 });
  for await (const m of batch) {
    out.push({ id: (m.json() as { id: string }).id, subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id') });
    m.ack();
  }
  return out;
}

async function drainOutbox(p: NatsPublisher): Promise<number> {
  let total = 0;
  for (let n = await p.publishPending(db.db); n > 0; n = await p.publishPending(db.db)) total += n;
  return total;
}

describe('NATS JetStream publishing', () => {
  it('creates the stream when missing and publishes every event, in order, with Nats-Msg-Id = event id', async () => {
    const ids = await emitEvents('thing.happened', 5);
    const p = new NatsPublisher({ url: NATS_URL, stream, subjectPrefix: prefix });
    try {
      expect(await drainOutbox(p)).toBeGreaterThanOrEqual(5);
    } finally {
      await p.close();
    }
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(stream);
    expect(info.config.subjects).toEqual([`${prefix}.>`]);
    const got = await consumeAll(stream, `${prefix}.thing.>`, 5);
    expect(got.map((g) => g.id)).toEqual(ids);
    expect(got.every((g) => g.subject === `${prefix}.thing.happened` && g.msgId === g.id)).toBe(true);
  });

  it('de-duplicates a republished event, so a crash before the cursor moved publishes nothing twice', async () => {
    const js = nc.jetstream();
    const [first] = await sql<{ id: string }>`select id from outbox where type = 'thing.happened' order by seq limit 1`.execute(db.db).then((r) => r.rows);
    const ack = await js.publish(`${prefix}.thing.happened`, JSON.stringify({ id: first!.id }), { msgID: first!.id });
    expect(ack.duplicate).toBe(true);

    // The cursor update is lost (as if the worker died right after publishing): everything goes out again.
    await sql`update event_cursors set last_tx_id = '0'::xid8, last_seq = 0 where name = 'nats'`.execute(db.db);
    const p = new NatsPublisher({ url: NATS_URL, stream, subjectPrefix: prefix });
    try {
      expect(await drainOutbox(p)).toBeGreaterThanOrEqual(5);
    } finally {
      await p.close();
    }
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(stream, { subjects_filter: `${prefix}.>` });
    expect(info.state.messages).toBe(5);
    expect(info.state.subjects?.[`${prefix}.thing.happened`]).toBe(5);
  });

  it('publishes from the `tandem work` jobs to the TANDEM stream when NATS_URL is set', async () => {
    const type = `natstest_${run}.created`;
    const workers = startWorkers(db.db, { info: () => undefined, error: () => undefined }, eventJobs({ natsUrl: NATS_URL, webhooks: webhookSettings({}), idleMs: 25 }));
    try {
      const ids = await emitEvents(type, 3);
      const jsm = await nc.jetstreamManager();
      const deadline = Date.now() + 15_000;
      for (;;) {
        const info = await jsm.streams.info(STREAM, { subjects_filter: `tandem.${type}` }).catch(() => undefined);
        if (info?.state.subjects?.[`tandem.${type}`] === 3) break;
        if (Date.now() > deadline) throw new Error('events did not reach the TANDEM stream');
        await new Promise((r) => setTimeout(r, 50));
      }
      const got = await consumeAll(STREAM, `tandem.${type}`, 3);
      expect(got.map((g) => g.id)).toEqual(ids);
    } finally {
      await workers.stop();
    }
    const cursor = await db.db.selectFrom('event_cursors').select(['last_seq']).where('name', '=', 'nats').executeTakeFirstOrThrow();
    const max = await sql<{ m: number }>`select max(seq) as m from outbox`.execute(db.db);
    expect(cursor.last_seq).toBe(max.rows[0]!.m);
  });
});
