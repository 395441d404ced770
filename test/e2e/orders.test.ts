import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { address, orderBody, seedWarehousesAndStock, type Seeded } from '../helpers/seed.js';

let t: TestApp;
let s: Seeded;
beforeAll(async () => {
  t = await startTestApp();
  s = await seedWarehousesAndStock(t, [
    { sku: 'TEE', wh: 'A', qty: 10 },
    { sku: 'TEE', wh: 'B', qty: 10 },
    { sku: 'MUG', wh: 'B', qty: 5 },
    { sku: 'CAP', wh: 'A', qty: 2 },
    { sku: 'RARE', wh: 'A', qty: 0 },
  ]);
  await t.call('POST', '/api/v1/skus', { body: { sku: 'BUNDLE', name: 'Tee and mug', kit_components: [{ sku: 'TEE', qty: 1 }, { sku: 'MUG', qty: 1 }] } });
});
afterAll(async () => t.close());

const level = async (sku: string, wh: string) =>
  (await sql<{ on_hand: number; reserved: number }>`select on_hand, reserved from stock_levels l join skus s on s.id = l.sku_id where s.sku = ${sku} and l.warehouse_id = ${wh}`.execute(t.db.db)).rows[0] ?? { on_hand: 0, reserved: 0 };

describe('placing orders through the API', () => {
  it('captures, reserves from one warehouse that has every line, and explains why', async () => {
    const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 2 }, { sku: 'MUG', qty: 1 }]), headers: { 'idempotency-key': 'ord-1' } });
    expect(r.status, r.text).toBe(201);
    expect(r.body.status).toBe('allocated');
    expect(r.body.allocations).toEqual([{ warehouse_id: s.whB, lines: expect.arrayContaining([expect.objectContaining({ qty: 2 }), expect.objectContaining({ qty: 1 })]) }]);
    expect(r.body.fulfillment_orders).toHaveLength(1);
    expect(r.body.fulfillment_orders[0]).toMatchObject({ warehouse_id: s.whB, status: 'pending' });
    expect(r.body.routing.strategy).toBe('single_warehouse');
    expect(r.body.routing.reasons[0].summary).toContain('TB: all 2 line(s)');
    expect(r.body.subtotal_amount).toBe(3 * 49900);
    expect(r.body.timeline.map((e: { type: string }) => e.type)).toEqual(['placed', 'routed', 'status_changed']);
    expect(await level('TEE', s.whB)).toMatchObject({ reserved: 2 });
    const events = await sql<{ type: string }>`select type from outbox where aggregate_type = 'order' and aggregate_id = ${r.body.id} order by seq`.execute(t.db.db);
    expect(events.rows.map((e) => e.type)).toEqual(['order.placed', 'order.routed', 'order.status_changed']);
    const stock = await sql<{ type: string }>`select type from outbox where type like 'stock.%' and payload::text like ${`%${r.body.id}%`}`.execute(t.db.db);
    expect(stock.rows.map((e) => e.type)).toContain('stock.reserved');
  });

  it('returns the same order for a repeated external id, with no second reservation', async () => {
    const body = orderBody([{ sku: 'TEE', qty: 1 }]);
    const first = await t.call('POST', '/api/v1/orders', { body });
    const again = await t.call('POST', '/api/v1/orders', { body });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const n = await sql<{ n: number }>`select count(*)::int as n from orders where external_id = ${body.external_id as string}`.execute(t.db.db);
    expect(n.rows[0]!.n).toBe(1);
  });

  it('creates one order from concurrent duplicate deliveries', async () => {
    const body = orderBody([{ sku: 'TEE', qty: 1 }]);
    const results = await Promise.all(Array.from({ length: 8 }, () => t.call('POST', '/api/v1/orders', { body })));
    expect(results.every((r) => r.status === 201 || r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const res = await sql<{ n: number }>`select coalesce(sum(qty),0)::int as n from reservations where ref = ${results[0]!.body.id}`.execute(t.db.db);
    expect(res.rows[0]!.n).toBe(1);
  });

  it('splits across warehouses and backorders what no warehouse has', async () => {
    const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'CAP', qty: 3 }, { sku: 'MUG', qty: 1 }]) });
    expect(r.body.status).toBe('partially_allocated');
    expect(r.body.routing.strategy).toBe('split');
    expect(r.body.fulfillment_orders.map((f: { warehouse_id: string }) => f.warehouse_id).sort()).toEqual([s.whA, s.whB].sort());
    const capLine = r.body.lines.find((l: { sku: string }) => l.sku === 'CAP');
    expect(r.body.backordered).toEqual([{ line_id: capLine.id, qty: 1 }]);
    expect(await level('CAP', s.whA)).toEqual({ on_hand: 2, reserved: 2 });
  });

  it('backorders an order with no stock anywhere', async () => {
    const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'RARE', qty: 1 }]) });
    expect(r.body.status).toBe('backordered');
    expect(r.body.fulfillment_orders).toEqual([]);
  });

  it('reserves a kit as its components, and closes an order with nothing to ship', async () => {
    const kit = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'BUNDLE', qty: 1 }]) });
    expect(kit.body.status).toBe('allocated');
    const held = await sql<{ sku: string; qty: number }>`select s.sku, r.qty from reservations r join skus s on s.id = r.sku_id where r.ref = ${kit.body.id} order by s.sku`.execute(t.db.db);
    expect(held.rows).toEqual([{ sku: 'MUG', qty: 1 }, { sku: 'TEE', qty: 1 }]);
    const digital = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 1 }], { lines: [{ title: 'Gift card', qty: 1, unit_price_amount: 100000, needs_shipping: false }], shipping_address: undefined }) });
    expect(digital.status, digital.text).toBe(201);
    expect(digital.body.status).toBe('closed');
  });

  it('rejects bad input with 400 and stores nothing', async () => {
    const before = await sql<{ n: number }>`select count(*)::int as n from orders`.execute(t.db.db);
    const bad = [
      orderBody([{ sku: 'TEE', qty: 0 }]),
      orderBody([{ sku: 'TEE', qty: -1 }]),
      orderBody([{ sku: 'TEE', qty: 1, unit_price_amount: 10.5 }]),
      { ...orderBody([{ sku: 'TEE', qty: 1 }]), currency: 'rupees' },
      { ...orderBody([{ sku: 'TEE', qty: 1 }]), status: 'shipped' },
      { ...orderBody([{ sku: 'TEE', qty: 1 }]), lines: [] },
    ];
    for (const body of bad) {
      const r = await t.call('POST', '/api/v1/orders', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    }
    const after = await sql<{ n: number }>`select count(*)::int as n from orders`.execute(t.db.db);
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  it('keeps international postal codes as strings', async () => {
    const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 1 }], { shipping_address: address('T3C 0K7', 'CA') }) });
    expect(r.body.shipping_address.postal_code).toBe('T3C 0K7');
    const it = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 1 }], { shipping_address: address('01060', 'IT') }) });
    expect(it.body.shipping_address.postal_code).toBe('01060');
    expect(it.body.holds).toEqual([]);
  });
});

