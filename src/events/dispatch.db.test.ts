import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase, withTx } from '../db/database.js';
import { createTestDb, type TestDb } from '../../test/helpers/db.js';
import { emit } from './outbox.js';
import { readCursor, readEventsAfter, outboxLag } from './cursor.js';
import { fanOutWebhooks } from './fanout.js';
import { claimDeliveries, recordAttempt } from './delivery.js';
import { createSubscription } from './webhooks.js';
import { webhookSettings } from '../config.js';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb(10);
});
afterAll(async () => t.close());

const event = (type: string, id: string) => ({ type, aggregateType: type.split('.')[0]!, aggregateId: id, payload: { id } });

describe('the dispatcher cursor', () => {
  it('never passes over an event whose transaction took an older id but committed later', async () => {
    const older = new pg.Client({ connectionString: t.url });
    const newer = new pg.Client({ connectionString: t.url });
    await older.connect();
    await newer.connect();
    try {
      const start = await readCursor(t.db, 'nats');
      // `older` gets its transaction id first, `newer` writes its event first and stays open; `older` writes and commits.
      await older.query('begin');
      await older.query('select pg_current_xact_id()');
      await newer.query('begin');
      await newer.query('select pg_current_xact_id()');
      await newer.query(`insert into outbox (id, type, aggregate_type, aggregate_id, payload) values ('evt_late_1', 'test.late', 'test', 'a1', '{}')`);
      await older.query(`insert into outbox (id, type, aggregate_type, aggregate_id, payload) values ('evt_early_1', 'test.early', 'test', 'a2', '{}')`);
      await older.query('commit');

      const first = await readEventsAfter(t.db, start!, 100);
      expect(first.map((e) => e.id)).toContain('evt_early_1');
      expect(first.map((e) => e.id)).not.toContain('evt_late_1');

      await newer.query('commit');
      const last = first.at(-1)!;
      const next = await readEventsAfter(t.db, { txId: last.tx_id, seq: last.seq }, 100);
      expect(next.map((e) => e.id)).toContain('evt_late_1');
    } finally {
      await older.end();
      await newer.end();
    }
  });
});

describe('webhook fan-out', () => {
  it('creates exactly one delivery per event and matching subscription, however many workers run it at once', async () => {
    const [orders, stock] = await withTx(t.db, async (tx) => [
      await createSubscription(tx, { url: 'http://127.0.0.1:1/a', events: ['order.*'], actor: 'test' }),
      await createSubscription(tx, { url: 'http://127.0.0.1:1/b', events: ['stock.changed', 'order.cancelled'], actor: 'test' }),
    ]);
    for (let i = 0; i < 30; i++) {
      await withTx(t.db, (tx) => emit(tx, [event('order.placed', `ord_${i}`), event('stock.changed', `sku_${i}`), event('sku.created', `sku_${i}`)]));
    }
    await withTx(t.db, (tx) => emit(tx, event('order.cancelled', 'ord_0')));
    const runs = async (): Promise<void> => {
      while ((await fanOutWebhooks(t.db, { batch: 7 })) > 0) {
        /* keep going until caught up */
      }
    };
    await Promise.all([runs(), runs(), runs(), runs()]);
    await runs();

    const rows = await t.db.selectFrom('webhook_deliveries').select(['subscription_id', 'event_type', 'event_id']).execute();
    const forOrders = rows.filter((r) => r.subscription_id === orders!.id);
    const forStock = rows.filter((r) => r.subscription_id === stock!.id);
    expect(forOrders.length).toBe(31);
    expect(new Set(forOrders.map((r) => r.event_id)).size).toBe(31);
    expect(forStock.length).toBe(31);
    expect(forStock.filter((r) => r.event_type === 'order.cancelled').length).toBe(1);
    expect((await outboxLag(t.db)).find((l) => l.name === 'webhooks')!.pending_events).toBe(0);
  });

  it('hands each due delivery to one worker, and again to another once the first one\'s lease ran out', async () => {
    const settings = { ...webhookSettings({}), maxAttempts: 5 };
    const [a, b] = await Promise.all([claimDeliveries(t.db, { batch: 20, leaseMs: 300 }), claimDeliveries(t.db, { batch: 20, leaseMs: 300 })]);
    const ids = [...a, ...b].map((d) => d.id);
    expect(ids.length).toBe(40);
    expect(new Set(ids).size).toBe(40);
    expect(await claimDeliveries(t.db, { batch: 100, leaseMs: 300 })).toHaveLength(22); // 62 in all; 40 are leased

    await new Promise((r) => setTimeout(r, 400));
    const again = await claimDeliveries(t.db, { batch: 100, leaseMs: 60_000 });
    expect(again.map((d) => d.id)).toEqual(expect.arrayContaining(a.map((d) => d.id)));
    const retaken = again.find((d) => d.id === a[0]!.id)!;
    expect(retaken.attempts).toBe(2);

    // The first worker wakes up late: its result is fenced off by the claim token.
    expect(await recordAttempt(t.db, a[0]!, { ok: true, statusCode: 200 }, 5, { settings })).toBe('stale');
    expect(await recordAttempt(t.db, retaken, { ok: false, statusCode: 500, error: 'HTTP 500' }, 5, { settings })).toBe('failed');
    const row = await t.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', retaken.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(row.last_status_code).toBe(500);
    expect(new Date(row.next_attempt_at).getTime()).toBeGreaterThan(Date.now() + 10_000);
  });
});

describe('webhook fan-out under generic plans', () => {
  it('finds its partial unique index as the ON CONFLICT arbiter when the statement is prepared and reused', async () => {
    // A prepared statement reused often enough runs on a generic plan, where bound parameters are unknown; forcing
    // that plan from the first execution makes the failure (no arbiter for `WHERE NOT replayed`) deterministic.
    const own = await createTestDb(2);
    const url = new URL(own.url);
    url.searchParams.set('options', '-c plan_cache_mode=force_generic_plan');
    const generic = openDatabase(url.toString(), 1, 'tandem-test-generic', { preparedStatements: 'auto' });
    try {
      expect((await sql<{ m: string }>`select current_setting('plan_cache_mode') as m`.execute(generic.db)).rows[0]!.m).toBe('force_generic_plan');
      await withTx(own.db, (tx) => createSubscription(tx, { url: 'http://127.0.0.1:1/a', events: ['order.*'], actor: 'test' }));
      for (let i = 0; i < 3; i++) {
        await withTx(own.db, (tx) => emit(tx, event('order.placed', `ord_g${i}`)));
        expect(await fanOutWebhooks(generic.db, { batch: 10 })).toBeGreaterThan(0);
      }
      const rows = await own.db.selectFrom('webhook_deliveries').select('event_id').execute();
      expect(rows).toHaveLength(3);
    } finally {
      await generic.close();
      await own.close();
    }
  });
});
