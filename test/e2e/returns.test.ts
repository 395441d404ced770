import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { drifts } from '../helpers/inventory.js';
import { orderBody, seedWarehousesAndStock, type Seeded } from '../helpers/seed.js';
import { shipOrderDirect } from '../helpers/ship.js';

/**
 * Returns over HTTP: RMA → receive by scan → inspect → stock available again (GET /api/v1/inventory) → a
 * backordered order allocates; refunds shown on the return; exchanges; roles and warehouse scope.
 * Orders are shipped with shipOrderDirect until the pick/pack/ship routes exist end to end.
 */

let t: TestApp;
let s: Seeded;
beforeAll(async () => {
  t = await startTestApp();
  s = await seedWarehousesAndStock(t, [
    { sku: 'R-TEE', wh: 'A', qty: 3 },
    { sku: 'R-MUG', wh: 'A', qty: 10 },
    { sku: 'R-CAP', wh: 'A', qty: 10 },
    { sku: 'R-MUG', wh: 'B', qty: 10 },
  ], 'R');
});
afterAll(async () => t.close());

async function shippedOrder(lines: { sku: string; qty: number; unit_price_amount?: number; discount_amount?: number }[], over: Record<string, unknown> = {}) {
  const r = await t.call('POST', '/api/v1/orders', { body: orderBody(lines, over) });
  expect(r.status, r.text).toBe(201);
  await shipOrderDirect(t.db.db, r.body.id);
  const o = await t.call('GET', `/api/v1/orders/${r.body.id}`);
  expect(o.body.status).toBe('shipped');
  return o.body as { id: string; lines: { id: string; sku: string }[] };
}

const available = async (sku: string, wh: string): Promise<number> => {
  const r = await t.call('GET', `/api/v1/inventory?sku=${sku}&warehouse_id=${wh}`);
  return (r.body.data[0]?.available as number | undefined) ?? 0;
};

