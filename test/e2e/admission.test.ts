import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildServer } from '../../src/http/server.js';
import { createApiKey } from '../../src/modules/auth/index.js';
import { withTx } from '../../src/db/database.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { orderBody } from '../helpers/seed.js';

/** Admission control (`TANDEM_MAX_IN_FLIGHT`): beyond the bound a request gets 503 `overloaded` at once and changes nothing. */
let db: TestDb;
let app: FastifyInstance;
let url: string;
let token: string;
const MAX = 2;

beforeAll(async () => {
  db = await createTestDb(10);
  app = await buildServer({ db: db.db, version: 'test', databaseKind: 'external', postgresVersion: '16', logger: false, maxInFlight: MAX });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  token = (await withTx(db.db, (tx) => createApiKey(tx, { name: 'admission', role: 'admin' }))).token;
});
afterAll(async () => {
  await app?.close();
  await db?.close();
});

const auth = (): Record<string, string> => ({ authorization: `Bearer ${token}` });
const post = (body: Record<string, unknown>, signal?: AbortSignal) =>
  fetch(`${url}/api/v1/orders`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json', 'idempotency-key': String(body.external_id) }, body: JSON.stringify(body), signal });

/** Holds every request in authentication (its API key read waits on a table lock) until `release()`. */
async function stall(): Promise<{ release(): Promise<void> }> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query('BEGIN');
  await c.query('LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE');
  return {
    release: async () => {
      await c.query('COMMIT');
      await c.end();
    },
  };
}
const waitFor = async (cond: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 200 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 25));
};
/** Requests of this database's pool waiting on the lock (they have been admitted and are working). */
const waiting = async (): Promise<number> =>
  (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db.db)).rows[0]!.n;

describe('admission control', () => {
  it(`beyond ${MAX} requests in progress answers 503 overloaded with Retry-After, before any work, and recovers when they finish`, async () => {
    const lock = await stall();
    const held = [fetch(`${url}/api/v1/skus`, { headers: auth() }), fetch(`${url}/api/v1/skus`, { headers: auth() })];
    await waitFor(async () => (await waiting()) >= MAX);
    expect(await waiting()).toBe(MAX);

    const body = orderBody([{ sku: 'ANY', qty: 1 }]);
    const refused = await post(body);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.headers.get('retry-after')).toBe('1');
    const problem = (await refused.json()) as { code: string; status: number; details: { retry_after_seconds: number } };
    expect(problem).toMatchObject({ code: 'overloaded', status: 503, details: { retry_after_seconds: 1 } });
    // Probes still answer.
    expect((await fetch(`${url}/api/health`)).status).toBe(200);

    await lock.release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    // Nothing of the refused request exists: no order, no idempotency claim — the same key now places the order once.
    const n = async () => (await sql<{ n: number }>`select (select count(*) from orders where external_id = ${String(body.external_id)}) + (select count(*) from idempotency_keys where key = ${String(body.external_id)}) as n`.execute(db.db)).rows[0]!.n;
    expect(await n()).toBe(0);
    const again = await post(body);
    expect(again.status).toBe(201);
    expect(await n()).toBe(2); // the order and its idempotency record
  });

  it('a client that gives up does not free its slot while the server still works on its request', async () => {
    const lock = await stall();
    const aborts = [new AbortController(), new AbortController()];
    const held = aborts.map((a) => fetch(`${url}/api/v1/skus`, { headers: auth(), signal: a.signal }).catch((e: Error) => e));
    await waitFor(async () => (await waiting()) >= MAX);
    for (const a of aborts) a.abort();
    await Promise.all(held);
    await new Promise((r) => setTimeout(r, 50));
    expect((await fetch(`${url}/api/v1/skus`, { headers: auth() })).status).toBe(503);
    await lock.release();
    // Both abandoned requests finish their work; then the slots are free again.
    await waitFor(async () => (await fetch(`${url}/api/health`)).status === 200 && (await waiting()) === 0);
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = (await fetch(`${url}/api/v1/skus`, { headers: auth() })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 25));
    }
    expect(status).toBe(200);
  });

  it('many concurrent requests under the bound are all served', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, async () => {
      for (;;) {
        const r = await fetch(`${url}/api/v1/skus`, { headers: auth() });
        if (r.status !== 503) return r.status;
        await new Promise((res) => setTimeout(res, Number(r.headers.get('retry-after')) * 10));
      }
    }));
    expect(results.every((s) => s === 200)).toBe(true);
  });
});
