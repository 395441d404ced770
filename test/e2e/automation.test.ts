import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { orderBody } from '../helpers/seed.js';
import { drifts } from '../helpers/inventory.js';
import { startFakeWriteback, WB_CREDENTIALS, type FakeWriteback } from '../helpers/fake-channel-writeback.js';
import { runWritebackCycle } from '../../src/channels/writeback/index.js';
import { runDueAutomation } from '../../src/workflows/automation.js';
import { nextLocalTime, nextRunAt } from '../../src/modules/automation/index.js';

/**
 * Automation rules with a controllable clock (`now` passed to the runner), and the hands-free path end to end:
 * a Shopify order captured by webhook, waved by the wave rule, picked and packed over the API, shipped by the
 * auto-ship rule, and written back to a Shopify-format server exactly once although its first answer is a 503.
 */
let t: TestApp;
let fake: FakeWriteback;
let wh: string;
let shop: string;
const SHOP_SECRET = 'shpss_auto_secret_0123456789';
const csv = (rows: string[]) => ({ raw: rows.join('\n'), headers: { 'content-type': 'text/csv' } });
const sign = (body: string) => createHmac('sha256', SHOP_SECRET).update(body, 'utf8').digest('base64');
const T0 = new Date(Date.now() + 60_000);
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