describe('a customer return through the API', () => {
  it('restocks returned units, which a backordered order then allocates, and shows the refund on the return', async () => {
    const sold = await shippedOrder([{ sku: 'R-TEE', qty: 3, unit_price_amount: 1000, discount_amount: 100 }]);
    expect(await available('R-TEE', s.whA)).toBe(0);
    const waiting = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'R-TEE', qty: 1 }]) });
    expect(waiting.body.status).toBe('backordered');

    const ops = await t.keyFor('ops');
    const line = sold.lines[0]!.id;
    const created = await t.call('POST', '/api/v1/returns', { key: ops, body: { order_id: sold.id, type: 'customer', lines: [{ line_id: line, qty: 2, reason: 'size_fit' }] } });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ status: 'requested', warehouse_id: s.whA, lines: [{ line_id: line, qty: 2, reason: 'size_fit', qty_received: 0 }] });
    const id = created.body.id as string;

    const packer = await t.keyFor('packer', [s.whA]);
    const received = await t.call('POST', `/api/v1/returns/${id}/receive`, { key: packer, body: { lines: [{ sku_or_barcode: 'R-TEE', qty: 2 }] } });
    expect(received.status, received.text).toBe(200);
    expect(received.body.status).toBe('received');
    expect(await available('R-TEE', s.whA)).toBe(0);
    expect((await t.call('GET', `/api/v1/orders/${sold.id}`)).body.status).toBe('partially_returned');

    const inspected = await t.call('POST', `/api/v1/returns/${id}/inspect`, { key: ops, body: { lines: [{ line_id: line, qty: 1, condition: 'new', disposition: 'restock' }, { line_id: line, qty: 1, condition: 'damaged', disposition: 'scrap' }] } });
    expect(inspected.status, inspected.text).toBe(200);
    // 1000 a unit, discount 100 over 3 units: 33 + 33 off for the first two.
    expect(inspected.body.refund).toEqual({ amount: 1934, currency: 'INR', shipping_amount: 0 });
    expect(inspected.body.return).toMatchObject({ status: 'inspected', refund_amount: 1934 });
    expect(inspected.body.reallocated).toBeGreaterThanOrEqual(1);

    const waitingNow = await t.call('GET', `/api/v1/orders/${waiting.body.id}`);
    expect(waitingNow.body.status).toBe('allocated');
    const inv = await t.call('GET', `/api/v1/inventory?sku=R-TEE&warehouse_id=${s.whA}`);
    expect(inv.body.data[0]).toMatchObject({ on_hand: 1, reserved: 1, available: 0 });

    const shown = await t.call('GET', `/api/v1/returns/${id}`);
    expect(shown.body).toMatchObject({ refund_amount: 1934, currency: 'INR', lines: [{ qty_restocked: 1, qty_scrapped: 1, qty_refunded: 2, refund_amount: 1934 }] });
    expect(shown.body.inspections.map((i: { disposition: string }) => i.disposition)).toEqual(['restock', 'scrap']);
    const closed = await t.call('POST', `/api/v1/returns/${id}/close`, { key: ops });
    expect(closed.body.status).toBe('closed');
    const events = await sql<{ type: string; payload: any }>`select type, payload from outbox where aggregate_id = ${id} order by seq`.execute(t.db.db);
    expect(events.rows.map((e) => e.type)).toEqual(['return.created', 'return.received', 'return.inspected', 'return.refund_due', 'return.closed']);
    expect(events.rows[3]!.payload).toMatchObject({ amount: 1934, currency: 'INR' });
    expect(await drifts(t.db.db)).toEqual([]);
  });

  it('creates an exchange order visible from the return and from the new order', async () => {
    const sold = await shippedOrder([{ sku: 'R-MUG', qty: 1, unit_price_amount: 500 }]);
    const created = await t.call('POST', '/api/v1/returns', { body: { order_id: sold.id, lines: [{ line_id: sold.lines[0]!.id, qty: 1, reason: 'defective' }] } });
    const ex = await t.call('POST', `/api/v1/returns/${created.body.id}/exchange`, { body: { lines: [{ line_id: sold.lines[0]!.id, sku: 'R-CAP', qty: 1 }] }, headers: { 'idempotency-key': 'ex-1' } });
    expect(ex.status, ex.text).toBe(201);
    const orderId = ex.body.exchanges[0].order_id as string;
    const again = await t.call('POST', `/api/v1/returns/${created.body.id}/exchange`, { body: { lines: [{ line_id: sold.lines[0]!.id, sku: 'R-CAP', qty: 1 }] }, headers: { 'idempotency-key': 'ex-1' } });
    expect(again.body.exchanges).toHaveLength(1);
    const newOrder = await t.call('GET', `/api/v1/orders/${orderId}`);
    expect(newOrder.body).toMatchObject({ status: 'allocated', total_amount: 0, tags: ['exchange'], channel_data: expect.objectContaining({ exchange_for_return: created.body.id }) });
    expect(newOrder.body.lines).toEqual([expect.objectContaining({ sku: 'R-CAP', qty: 1, unit_price_amount: 0 })]);
    const original = await t.call('GET', `/api/v1/orders/${sold.id}`);
    expect(original.body.timeline.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['return_created', 'exchange_created']));
  });
});