describe('holds', () => {
  it('holds an order with an unknown SKU; released by hand with the SKU still unknown, it closes', async () => {
    const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'NOT-A-SKU', qty: 1 }]) });
    expect(r.body.status).toBe('on_hold');
    expect(r.body.holds).toEqual([expect.objectContaining({ reason: 'unknown_sku', status: 'open' })]);
    const rel = await t.call('POST', `/api/v1/orders/${r.body.id}/holds/${r.body.holds[0].id}/release`);
    expect(rel.status).toBe(200);
    expect(rel.body.holds[0].status).toBe('released');
    // The line still has no SKU, so there is nothing the warehouse can ship.
    expect(rel.body.status).toBe('closed');
  });

  it('holds an incomplete or undeliverable address', async () => {
    const noPin = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 1 }], { shipping_address: { ...address(), postal_code: '' } }) });
    expect(noPin.body.holds.map((h: { reason: string }) => h.reason)).toEqual(['incomplete_address']);
    const badPin = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 1 }], { shipping_address: address('0560001') }) });
    expect(badPin.body.holds.map((h: { reason: string }) => h.reason)).toEqual(['undeliverable_postal_code']);
    const none = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 1 }], { shipping_address: undefined }) });
    expect(none.body.holds.map((h: { reason: string }) => h.reason)).toEqual(['incomplete_address']);
  });

  it('holds COD above the limit, from a blocked phone or a blocked pincode, and high-value orders', async () => {
    const rules = await t.call('PUT', '/api/v1/order-rules', { body: { cod_limit_amount: 100000, high_value_amount: 500000, blocked_phones: ['9876543210'], blocked_postal_codes: ['560001'] } });
    expect(rules.status).toBe(200);
    const cod = { payment: { method: 'cod' } };
    const over = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 3 }], { ...cod, shipping_address: address('560002') }) });
    expect(over.body.holds.map((h: { reason: string }) => h.reason)).toEqual(['cod_over_limit']);
    const phone = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 1 }], { ...cod, customer: { name: 'X', phone: '+91-98765-43210' }, shipping_address: address('560002') }) });
    expect(phone.body.holds.map((h: { reason: string }) => h.reason)).toEqual(['cod_blocked_phone']);
    const pin = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 1 }], cod) });
    expect(pin.body.holds.map((h: { reason: string }) => h.reason)).toEqual(['cod_blocked_postal_code']);
    const prepaidSamePin = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 1 }]) });
    expect(prepaidSamePin.body.holds).toEqual([]);
    const big = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 1, unit_price_amount: 600000 }]) });
    expect(big.body.holds.map((h: { reason: string }) => h.reason)).toEqual(['high_value']);
    await t.call('PUT', '/api/v1/order-rules', { body: { cod_limit_amount: 5000000, high_value_amount: 10000000, blocked_phones: [], blocked_postal_codes: [] } });
  });

  it('holds a duplicate-looking order: same customer, same lines, minutes apart', async () => {
    const customer = { name: 'Ravi', phone: '+91 91111 22222', email: 'ravi@example.com' };
    const first = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 1 }], { customer }) });
    expect(first.body.holds).toEqual([]);
    const second = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 1 }], { customer }) });
    expect(second.body.holds.map((h: { reason: string }) => h.reason)).toEqual(['possible_duplicate']);
    expect(second.body.holds[0].data.orders).toEqual([first.body.id]);
  });

  it('holds an order whose stated total disagrees with its lines', async () => {
    const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 1, unit_price_amount: 1000 }], { total_amount: 999 }) });
    expect(r.body.holds.map((h: { reason: string }) => h.reason)).toEqual(['total_mismatch']);
  });

  it('continues a released order: it is routed and reserved', async () => {
    const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'MUG', qty: 1 }], { total_amount: 1 }) });
    expect(r.body.status).toBe('on_hold');
    const before = (await level('MUG', s.whB)).reserved;
    const rel = await t.call('POST', `/api/v1/orders/${r.body.id}/holds/${r.body.holds[0].id}/release`);
    expect(rel.body.status).toBe('allocated');
    expect((await level('MUG', s.whB)).reserved).toBe(before + 1);
    const queue = await t.call('GET', '/api/v1/holds');
    expect(queue.body.data.map((o: { order_id: string }) => o.order_id)).not.toContain(r.body.id);
  });
});

