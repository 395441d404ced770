import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { orderBody } from '../helpers/seed.js';
import { drifts } from '../helpers/inventory.js';

let t: TestApp;
const wh: Record<string, string> = {};
beforeAll(async () => {
  t = await startTestApp();
  // Two warehouses at the same place: distance, promise and cost tie, so warehouse priority decides.
  for (const code of ['WH-ONE', 'WH-TWO']) {
    const r = await t.call('POST', '/api/v1/warehouses', { body: { code, name: code, address: { line1: '1 Road', city: 'Bengaluru', postal_code: '560001', country: 'IN' }, lat: 12.9716, lng: 77.5946, timezone: 'Asia/Kolkata', cutoff_time: '23:59' } });
    if (r.status !== 201) throw new Error(r.text);
    await t.call('POST', `/api/v1/warehouses/${r.body.id}/bins`, { body: [{ code: 'A-01', zone: 'A', walk_sequence: 1 }] });
    wh[code] = r.body.id as string;
  }
  for (const sku of ['PRI', 'SIM']) await t.call('POST', '/api/v1/skus', { body: { sku, name: sku, weight_g: 100 } });
  for (const code of ['WH-ONE', 'WH-TWO']) {
    await t.call('POST', '/api/v1/inventory/receipts', { body: { warehouse_id: wh[code], lines: [{ sku: 'PRI', qty: 50, bin: 'A-01' }, { sku: 'SIM', qty: 5, bin: 'A-01' }], reference: 'seed' } });
  }
});
afterAll(async () => t.close());

const level = async (sku: string, w: string) => (await t.call('GET', `/api/v1/inventory?sku=${sku}&warehouse_id=${w}`)).body.data[0] as { on_hand: number; reserved: number };

describe('warehouse priority', () => {
  it('is configurable per warehouse and decides between otherwise equal warehouses', async () => {
    const first = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'PRI', qty: 1 }]) });
    expect(first.body.allocations[0].warehouse_id).toBe(wh['WH-ONE']); // both at 100: code decides
    const patch = await t.call('PATCH', `/api/v1/warehouses/${wh['WH-TWO']}`, { body: { routing_priority: 10 } });
    expect(patch.status, patch.text).toBe(200);
    expect(patch.body).toMatchObject({ routing_priority: 10, active: true, rerouted: null });
    const second = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'PRI', qty: 1 }]) });
    expect(second.body.allocations[0].warehouse_id).toBe(wh['WH-TWO']);
    expect(second.body.routing.notes).toEqual(expect.any(Array));
    const rows = second.body.routing.reasons as { code: string; factors: { priority: number } }[];
    expect(rows.find((r) => r.code === 'WH-TWO')!.factors.priority).toBe(10);
    expect(rows.find((r) => r.code === 'WH-ONE')!.factors.priority).toBe(100);
  });

  it('rejects a bad priority and changes nothing', async () => {
    const bad = await t.call('PATCH', `/api/v1/warehouses/${wh['WH-ONE']}`, { body: { routing_priority: -1 } });
    expect(bad.status).toBe(400);
    expect((await t.call('GET', `/api/v1/warehouses/${wh['WH-ONE']}`)).body.routing_priority).toBe(100);
    expect((await t.call('PATCH', `/api/v1/warehouses/${wh['WH-ONE']}`, { key: await t.keyFor('ops'), body: { routing_priority: 1 } })).status).toBe(403);
  });
});