describe('access to returns', () => {
  it('lets only ops and admin open and inspect, pickers and packers receive, and hides other warehouses\' returns', async () => {
    const sold = await shippedOrder([{ sku: 'R-MUG', qty: 2, unit_price_amount: 500 }]);
    const picker = await t.keyFor('picker', [s.whA]);
    const body = { order_id: sold.id, lines: [{ line_id: sold.lines[0]!.id, qty: 1, reason: 'other' }] };
    expect((await t.call('POST', '/api/v1/returns', { key: picker, body })).status).toBe(403);
    const created = await t.call('POST', '/api/v1/returns', { body });
    const id = created.body.id as string;
    expect((await t.call('POST', `/api/v1/returns/${id}/inspect`, { key: picker, body: { lines: [{ line_id: sold.lines[0]!.id, condition: 'new', disposition: 'restock' }] } })).status).toBe(403);
    const elsewhere = await t.keyFor('picker', [s.whB]);
    expect((await t.call('GET', `/api/v1/returns/${id}`, { key: elsewhere })).status).toBe(404);
    expect((await t.call('POST', `/api/v1/returns/${id}/receive`, { key: elsewhere, body: { lines: [{ sku_or_barcode: 'R-MUG', qty: 1 }] } })).status).toBe(404);
    expect((await t.call('GET', '/api/v1/returns', { key: elsewhere })).body.data.map((r: { id: string }) => r.id)).not.toContain(id);
    const opsB = await t.keyFor('ops', [s.whB]);
    expect((await t.call('POST', '/api/v1/returns', { key: opsB, body: { ...body, warehouse_id: s.whA } })).status).toBe(404);
    expect((await t.call('POST', `/api/v1/returns/${id}/receive`, { key: picker, body: { lines: [{ sku_or_barcode: 'R-MUG', qty: 1 }] } })).status).toBe(200);
    expect((await t.call('GET', `/api/v1/returns?order_id=${sold.id}`, { key: picker })).body.data.map((r: { id: string }) => r.id)).toEqual([id]);
  });

  it('rejects malformed requests with 400 and conflicting ones with 409, changing nothing', async () => {
    const sold = await shippedOrder([{ sku: 'R-CAP', qty: 1, unit_price_amount: 500 }]);
    const line = sold.lines[0]!.id;
    const before = (await sql<{ n: number }>`select count(*)::int as n from returns`.execute(t.db.db)).rows[0]!.n;
    const bad = [
      { order_id: sold.id, lines: [{ line_id: line, qty: 1, reason: 'bored' }] },
      { order_id: sold.id, lines: [{ line_id: line, qty: 0, reason: 'other' }] },
      { order_id: sold.id },
      { type: 'rto' },
      { type: 'rto', shipment_id: 'shp_x', lines: [{ line_id: line, qty: 1, reason: 'other' }] },
    ];
    for (const b of bad) {
      const r = await t.call('POST', '/api/v1/returns', { body: b });
      expect(r.status, JSON.stringify(b)).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    }
    const over = await t.call('POST', '/api/v1/returns', { body: { order_id: sold.id, lines: [{ line_id: line, qty: 2, reason: 'other' }] } });
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ code: 'qty_exceeds_returnable', details: { returnable: 1 } });
    expect((await sql<{ n: number }>`select count(*)::int as n from returns`.execute(t.db.db)).rows[0]!.n).toBe(before);
  });
});