describe('cancellation and edits', () => {
  it('cancels a whole allocated order and releases its stock', async () => {
    const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 2 }]) });
    const wh = r.body.fulfillment_orders[0].warehouse_id;
    const before = await level('TEE', wh);
    const c = await t.call('POST', `/api/v1/orders/${r.body.id}/cancel`, { body: { reason: 'customer asked' } });
    expect(c.status).toBe(200);
    expect(c.body.status).toBe('cancelled');
    expect(c.body.cancel_reason).toBe('customer asked');
    expect(c.body.fulfillment_orders[0].status).toBe('cancelled');
    expect((await level('TEE', wh)).reserved).toBe(before.reserved - 2);
    const again = await t.call('POST', `/api/v1/orders/${r.body.id}/allocate`);
    expect(again.status).toBe(409);
  });

  it('cancels some units of a line and keeps the rest allocated', async () => {
    const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 3 }, { sku: 'MUG', qty: 1 }]) });
    const tee = r.body.lines.find((l: { sku: string }) => l.sku === 'TEE');
    const c = await t.call('POST', `/api/v1/orders/${r.body.id}/cancel`, { body: { reason: 'out of budget', lines: [{ line_id: tee.id, qty: 2 }] } });
    expect(c.body.status).toBe('allocated');
    expect(c.body.lines.find((l: { id: string }) => l.id === tee.id).qty_cancelled).toBe(2);
    const held = await sql<{ n: number }>`select sum(qty)::int as n from reservations where ref = ${r.body.id} and ref_line = ${tee.id} and status = 'open'`.execute(t.db.db);
    expect(held.rows[0]!.n).toBe(1);
    const tooMany = await t.call('POST', `/api/v1/orders/${r.body.id}/cancel`, { body: { reason: 'x', lines: [{ line_id: tee.id, qty: 2 }] } });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.code).toBe('qty_exceeds_open');
  });

  it('cancels from hold, closing the holds', async () => {
    const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 1 }], { total_amount: 5 }) });
    const c = await t.call('POST', `/api/v1/orders/${r.body.id}/cancel`, { body: { reason: 'fraud' } });
    expect(c.body.status).toBe('cancelled');
    expect(c.body.holds[0].status).toBe('cancelled');
  });

  it('cancels a backordered order without touching stock, and a split order\'s backordered units first', async () => {
    const back = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'RARE', qty: 2 }]) });
    expect(back.body.status).toBe('backordered');
    const c = await t.call('POST', `/api/v1/orders/${back.body.id}/cancel`, { body: { reason: 'too slow' } });
    expect(c.body.status).toBe('cancelled');
    await t.call('POST', '/api/v1/inventory/receipts', { body: { warehouse_id: s.whA, lines: [{ sku: 'CAP', qty: 1, bin: 'A-01' }] } });
    const split = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'CAP', qty: 3 }]) });
    expect(split.body.status).toBe('partially_allocated');
    const reservedBefore = (await level('CAP', s.whA)).reserved;
    const line = split.body.lines[0];
    const short = split.body.backordered[0].qty;
    const cut = await t.call('POST', `/api/v1/orders/${split.body.id}/cancel`, { body: { reason: 'drop the missing ones', lines: [{ line_id: line.id, qty: short }] } });
    expect(cut.body.status).toBe('allocated');
    expect((await level('CAP', s.whA)).reserved).toBe(reservedBefore);
  });

  // Work still being picked can be cancelled (test/e2e/waves.test.ts, src/workflows/pick-execution.db.test.ts); picked work cannot.
  it('refuses to cancel units that are already picked', async () => {
    const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 2 }, { sku: 'MUG', qty: 1 }]) });
    const fo = r.body.fulfillment_orders[0];
    await sql`update fulfillment_orders set status = 'picked' where id = ${fo.id}`.execute(t.db.db);
    await sql`update orders set status = 'in_fulfillment' where id = ${r.body.id}`.execute(t.db.db);
    const whole = await t.call('POST', `/api/v1/orders/${r.body.id}/cancel`, { body: { reason: 'changed mind' } });
    expect(whole.status).toBe(409);
    expect(whole.body.code).toBe('cannot_cancel_picked');
    const after = await t.call('GET', `/api/v1/orders/${r.body.id}`);
    expect(after.body.status).toBe('in_fulfillment');
    expect(after.body.lines.every((l: { qty_cancelled: number }) => l.qty_cancelled === 0)).toBe(true);
  });

  it('refuses to cancel what has shipped', async () => {
    const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 1 }]) });
    await sql`update orders set status = 'shipped' where id = ${r.body.id}`.execute(t.db.db);
    const c = await t.call('POST', `/api/v1/orders/${r.body.id}/cancel`, { body: { reason: 'late' } });
    expect(c.status).toBe(409);
    expect(c.body.code).toBe('cannot_cancel_shipped');
  });

  it('edits the address, priority and a quantity down before picking', async () => {
    const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'TEE', qty: 3 }]) });
    const line = r.body.lines[0];
    const e = await t.call('PATCH', `/api/v1/orders/${r.body.id}`, { body: { shipping_address: address('110001'), priority: 'urgent', lines: [{ line_id: line.id, qty: 1 }] } });
    expect(e.status, e.text).toBe(200);
    expect(e.body).toMatchObject({ priority: 'urgent', status: 'allocated' });
    expect(e.body.shipping_address.postal_code).toBe('110001');
    expect(e.body.lines[0].qty_cancelled).toBe(2);
    const up = await t.call('PATCH', `/api/v1/orders/${r.body.id}`, { body: { lines: [{ line_id: line.id, qty: 5 }] } });
    expect(up.body.code).toBe('qty_increase_not_allowed');
    const badPin = await t.call('PATCH', `/api/v1/orders/${r.body.id}`, { body: { shipping_address: address('12') } });
    expect(badPin.status).toBe(400);
  });
});

