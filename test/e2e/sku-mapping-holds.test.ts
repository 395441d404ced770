import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { address, orderBody, seedWarehousesAndStock } from '../helpers/seed.js';
import { withTx } from '../../src/db/database.js';
import { createListing } from '../../src/modules/channels/index.js';
import { releaseMappedHolds } from '../../src/workflows/release-mapped-holds.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedWarehousesAndStock(t, [
    { sku: 'TEE', wh: 'A', qty: 10 },
    { sku: 'MUG', wh: 'B', qty: 10 },
  ]);
});
afterAll(async () => t.close());

const order = async (id: string) => (await t.call('GET', `/api/v1/orders/${id}`)).body;
const reserved = async (orderId: string) =>
  (await sql<{ n: number }>`select coalesce(sum(qty), 0)::int as n from reservations where ref = ${orderId} and status = 'open'`.execute(t.db.db)).rows[0]!.n;

describe('orders held for an unknown SKU continue once it resolves', () => {
  it('a listing for the channel SKU maps the line, releases the hold, routes and reserves', async () => {
    const placed = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 1 }, { channel_sku: 'SHOP-MUG-RED', qty: 2 } as never]) });
    expect(placed.status, placed.text).toBe(201);
    expect(placed.body.status).toBe('on_hold');
    expect(await reserved(placed.body.id)).toBe(0);

    const listing = await t.call('POST', `/api/v1/channels/${placed.body.channel_id}/listings`, { body: { channel_sku: 'SHOP-MUG-RED', sku: 'MUG' } });
    expect(listing.status, listing.text).toBe(201);

    const after = await order(placed.body.id);
    expect(after.status).toBe('allocated');
    expect(after.holds).toEqual([expect.objectContaining({ reason: 'unknown_sku', status: 'released' })]);
    expect(after.lines[1]).toMatchObject({ sku: 'MUG', channel_sku: 'SHOP-MUG-RED' });
    expect(after.timeline.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['line_mapped', 'hold_released', 'routed']));
    expect(after.timeline.find((e: { type: string }) => e.type === 'line_mapped').message).toContain('through the channel listing');
    expect(await reserved(placed.body.id)).toBe(3);
    const line = await sql<{ sku_id: string }>`select sku_id from order_lines where order_id = ${placed.body.id} and line_no = 2`.execute(t.db.db);
    expect(line.rows[0]!.sku_id).toBeTruthy();
  });

  it('creating the SKU the order named maps it (backordered until stock arrives)', async () => {
    const placed = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'LAUNCH-HOODIE', qty: 1 }]) });
    expect(placed.body.status).toBe('on_hold');
    const sku = await t.call('POST', '/api/v1/skus', { body: { sku: 'LAUNCH-HOODIE', name: 'Launch hoodie' } });
    expect(sku.status, sku.text).toBe(201);
    const after = await order(placed.body.id);
    expect(after.status).toBe('backordered');
    expect(after.lines[0]).toMatchObject({ sku: 'LAUNCH-HOODIE' });
    expect(after.timeline.find((e: { type: string }) => e.type === 'line_mapped').message).toContain('now that the SKU exists');
  });

  it('releases only the unknown-SKU hold: an order with another hold stays on hold', async () => {
    const placed = await t.call('POST', '/api/v1/orders', { body: orderBody([{ channel_sku: 'SHOP-TEE-XL', qty: 1 } as never], { shipping_address: address('56', 'IN') }) });
    expect(placed.body.holds.map((h: { reason: string }) => h.reason).sort()).toEqual(['undeliverable_postal_code', 'unknown_sku']);
    await t.call('POST', `/api/v1/channels/${placed.body.channel_id}/listings`, { body: { channel_sku: 'SHOP-TEE-XL', sku: 'TEE' } });
    const after = await order(placed.body.id);
    expect(after.status).toBe('on_hold');
    expect(after.holds.find((h: { reason: string }) => h.reason === 'unknown_sku').status).toBe('released');
    expect(after.holds.find((h: { reason: string }) => h.reason === 'undeliverable_postal_code').status).toBe('open');
    expect(after.lines[0]).toMatchObject({ sku: 'TEE' });
    expect(await reserved(placed.body.id)).toBe(0);
  });

  it('concurrent sweeps map each line once and reserve once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ channel_sku: 'SHOP-TEE-BLUE', qty: 1 } as never]) });
      expect(r.body.status).toBe('on_hold');
      ids.push(r.body.id);
    }
    const channelId = (await order(ids[0]!)).channel_id as string;
    // The listing is written through the channels module (not the API, so no sweep runs yet); then four sweeps race.
    const tee = await sql<{ id: string }>`select id from skus where sku = 'TEE'`.execute(t.db.db);
    await withTx(t.db.db, (tx) => createListing(tx, channelId, { channel_sku: 'SHOP-TEE-BLUE', sku_id: tee.rows[0]!.id, sku: 'TEE' }));
    const results = await Promise.all([1, 2, 3, 4].map(() => releaseMappedHolds(t.db.db, { channelId })));
    expect(results.reduce((n, r) => n + r.lines_mapped, 0)).toBe(5);
    expect(results.reduce((n, r) => n + r.orders_released, 0)).toBe(5);
    for (const id of ids) {
      const o = await order(id);
      expect(o.status).toBe('allocated');
      expect(o.timeline.filter((e: { type: string }) => e.type === 'line_mapped')).toHaveLength(1);
      expect(await reserved(id)).toBe(1);
    }
    const again = await releaseMappedHolds(t.db.db);
    expect(again).toMatchObject({ lines_mapped: 0, failed: [] });
    const verify = await t.call('GET', '/api/v1/inventory/verify');
    expect(verify.body).toEqual({ ok: true, drifts: [] });
  });

  it('counts a mapped line against purchase limits: over the cap the order is held, never refused', async () => {
    await t.call('POST', '/api/v1/skus', { body: { sku: 'HOT-CAP', name: 'Hot cap' } });
    await t.call('POST', '/api/v1/inventory/receipts', { body: { warehouse_id: (await sql<{ id: string }>`select id from warehouses order by code limit 1`.execute(t.db.db)).rows[0]!.id, lines: [{ sku: 'HOT-CAP', qty: 20, bin: 'A-01' }] } });
    const limit = await t.call('PUT', '/api/v1/purchase-limits', { body: { sku: 'HOT-CAP', max_units_per_order: 1, action: 'reject' } });
    expect(limit.status, limit.text).toBe(200);
    const placed = await t.call('POST', '/api/v1/orders', { body: orderBody([{ channel_sku: 'SHOP-HOT-CAP', qty: 2 } as never]) });
    expect(placed.status, placed.text).toBe(201);
    expect(placed.body.status).toBe('on_hold');
    await t.call('POST', `/api/v1/channels/${placed.body.channel_id}/listings`, { body: { channel_sku: 'SHOP-HOT-CAP', sku: 'HOT-CAP' } });
    const after = await order(placed.body.id);
    expect(after.status).toBe('on_hold');
    expect(after.holds.find((h: { reason: string }) => h.reason === 'unknown_sku').status).toBe('released');
    expect(after.holds.find((h: { reason: string }) => h.reason === 'purchase_limit')).toMatchObject({ status: 'open', detail: expect.stringContaining('at most 1 unit(s) per order') });
    expect(await reserved(placed.body.id)).toBe(0);
  });

  it('leaves alone an order whose unknown-SKU hold was already released by hand', async () => {
    const placed = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'GONE-SKU', qty: 1 }]) });
    const rel = await t.call('POST', `/api/v1/orders/${placed.body.id}/holds/${placed.body.holds[0].id}/release`);
    expect(rel.body.status).toBe('closed');
    await t.call('POST', '/api/v1/skus', { body: { sku: 'GONE-SKU', name: 'Gone' } });
    const after = await order(placed.body.id);
    expect(after.status).toBe('closed');
    expect(after.lines[0].sku).toBeNull();
  });

  it('reports an order whose transaction fails, changes nothing of it, goes on with the others, and maps it on a later run', async () => {
    const bad = await t.call('POST', '/api/v1/orders', { body: orderBody([{ channel_sku: 'SHOP-TEE-GREEN', qty: 1 } as never]) });
    const good = await t.call('POST', '/api/v1/orders', { body: orderBody([{ channel_sku: 'SHOP-TEE-GREEN', qty: 1 } as never]) });
    expect([bad.body.status, good.body.status]).toEqual(['on_hold', 'on_hold']);
    const channelId = bad.body.channel_id as string;
    const tee = await sql<{ id: string }>`select id from skus where sku = 'TEE'`.execute(t.db.db);
    await withTx(t.db.db, (tx) => createListing(tx, channelId, { channel_sku: 'SHOP-TEE-GREEN', sku_id: tee.rows[0]!.id, sku: 'TEE' }));
    // A fault in the database for one order only (a trigger standing in for a lock timeout or a constraint).
    await sql`create function fail_for_order() returns trigger language plpgsql as $$
      begin
        if new.order_id = ${sql.lit(bad.body.id as string)} then raise exception 'injected fault for %', new.order_id; end if;
        return new;
      end $$`.execute(t.db.db);
    await sql`create trigger fail_for_order before update on order_lines for each row execute function fail_for_order()`.execute(t.db.db);
    try {
      const run = await releaseMappedHolds(t.db.db, { channelId });
      expect(run.failed).toEqual([{ order_id: bad.body.id, error: expect.stringContaining('injected fault') }]);
      expect(run).toMatchObject({ lines_mapped: 1, orders_released: 1 });
      expect((await order(good.body.id)).status).toBe('allocated');
      const untouched = await order(bad.body.id);
      expect(untouched.status).toBe('on_hold');
      expect(untouched.lines[0].sku).toBeNull();
      expect(untouched.holds).toEqual([expect.objectContaining({ reason: 'unknown_sku', status: 'open' })]);
      expect(untouched.timeline.map((e: { type: string }) => e.type)).not.toContain('line_mapped');
      expect(await reserved(bad.body.id)).toBe(0);
    } finally {
      await sql`drop trigger fail_for_order on order_lines`.execute(t.db.db);
      await sql`drop function fail_for_order()`.execute(t.db.db);
    }
    const later = await releaseMappedHolds(t.db.db, { channelId });
    expect(later).toMatchObject({ lines_mapped: 1, orders_released: 1, failed: [] });
    expect((await order(bad.body.id)).status).toBe('allocated');
    expect(await reserved(bad.body.id)).toBe(1);
    expect((await t.call('GET', '/api/v1/inventory/verify')).body).toEqual({ ok: true, drifts: [] });
  });
});