beforeAll(async () => {
  fake = await startFakeWriteback();
  t = await startTestApp();
  const w = await t.call('POST', '/api/v1/warehouses', { body: { code: 'AUT', name: 'Auto DC', address: { line1: '1 Dock Road', city: 'Bengaluru', postal_code: '560001', country: 'IN' }, lat: 12.9716, lng: 77.5946, timezone: 'Asia/Kolkata', cutoff_time: '16:00' } });
  expect(w.status, w.text).toBe(201);
  wh = w.body.id;
  expect((await t.call('POST', `/api/v1/warehouses/${wh}/bins`, { body: [{ code: 'A-01', zone: 'A', walk_sequence: 1 }] })).status).toBe(201);
  expect((await t.call('POST', `/api/v1/warehouses/${wh}/cartons`, { body: { code: 'M', length_mm: 300, width_mm: 200, height_mm: 150, max_weight_g: 5000, tare_weight_g: 150 } })).status).toBe(201);
  expect((await t.call('POST', '/api/v1/skus', { body: { sku: 'AU-TEE', name: 'Tee', weight_g: 200, dims_mm: { l: 120, w: 100, h: 50 } } })).status).toBe(201);
  expect((await t.call('POST', '/api/v1/inventory/receipts', { body: { warehouse_id: wh, lines: [{ sku: 'AU-TEE', qty: 100, bin: 'A-01' }] } })).status).toBe(201);
  expect((await t.call('POST', '/api/v1/carriers', { body: { code: 'swift', name: 'Swift Couriers', kind: 'rate_card', settings: { currency: 'INR' } } })).status).toBe(201);
  expect((await t.call('POST', '/api/v1/carriers/swift/rate-card/zones', csv(['zone,max_km,dest_prefix', 'metro,,5600']))).status).toBe(200);
  expect((await t.call('POST', '/api/v1/carriers/swift/rate-card/rates', csv(['service,zone,transit_days,up_to_g,amount,extra_every_g,extra_amount', 'surface,metro,2,5000,60.00,,']))).status).toBe(200);
  expect((await t.call('POST', '/api/v1/carriers/swift/rate-card/serviceability', csv(['postal_code,match,prepaid,cod', '56,prefix,yes,yes']))).status).toBe(200);
  shop = (await t.call('POST', '/api/v1/channels', { body: { type: 'shopify', name: 'Shopify auto', secret: SHOP_SECRET } })).body.id;
  expect((await t.call('PUT', `/api/v1/channels/${shop}/stock-policy`, { body: { endpoint: fake.url, credentials: WB_CREDENTIALS.shopify } })).status).toBe(200);
  expect((await t.call('PUT', `/api/v1/channels/${shop}/writeback-settings`, { body: { enabled: true, carriers: { swift: { tracking_url: 'https://track.swift.example/{tracking}' } } } })).status).toBe(200);
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

function shopifyOrder(id: number, qty: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id, admin_graphql_api_id: `gid://shopify/Order/${id}`, name: `#A${id % 100000}`, email: `au${id}@example.com`, created_at: '2026-11-30T10:15:00+05:30',
    currency: 'INR', presentment_currency: 'INR', financial_status: 'paid', taxes_included: true,
    total_price: (qty * 300 + 49).toFixed(2), subtotal_price: (qty * 300).toFixed(2), total_discounts: '0.00', total_tax: '0.00', payment_gateway_names: ['razorpay'], tags: '',
    customer: { id: 1, first_name: 'Asha', last_name: 'Rao', email: `au${id}@example.com`, phone: `+9196${String(id).slice(-8)}` },
    shipping_address: { name: 'Asha Rao', address1: '12 MG Road', city: 'Bengaluru', province_code: 'KA', zip: '560034', country_code: 'IN', phone: `+9196${String(id).slice(-8)}` },
    shipping_lines: [{ id: 1, title: 'Standard', code: 'standard', price: '49.00', discount_allocations: [], tax_lines: [] }],
    line_items: [{ id: id * 10 + 1, admin_graphql_api_id: `gid://shopify/LineItem/${id * 10 + 1}`, variant_id: 5, product_id: 1, sku: 'AU-TEE', title: 'Tee', name: 'Tee', quantity: qty, price: '300.00', requires_shipping: true, gift_card: false, fulfillable_quantity: qty, total_discount: '0.00', discount_allocations: [], tax_lines: [] }],
    ...over,
  };
}

async function shopifyHook(payload: Record<string, unknown>): Promise<string> {
  const body = JSON.stringify(payload);
  const r = await t.call('POST', `/hooks/shopify/${shop}`, { key: null, raw: body, headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': sign(body), 'x-shopify-webhook-id': `wh-${Math.random()}` } });
  expect(r.status, r.text).toBe(200);
  return r.body.order_id;
}

const rule = (kind: string, body: unknown) => t.call('PUT', `/api/v1/warehouses/${wh}/automation/${kind}`, { body });
const runsOf = async (kind: string) => (await t.call('GET', `/api/v1/automation/runs?warehouse_id=${wh}&kind=${kind}`)).body.data as any[];

describe('schedules (pure)', () => {
  it('finds the next local time in the warehouse time zone, and runs the wave rule ahead of the cut-off', () => {
    // 10:00 UTC = 15:30 in Kolkata; 16:00 local is 10:30 UTC.
    expect(nextLocalTime(new Date('2026-12-01T10:00:00Z'), 'Asia/Kolkata', '16:00').toISOString()).toBe('2026-12-01T10:30:00.000Z');
    expect(nextLocalTime(new Date('2026-12-01T11:00:00Z'), 'Asia/Kolkata', '16:00').toISOString()).toBe('2026-12-02T10:30:00.000Z');
    const wh16 = { timezone: 'Asia/Kolkata', cutoff_time: '16:00' };
    // Every 30 min, and 60 min before the 16:00 cut-off (15:00 local = 09:30 UTC).
    expect(nextRunAt('wave_release', { every_minutes: 30, before_cutoff_minutes: 60 }, new Date('2026-12-01T09:10:00Z'), wh16).toISOString()).toBe('2026-12-01T09:30:00.000Z');
    expect(nextRunAt('wave_release', { every_minutes: 30, before_cutoff_minutes: 60 }, new Date('2026-12-01T08:00:00Z'), wh16).toISOString()).toBe('2026-12-01T08:30:00.000Z');
    expect(nextRunAt('manifest_close', { pickup_time: '17:30' }, new Date('2026-12-01T10:00:00Z'), wh16).toISOString()).toBe('2026-12-01T12:00:00.000Z');
  });
});

describe('hands-free Shopify order', () => {
  it('is waved and shipped by rules, and Shopify gets exactly one fulfillment with the tracking despite a 503', async () => {
    expect((await rule('wave_release', { settings: { every_minutes: 30, before_cutoff_minutes: 60, strategy: 'single' } })).status).toBe(200);
    expect((await rule('auto_ship', { settings: { every_minutes: 1 } })).status).toBe(200);
    fake.shopifyOrder('7100000000001', [{ '71000000000011': 2 }]);
    const orderId = await shopifyHook(shopifyOrder(7100000000001, 2));

    // Two workers at the same moment: each rule runs once.
    const [a, b] = await Promise.all([runDueAutomation(t.db.db, { now: at(0) }), runDueAutomation(t.db.db, { now: at(0) })]);
    const runs = [...a, ...b];
    expect(runs.filter((r) => r.kind === 'wave_release')).toHaveLength(1);
    expect(runs.filter((r) => r.kind === 'auto_ship')).toHaveLength(1);
    const waveRun = runs.find((r) => r.kind === 'wave_release')!;
    expect(waveRun).toMatchObject({ status: 'ok', acted: 1 });
    const order = (await t.call('GET', `/api/v1/orders/${orderId}`)).body;
    expect(waveRun.summary).toMatchObject({ wave_id: expect.stringMatching(/^wave_/), fulfillment_order_ids: [order.fulfillment_orders[0].id] });

    // Not due again a minute later (every 30 minutes); auto-ship is.
    const later = await runDueAutomation(t.db.db, { now: at(1) });
    expect(later.map((r) => r.kind)).toEqual(['auto_ship']);

    let task = (await t.call('POST', '/api/v1/pick-tasks/claim', { body: { warehouse_id: wh } })).body;
    while (task.next_line) {
      const r = await t.call('POST', `/api/v1/pick-tasks/${task.id}/confirm`, { body: { bin: task.next_line.bin, sku_or_barcode: task.next_line.sku, qty: task.next_line.qty_remaining } });
      expect(r.status, r.text).toBe(200);
      task = r.body.task;
    }
    const packed = await t.call('POST', `/api/v1/fulfillment-orders/${order.fulfillment_orders[0].id}/pack`, { body: { scans: ['AU-TEE', 'AU-TEE'], carton: 'M', weight_g: 600 } });
    expect(packed.status, packed.text).toBe(201);

    const [s1, s2] = await Promise.all([runDueAutomation(t.db.db, { now: at(2) }), runDueAutomation(t.db.db, { now: at(2) })]);
    const ship = [...s1, ...s2].filter((r) => r.kind === 'auto_ship');
    expect(ship).toHaveLength(1);
    expect(ship[0]).toMatchObject({ status: 'ok', acted: 1 });
    const shipped = (ship[0]!.summary.shipped as { shipment_id: string; tracking_number: string }[])[0]!;
    const label = await t.call('GET', `/api/v1/shipments/${shipped.shipment_id}/label?format=zpl`);
    expect(label.status).toBe(200);
    expect(label.text).toContain('^XA');

    fake.failNext('POST /admin/api/2024-10/fulfillments.json', 503);
    for (let i = 0; i < 10; i++) await Promise.all([runWritebackCycle(t.db.db, { retryBaseMs: 0 }), runWritebackCycle(t.db.db, { retryBaseMs: 0 })]);
    const mine = fake.shopify.fulfillments.filter((f) => f.order_id === '7100000000001');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.tracking_info).toEqual({ number: shipped.tracking_number, company: 'Swift Couriers', url: `https://track.swift.example/${shipped.tracking_number}` });
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/fulfillments.json'))).toHaveLength(2);
    expect((await t.call('GET', `/api/v1/orders/${orderId}`)).body.status).toBe('shipped');
    expect(await drifts(t.db.db)).toEqual([]);
  });
});

describe('manifests, pauses, stale holds and the SLA watcher', () => {
  it('closes the open manifest at the pickup time, and does nothing while the warehouse is paused', async () => {
    expect((await rule('manifest_close', { settings: { pickup_time: '17:00' } })).status).toBe(200);
    expect((await t.call('POST', `/api/v1/warehouses/${wh}/automation/pause`, { body: { reason: 'stock take' } })).status).toBe(200);
    expect((await runDueAutomation(t.db.db, { now: at(3) })).filter((r) => r.kind === 'manifest_close')).toHaveLength(0);
    expect((await t.call('GET', '/api/v1/automation/rules')).body.paused.map((p: any) => p.warehouse_id)).toEqual([wh]);
    expect((await t.call('POST', `/api/v1/warehouses/${wh}/automation/resume`, { body: {} })).status).toBe(200);
    const run = (await runDueAutomation(t.db.db, { now: at(4) })).find((r) => r.kind === 'manifest_close')!;
    expect(run).toMatchObject({ status: 'ok', acted: 1 });
    const manifest = await t.call('GET', `/api/v1/manifests/${(run.summary.closed as any[])[0].manifest_id}`);
    expect(manifest.body.status).toBe('closed');
    const r = (await t.call('GET', '/api/v1/automation/rules')).body.data.find((x: any) => x.kind === 'manifest_close');
    // Next run: 17:00 in Kolkata after `now`.
    expect(new Date(r.next_run_at).toISOString()).toBe(nextLocalTime(at(4), 'Asia/Kolkata', '17:00').toISOString());
  });

  it('cancels an order held for a configured reason once it is older than the limit, and leaves younger ones', async () => {
    const orderId = await shopifyHook(shopifyOrder(7100000000002, 1, { total_price: '999.00' }));
    const held = (await t.call('GET', `/api/v1/orders/${orderId}`)).body;
    expect(held.status).toBe('on_hold');
    const reason = held.holds[0].reason;
    expect((await rule('cancel_stale_holds', { settings: { every_minutes: 15, hold_reasons: [reason], older_than_minutes: 60 } })).status).toBe(200);
    const early = (await runDueAutomation(t.db.db, { now: at(5) })).find((r) => r.kind === 'cancel_stale_holds')!;
    expect(early.acted).toBe(0);
    await sql`update automation_rules set next_run_at = null where kind = 'cancel_stale_holds'`.execute(t.db.db);
    const late = (await runDueAutomation(t.db.db, { now: at(120) })).find((r) => r.kind === 'cancel_stale_holds')!;
    expect(late).toMatchObject({ acted: 1, summary: { cancelled: [{ order_id: orderId, hold_reason: reason }] } });
    expect((await t.call('GET', `/api/v1/orders/${orderId}`)).body.status).toBe('cancelled');
  });

  it('raises the priority of an order at risk of missing its dispatch-by time, once', async () => {
    const o = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'AU-TEE', qty: 1 }], { shipping_address: { name: 'A', line1: '1 Road', city: 'Bengaluru', state: 'KA', postal_code: '560034', country: 'IN', phone: '+91 98450 00001' } }) });
    expect(o.status, o.text).toBe(201);
    const dispatchBy = new Date(o.body.dispatch_by);
    expect(Number.isNaN(dispatchBy.getTime())).toBe(false);
    expect((await rule('sla_watch', { settings: { every_minutes: 10, at_risk_minutes: 120, raise_to: 'urgent' } })).status).toBe(200);
    const far = (await runDueAutomation(t.db.db, { now: new Date(dispatchBy.getTime() - 5 * 3_600_000) })).find((r) => r.kind === 'sla_watch')!;
    expect((far.summary.raised as any[]).map((x) => x.order_id)).not.toContain(o.body.id);
    await sql`update automation_rules set next_run_at = null where kind = 'sla_watch'`.execute(t.db.db);
    const near = (await runDueAutomation(t.db.db, { now: new Date(dispatchBy.getTime() - 3_600_000) })).find((r) => r.kind === 'sla_watch')!;
    expect((near.summary.raised as any[]).map((x) => x.order_id)).toContain(o.body.id);
    const after = (await t.call('GET', `/api/v1/orders/${o.body.id}`)).body;
    expect(after.priority).toBe('urgent');
    expect(after.timeline.some((e: any) => e.type === 'sla_at_risk')).toBe(true);
    expect((await runsOf('sla_watch')).length).toBe(2);
  });
});
