import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { orderBody, seedWarehousesAndStock, type Seeded } from '../helpers/seed.js';
import { verifyInventory } from '../../src/modules/inventory/index.js';

let t: TestApp;
let s: Seeded;
beforeAll(async () => {
  t = await startTestApp({ poolSize: 30 });
  s = await seedWarehousesAndStock(t, [
    { sku: 'HOT', wh: 'A', qty: 7 },
    { sku: 'HOT', wh: 'B', qty: 5 },
  ], 'C');
});
afterAll(async () => t.close());

describe('orders under concurrency', () => {
  it('never oversells a hot SKU: concurrent orders reserve exactly the stock and backorder the rest', async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'HOT', qty: 1 + (i % 2) }]) })),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    const levels = await sql<{ warehouse_id: string; on_hand: number; reserved: number }>`
      select warehouse_id, on_hand, reserved from stock_levels l join skus k on k.id = l.sku_id where k.sku = 'HOT' order by warehouse_id`.execute(t.db.db);
    for (const l of levels.rows) expect(l.reserved).toBe(l.on_hand); // everything sold, nothing more
    const reserved = await sql<{ n: number }>`select coalesce(sum(qty), 0)::int as n from reservations r join skus k on k.id = r.sku_id where k.sku = 'HOT' and r.status = 'open'`.execute(t.db.db);
    expect(reserved.rows[0]!.n).toBe(12);
    const byStatus = new Map<string, number>();
    for (const r of results) byStatus.set(r.body.status, (byStatus.get(r.body.status) ?? 0) + 1);
    expect((byStatus.get('backordered') ?? 0) + (byStatus.get('allocated') ?? 0) + (byStatus.get('partially_allocated') ?? 0)).toBe(60);
    // Units promised to orders (allocated lines) equal units reserved: no order believes it has stock it does not.
    const promised = results.reduce((sum, r) => sum + r.body.allocations.flatMap((a: { lines: { qty: number }[] }) => a.lines).reduce((x: number, l: { qty: number }) => x + l.qty, 0), 0);
    expect(promised).toBe(12);
    const drift = await verifyInventory(t.db.db);
    expect(drift).toEqual([]);

  });

  it('cancels an order once when two cancellations race, releasing its stock once', async () => {
    await t.call('POST', '/api/v1/inventory/receipts', { body: { warehouse_id: s.whA, lines: [{ sku: 'HOT', qty: 4, bin: 'A-01' }] } });
    const o = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'HOT', qty: 2 }]) });
    expect(o.body.status).toBe('allocated');
    const [a, b] = await Promise.all([
      t.call('POST', `/api/v1/orders/${o.body.id}/cancel`, { body: { reason: 'one' } }),
      t.call('POST', `/api/v1/orders/${o.body.id}/cancel`, { body: { reason: 'two' } }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const released = await sql<{ n: number }>`select count(*)::int as n from outbox where type = 'order.cancelled' and aggregate_id = ${o.body.id}`.execute(t.db.db);
    expect(released.rows[0]!.n).toBe(1);
    const drift = await verifyInventory(t.db.db);
    expect(drift).toEqual([]);
  });
});