describe('listing and scope', () => {
  it('lists by status and sorts by dispatch-by, paging with a cursor', async () => {
    const held = await t.call('GET', '/api/v1/orders?status=on_hold&limit=100');
    expect(held.body.data.length).toBeGreaterThan(0);
    expect(held.body.data.every((o: { status: string }) => o.status === 'on_hold')).toBe(true);
    const page1 = await t.call('GET', '/api/v1/orders?sort=dispatch_by&limit=3');
    const page2 = await t.call('GET', `/api/v1/orders?sort=dispatch_by&limit=3&cursor=${encodeURIComponent(page1.body.next_cursor)}`);
    const times = [...page1.body.data, ...page2.body.data].map((o: { dispatch_by: string }) => Date.parse(o.dispatch_by));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const search = await t.call('GET', '/api/v1/orders?q=Ravi');
    expect(search.body.data.length).toBe(2);
  });

  it('hides orders of other warehouses from a scoped key', async () => {
    const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'CAP', qty: 1 }]) });
    const wh = r.body.fulfillment_orders[0]?.warehouse_id;
    const other = wh === s.whA ? s.whB : s.whA;
    const scoped = await t.keyFor('ops', [other]);
    expect((await t.call('GET', `/api/v1/orders/${r.body.id}`, { key: scoped })).status).toBe(404);
    expect((await t.call('POST', `/api/v1/orders/${r.body.id}/cancel`, { key: scoped, body: { reason: 'x' } })).status).toBe(404);
    const list = await t.call('GET', '/api/v1/orders?limit=500', { key: scoped });
    expect(list.body.data.map((o: { id: string }) => o.id)).not.toContain(r.body.id);
    const picker = await t.keyFor('picker');
    expect((await t.call('POST', `/api/v1/orders/${r.body.id}/cancel`, { key: picker, body: { reason: 'x' } })).status).toBe(403);
  });
});