describe('order → pick → pack → ship → delivered → return → restock → available, over HTTP only', () => {
  it('puts a delivered order\'s returned unit back on sale', async () => {
    const wh = await t.call('POST', '/api/v1/warehouses', { body: { code: 'RET-E2E', name: 'Returns E2E', address: { line1: '1 Dock Road', city: 'Bengaluru', postal_code: '560001', country: 'IN' }, timezone: 'Asia/Kolkata', cutoff_time: '16:00' } });
    expect(wh.status, wh.text).toBe(201);
    const whId = wh.body.id as string;
    expect((await t.call('POST', `/api/v1/warehouses/${whId}/bins`, { body: [{ code: 'P-01', zone: 'P', walk_sequence: 1 }, { code: 'P-02', zone: 'P', walk_sequence: 2 }, { code: 'STAGE-OUT', walk_sequence: 0, pickable: false }] })).status).toBe(201);
    expect((await t.call('POST', '/api/v1/skus', { body: { sku: 'E2E-JAR', name: 'Glass jar', gtin: '036000291452', weight_g: 400, dims_mm: { l: 120, w: 100, h: 100 } } })).status).toBe(201);
    expect((await t.call('POST', '/api/v1/inventory/receipts', { body: { warehouse_id: whId, lines: [{ sku: 'E2E-JAR', qty: 2, bin: 'P-01' }] } })).status).toBe(201);
    expect((await t.call('POST', `/api/v1/warehouses/${whId}/cartons`, { body: { code: 'BOX', length_mm: 300, width_mm: 300, height_mm: 300, max_weight_g: 10000, tare_weight_g: 100 } })).status).toBe(201);
    const carrier = await t.call('POST', '/api/v1/carriers', { body: { code: 'fleet', name: 'Own fleet', kind: 'rate_card' } });
    expect(carrier.status, carrier.text).toBe(201);
    const csv = async (table: string, text: string) => {
      const r = await t.call('POST', `/api/v1/carriers/fleet/rate-card/${table}`, { raw: text, headers: { 'content-type': 'text/csv' } });
      expect(r.status, r.text).toBe(200);
    };
    await csv('zones', 'zone,dest_prefix\nSOUTH,5\n');
    await csv('rates', 'service,zone,transit_days,up_to_g,amount\nstandard,SOUTH,2,20000,6000\n');
    await csv('serviceability', 'postal_code,match\n5,prefix\n');

    // Order → wave → pick → pack → ship.
    const jars = [{ sku: 'E2E-JAR', qty: 2, unit_price_amount: 30000, discount_amount: 1000 }];
    const order = await t.call('POST', '/api/v1/orders', { body: orderBody(jars) });
    expect(order.status, order.text).toBe(201);
    expect(order.body.fulfillment_orders[0].warehouse_id).toBe(whId);
    const foId = order.body.fulfillment_orders[0].id as string;
    expect((await t.call('POST', '/api/v1/waves', { body: { warehouse_id: whId, strategy: 'single' } })).status).toBe(201);
    const picker = await t.keyFor('picker', [whId]);
    const task = await t.call('POST', '/api/v1/pick-tasks/claim', { body: { warehouse_id: whId }, key: picker });
    expect(task.status, task.text).toBe(200);
    for (const line of task.body.items) {
      const c = await t.call('POST', `/api/v1/pick-tasks/${task.body.id}/confirm`, { body: { bin: line.bin, sku_or_barcode: line.gtin ?? line.sku, qty: line.qty_remaining }, key: picker });
      expect(c.status, c.text).toBe(200);
    }
    const packer = await t.keyFor('packer', [whId]);
    for (let i = 0; i < 2; i++) expect((await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack-scans`, { body: { barcode: '036000291452' }, key: packer })).status).toBe(201);
    const packed = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: { carton: 'BOX', weight_g: 950 }, key: packer });
    expect(packed.status, packed.text).toBe(201);
    const pkgId = (packed.body.packages ?? packed.body)[0].id as string;
    const shipped = await t.call('POST', `/api/v1/packages/${pkgId}/ship`, { body: {} });
    expect(shipped.status, shipped.text).toBe(201);
    for (const status of ['in_transit', 'delivered']) {
      const ev = await t.call('POST', `/api/v1/shipments/${shipped.body.id}/events`, { body: { status } });
      expect(ev.status, ev.text).toBe(201);
    }
    expect((await t.call('GET', `/api/v1/orders/${order.body.id}`)).body.status).toBe('delivered');
    expect(await available('E2E-JAR', whId)).toBe(0);

    // Return one jar: receive by GTIN, inspect, restock.
    const line = order.body.lines[0].id as string;
    const ret = await t.call('POST', '/api/v1/returns', { body: { order_id: order.body.id, type: 'customer', lines: [{ line_id: line, qty: 1, reason: 'damaged' }] } });
    expect(ret.status, ret.text).toBe(201);
    expect(ret.body.warehouse_id).toBe(whId);
    expect((await t.call('POST', `/api/v1/returns/${ret.body.id}/receive`, { key: packer, body: { lines: [{ sku_or_barcode: '036000291452', qty: 1 }] } })).status).toBe(200);
    expect((await t.call('GET', `/api/v1/orders/${order.body.id}`)).body.status).toBe('partially_returned');
    const inspected = await t.call('POST', `/api/v1/returns/${ret.body.id}/inspect`, { body: { lines: [{ line_id: line, condition: 'new', disposition: 'restock' }] } });
    expect(inspected.status, inspected.text).toBe(200);
    expect(inspected.body.refund).toEqual({ amount: 30000 - 500, currency: 'INR', shipping_amount: 0 });
    expect(inspected.body.stocked).toEqual([expect.objectContaining({ qty: 1, state: 'available' })]);
    expect(await available('E2E-JAR', whId)).toBe(1);
    const ledger = await t.call('GET', `/api/v1/inventory/ledger?sku=E2E-JAR&warehouse_id=${whId}&reference=${ret.body.id}`);
    expect(ledger.body.data.map((e: { type: string; delta: number; bin: string }) => [e.type, e.delta, e.bin])).toEqual([['receipt', 1, 'P-01']]);
    const verify = await t.call('GET', `/api/v1/inventory/verify?warehouse_id=${whId}`);
    expect(verify.body).toEqual({ ok: true, drifts: [] });
  });
});
