import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { orderBody, seedWarehousesAndStock } from '../helpers/seed.js';
import { newId } from '../../src/shared/ids.js';

/**
 * The orders list with 10,000 orders: keyset paging (newest first, and by dispatch-by with orders without one
 * last) visits every order exactly once, in order. The orders are written in one SQL statement (the capture
 * path has its own tests and benchmarks); the time of the first page is printed, never asserted.
 */
const N = 10_000;
const PAGE = 100;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  await seedWarehousesAndStock(t, [{ sku: 'PG-A', wh: 'A', qty: 5 }], 'PG');
  // One order through the API, so the channel and every default are the real ones; 9,999 copies of it by SQL.
  const first = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'PG-A', qty: 1 }], { number: 'PG-00000' }) });
  expect(first.status, first.text).toBe(201);
  const ids = Array.from({ length: N - 1 }, () => newId('ord'));
  const t0 = performance.now();
  await sql`
    INSERT INTO orders (id, channel_id, external_id, number, status, currency, placed_at, customer_name, payment_method, subtotal_amount, total_amount, dispatch_by, created_at)
    SELECT x.id, o.channel_id, 'PG-' || x.n, 'PG-' || lpad(x.n::text, 5, '0'), CASE WHEN x.n % 7 = 0 THEN 'cancelled' ELSE 'allocated' END, o.currency, o.placed_at, o.customer_name, o.payment_method, o.subtotal_amount, o.total_amount,
           CASE WHEN x.n % 10 = 0 THEN NULL ELSE now() + make_interval(mins => ((x.n * 7919) % 5000)::int) END, now()
    FROM unnest(${ids}::text[]) WITH ORDINALITY AS x(id, n), orders o WHERE o.id = ${first.body.id}`.execute(t.db.db);
  await sql`ANALYZE orders`.execute(t.db.db);
  process.stdout.write(`orders-paging: seeded ${N - 1} orders in ${Math.round(performance.now() - t0)} ms\n`);
}, 120_000);
afterAll(async () => t?.close());

type Seen = { id: string; status: string; dispatch_by: string | null };
async function walk(sort?: 'dispatch_by', filter: Record<string, string> = {}): Promise<Seen[]> {
  const seen: Seen[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < N / PAGE + 2; i++) {
    const q: URLSearchParams = new URLSearchParams({ limit: String(PAGE), ...filter, ...(sort ? { sort } : {}), ...(cursor ? { cursor } : {}) });
    const started = performance.now();
    const r: { status: number; text: string; body: { data: Seen[]; next_cursor: string | null } } = await t.call('GET', `/api/v1/orders?${q}`);
    if (i === 0 && Object.keys(filter).length === 0) process.stdout.write(`orders-paging: first page (${PAGE} of ${N}, ${sort ?? 'newest first'}) answered in ${(performance.now() - started).toFixed(1)} ms\n`);
    expect(r.status, r.text).toBe(200);
    seen.push(...r.body.data.map((o: Seen) => ({ id: o.id, status: o.status, dispatch_by: o.dispatch_by })));
    cursor = r.body.next_cursor;
    if (!cursor) break;
  }
  return seen;
}

describe('the orders list with 10,000 orders', () => {
  it('pages newest first through every order exactly once', async () => {
    const seen = await walk();
    expect(seen).toHaveLength(N);
    expect(new Set(seen.map((o) => o.id)).size).toBe(N);
    const ids = seen.map((o) => o.id);
    expect(ids).toEqual([...ids].sort().reverse());
  }, 120_000);

  it('pages by dispatch-by (orders without one last) through every order exactly once', async () => {
    const seen = await walk('dispatch_by');
    expect(seen).toHaveLength(N);
    expect(new Set(seen.map((o) => o.id)).size).toBe(N);
    const firstNull = seen.findIndex((o) => o.dispatch_by === null);
    expect(firstNull).toBe(N - (N - 1 - ((N - 1) % 10)) / 10);
    expect(seen.slice(firstNull).every((o) => o.dispatch_by === null)).toBe(true);
    const times = seen.slice(0, firstNull).map((o) => Date.parse(o.dispatch_by!));
    for (let i = 1; i < times.length; i++) expect(times[i]! >= times[i - 1]!).toBe(true);
  }, 120_000);

  it('keeps every filter on every page when paging by dispatch-by (orders without one included)', async () => {
    const seen = await walk('dispatch_by', { status: 'allocated' });
    const cancelled = Math.floor((N - 1) / 7);
    expect(seen).toHaveLength(N - cancelled);
    expect(seen.every((o) => o.status === 'allocated')).toBe(true);
    expect(new Set(seen.map((o) => o.id)).size).toBe(N - cancelled);
  }, 120_000);

  it('refuses a cursor it did not hand out, changing nothing', async () => {
    const r = await t.call('GET', `/api/v1/orders?sort=dispatch_by&cursor=${encodeURIComponent("2026-01-01'|x")}`);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('invalid_cursor');
    // Shaped like one, but no real time (month 13), or out of the time range (epoch milliseconds): 400, not a database error.
    for (const cursor of ['2026-13-45T25:61:00.000000Z|ord_x', '999999999999999|ord_x']) {
      const bad = await t.call('GET', `/api/v1/orders?sort=dispatch_by&cursor=${encodeURIComponent(cursor)}`);
      expect(bad.status, `${cursor}: ${bad.text}`).toBe(400);
      expect(bad.body.code).toBe('invalid_cursor');
    }
  });
});