describe('re-route when a warehouse is disabled', () => {
  it('moves unreleased work and its reservations to another warehouse and says why on the timeline', async () => {
    const order = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'PRI', qty: 3 }]) });
    expect(order.body.allocations[0].warehouse_id).toBe(wh['WH-TWO']);
    const twoBefore = await level('PRI', wh['WH-TWO']!);
    const oneBefore = await level('PRI', wh['WH-ONE']!);

    const off = await t.call('PATCH', `/api/v1/warehouses/${wh['WH-TWO']}`, { body: { active: false } });
    expect(off.status, off.text).toBe(200);
    expect(off.body.active).toBe(false);
    expect(off.body.rerouted.orders).toBeGreaterThanOrEqual(1);

    const view = await t.call('GET', `/api/v1/orders/${order.body.id}`);
    expect(view.body.status).toBe('allocated');
    const fos = view.body.fulfillment_orders as { warehouse_id: string; status: string }[];
    expect(fos.find((f) => f.warehouse_id === wh['WH-TWO'])!.status).toBe('cancelled');
    expect(fos.find((f) => f.warehouse_id === wh['WH-ONE'] && f.status === 'pending')).toBeTruthy();
    expect(view.body.timeline.map((e: { type: string }) => e.type)).toContain('rerouted');
    expect(JSON.stringify(view.body.timeline)).toContain('WH-TWO was disabled');
    expect(view.body.routing.reasons.find((r: { code: string }) => r.code === 'WH-TWO')).toBeUndefined();

    expect((await level('PRI', wh['WH-TWO']!)).reserved).toBe(twoBefore.reserved - 3 - 1); // this order and the one above
    expect((await level('PRI', wh['WH-ONE']!)).reserved).toBe(oneBefore.reserved + 3 + 1);
    expect(await drifts(t.db.db)).toEqual([]);

    const again = await t.call('POST', `/api/v1/warehouses/${wh['WH-TWO']}/reroute`, { body: {} });
    expect(again.body).toMatchObject({ orders: 0, units_released: 0 });
    await t.call('PATCH', `/api/v1/warehouses/${wh['WH-TWO']}`, { body: { active: true } });
  });
});

describe('routing simulation', () => {
  it('compares the live rules with proposed ones over past orders and changes nothing', async () => {
    await new Promise((r) => setTimeout(r, 20));
    const from = new Date().toISOString();
    // SIM: 5 units in each warehouse; four orders of 2 units.
    for (let i = 0; i < 4; i++) expect((await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'SIM', qty: 2 }]) })).status).toBe(201);
    const to = new Date(Date.now() + 1000).toISOString();
    const before = await t.call('GET', '/api/v1/inventory?sku=SIM');
    const events = (await t.call('GET', '/api/v1/events?limit=1000')).body.data.length;

    const onlyOne = { mode: 'strict', rules: [{ rule: 'allowed_warehouses', warehouse_ids: [wh['WH-ONE']] }, { rule: 'fewest_shipments' }] };
    const r = await t.call('POST', '/api/v1/routing/simulate', { body: { rules: onlyOne, from, to } });
    expect(r.status, r.text).toBe(200);
    const sim = r.body;
    const simOrders = sim.orders_replayed as number;
    expect(simOrders).toBe(4);
    // Live: both warehouses serve (priority WH-TWO first): 4 shipments, nothing backordered.
    expect(sim.live).toMatchObject({ orders: 4, shipments: 4, split_orders: 0, backordered_orders: 0, backordered_units: 0 });
    // Proposed: only WH-ONE, 5 units: orders 1-2 whole, order 3 gets 1 of 2, order 4 nothing.
    expect(sim.proposed).toMatchObject({ orders: 4, shipments: 3, backordered_orders: 2, backordered_units: 3, shipments_by_warehouse: { 'WH-ONE': 3 } });
    expect(sim.live.distance_km).toBeGreaterThanOrEqual(0);
    expect(sim.orders_changed).toBeGreaterThan(0);
    expect(sim.examples[0]).toHaveProperty('proposed');

    expect((await t.call('GET', '/api/v1/inventory?sku=SIM')).body).toEqual(before.body);
    expect((await t.call('GET', '/api/v1/events?limit=1000')).body.data.length).toBe(events);
  });

  it('rejects an empty window and a bad rule set', async () => {
    const now = new Date().toISOString();
    const empty = await t.call('POST', '/api/v1/routing/simulate', { body: { rules: { mode: 'strict', rules: [] }, from: now, to: now } });
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe('validation_failed');
    const bad = await t.call('POST', '/api/v1/routing/simulate', { body: { rules: { mode: 'sideways', rules: [] }, from: now, to: now } });
    expect(bad.status).toBe(400);
  });
});
