import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Db } from '../../src/db/database.js';
import { kitComponents } from '../../src/modules/catalog/index.js';
import { listFulfillmentOrders } from '../../src/modules/fulfillment/index.js';
import { getOrderDetail } from '../../src/modules/orders/index.js';
import { latestDecision } from '../../src/modules/routing/index.js';
import { listReservations } from '../../src/modules/inventory/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { orderBody, seedWarehousesAndStock, type Seeded } from '../helpers/seed.js';

/**
 * The order view is read in one statement (`selectOrderView`). This is the view composed the way it was before — each
 * owning module's own read — so the two can be compared byte for byte, for orders in every shape.
 */
async function composedView(db: Db, id: string): Promise<unknown> {
  const detail = await getOrderDetail(db, id);
  const fos = await listFulfillmentOrders(db, id);
  const decision = await latestDecision(db, id);
  const reservations = (await listReservations(db, { ref: id, status: 'open', limit: 10_000 })).map((r) => ({ ref_line: r.ref_line, sku_id: r.sku_id, warehouse_id: r.warehouse_id, qty: r.qty }));
  const shippable = detail.lines.filter((l) => l.needs_shipping && !l.fulfilled_externally && l.sku_id);
  const comps = await kitComponents(db, shippable.map((l) => l.sku_id!));
  const backordered: { line_id: string; qty: number }[] = [];
  for (const l of shippable) {
    if (!['allocated', 'partially_allocated', 'backordered'].includes(detail.status)) break;
    const parts = comps.get(l.sku_id!) ?? [{ sku_id: l.sku_id!, qty: 1 }];
    const held = Math.min(...parts.map((p) => Math.floor(reservations.filter((r) => r.ref_line === l.id && r.sku_id === p.sku_id).reduce((s, r) => s + r.qty, 0) / p.qty)));
    const short = l.qty - l.qty_cancelled - l.qty_shipped - held;
    if (short > 0) backordered.push({ line_id: l.id, qty: short });
  }
  const byWh = new Map<string, { line_id: string; sku_id: string; qty: number }[]>();
  for (const r of reservations) byWh.set(r.warehouse_id, [...(byWh.get(r.warehouse_id) ?? []), { line_id: r.ref_line, sku_id: r.sku_id, qty: r.qty }]);
  return {
    ...detail,
    fulfillment_orders: fos.map((f) => ({ ...f, lines: [...f.lines].sort((a, b) => (a.order_line_id === b.order_line_id ? (a.sku_id < b.sku_id ? -1 : 1) : a.order_line_id < b.order_line_id ? -1 : 1)) })),
    allocations: [...byWh.entries()].map(([warehouse_id, lines]) => ({ warehouse_id, lines })),
    backordered,
    routing: decision ? { strategy: decision.strategy, reasons: decision.reasons, notes: decision.notes, decided_at: decision.created_at } : null,
  };
}

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
  ], 'V');
  const kit = await t.call('POST', '/api/v1/skus', { body: { sku: 'BUNDLE', name: 'Tee and mug', kit_components: [{ sku: 'TEE', qty: 1 }, { sku: 'MUG', qty: 2 }] } });
  expect(kit.status, kit.text).toBe(201);
});
afterAll(async () => t.close());

describe('the order view in one statement', () => {
  it('answers exactly what the modules\' own reads compose, for orders in every shape (POST and GET responses)', async () => {
    const bodies = [
      orderBody([{ sku: 'TEE', qty: 2 }, { sku: 'MUG', qty: 1 }]), // allocated in one warehouse
      orderBody([{ sku: 'CAP', qty: 3 }, { sku: 'MUG', qty: 1 }, { sku: 'TEE', qty: 1 }]), // split, partially allocated
      orderBody([{ sku: 'RARE', qty: 1 }]), // backordered, no fulfillment work
      orderBody([{ sku: 'BUNDLE', qty: 1 }, { sku: 'TEE', qty: 1 }]), // a kit: components reserved together
      orderBody([{ sku: 'NOPE', qty: 1 }]), // unknown SKU: on hold
      orderBody([{ sku: 'TEE', qty: 1 }], { payment: { method: 'cod' }, total_amount: 99_999_999, tags: ['vip', 'gift'], priority: 'urgent', promised_ship_by: '2030-01-02T03:04:05.678Z', billing_address: { line1: '2 Lane "quoted" \\ back', city: 'Pune', postal_code: '411001', country: 'IN' } }),
    ];
    const ids: string[] = [];
    for (const body of bodies) {
      const r = await t.call('POST', '/api/v1/orders', { body, headers: { 'idempotency-key': String(body.external_id) } });
      expect([200, 201], r.text).toContain(r.status);
      expect(r.text).toBe(JSON.stringify(await composedView(t.db.db, r.body.id)));
      ids.push(r.body.id);
    }
    // Changes after capture: a partial cancellation, a hold released, a whole cancellation.
    const held = (await t.call('GET', `/api/v1/orders/${ids[4]}`)).body;
    expect(held.status).toBe('on_hold');
    const split = (await t.call('GET', `/api/v1/orders/${ids[1]}`)).body;
    const cancelPart = await t.call('POST', `/api/v1/orders/${ids[1]}/cancel`, { body: { reason: 'customer asked', lines: [{ line_id: split.lines[2].id, qty: 1 }] } });
    expect(cancelPart.status, cancelPart.text).toBe(200);
    expect(cancelPart.text).toBe(JSON.stringify(await composedView(t.db.db, ids[1]!)));
    const cancelAll = await t.call('POST', `/api/v1/orders/${ids[0]}/cancel`, { body: { reason: 'fraud' } });
    expect(cancelAll.status, cancelAll.text).toBe(200);
    for (const id of ids) {
      const r = await t.call('GET', `/api/v1/orders/${id}`);
      expect(r.status).toBe(200);
      expect(r.text).toBe(JSON.stringify(await composedView(t.db.db, id)));
    }
    // Timestamps keep PostgreSQL's precision as a Date has it (milliseconds), e.g. the timeline's.
    const at = (await sql<{ at: Date }>`select at from order_events where order_id = ${ids[0]!} order by id limit 1`.execute(t.db.db)).rows[0]!.at;
    expect((await t.call('GET', `/api/v1/orders/${ids[0]}`)).body.timeline[0].at).toBe(at.toISOString());
  });

  it('an order that does not exist is 404 order_not_found; a warehouse-scoped caller sees only orders with work in its warehouses', async () => {
    const missing = await t.call('GET', '/api/v1/orders/ord_missing');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('order_not_found');
    const onlyB = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'MUG', qty: 1 }]) });
    expect(onlyB.body.fulfillment_orders.map((f: { warehouse_id: string }) => f.warehouse_id)).toEqual([s.whB]);
    const keyB = await t.keyFor('ops', [s.whB]);
    const keyA = await t.keyFor('ops', [s.whA]);
    expect((await t.call('GET', `/api/v1/orders/${onlyB.body.id}`, { key: keyA })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/orders/${onlyB.body.id}`, { key: keyB })).status).toBe(200);
  });
});
