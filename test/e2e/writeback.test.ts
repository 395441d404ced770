import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { drifts } from '../helpers/inventory.js';
import { startFakeWriteback, WB_CREDENTIALS, type FakeWriteback } from '../helpers/fake-channel-writeback.js';
import { runWritebackCycle, type WritebackOptions } from '../../src/channels/writeback/index.js';
import { intakeOrder } from '../../src/workflows/channel-intake.js';
import type { OrderInput } from '../../src/modules/orders/index.js';

/**
 * Shipments told to their channels, end to end: orders captured from Shopify and WooCommerce webhooks and from
 * Amazon/Flipkart-normalised input, taken through wave, pick, pack and ship over the API, then the write-back job
 * (two workers at once) against a local server that speaks each channel's documented format.
 */
let t: TestApp;
let fake: FakeWriteback;
let wh: string;
const ch: Record<'shopify' | 'woocommerce' | 'amazon' | 'flipkart', string> = { shopify: '', woocommerce: '', amazon: '', flipkart: '' };
const SHOP_SECRET = 'shpss_wb_secret_0123456789';
const WOO_SECRET = 'woo_wb_secret_0123456789';
const TRACK = 'https://track.swift.example/{tracking}';
const opts = (): WritebackOptions => ({ retryBaseMs: 0, timeoutMs: 700, random: () => 0.5 });
const csv = (rows: string[]) => ({ raw: rows.join('\n'), headers: { 'content-type': 'text/csv' } });
const sign = (body: string, secret: string) => createHmac('sha256', secret).update(body, 'utf8').digest('base64');

/** Two workers running the job side by side until nothing is due. */
async function drain(o: WritebackOptions = opts()): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const [a, b] = await Promise.all([runWritebackCycle(t.db.db, o), runWritebackCycle(t.db.db, o)]);
    const due = await sql<{ n: number }>`select count(*)::int as n from channel_writebacks where status = 'pending' and next_attempt_at <= now()`.execute(t.db.db);
    if (a + b === 0 && due.rows[0]!.n === 0) return;
  }
  throw new Error('write-back did not settle');
}

beforeAll(async () => {
  fake = await startFakeWriteback();
  t = await startTestApp();
  const w = await t.call('POST', '/api/v1/warehouses', { body: { code: 'WBA', name: 'Bengaluru DC', address: { line1: '1 Dock Road', city: 'Bengaluru', postal_code: '560001', country: 'IN' }, lat: 12.9716, lng: 77.5946, timezone: 'Asia/Kolkata' } });
  expect(w.status, w.text).toBe(201);
  wh = w.body.id;
  expect((await t.call('POST', `/api/v1/warehouses/${wh}/bins`, { body: [{ code: 'A-01', zone: 'A', walk_sequence: 1 }] })).status).toBe(201);
  expect((await t.call('POST', `/api/v1/warehouses/${wh}/cartons`, { body: { code: 'M', length_mm: 300, width_mm: 200, height_mm: 150, max_weight_g: 5000, tare_weight_g: 150 } })).status).toBe(201);
  for (const s of ['WB-TEE', 'WB-MUG']) expect((await t.call('POST', '/api/v1/skus', { body: { sku: s, name: s, weight_g: 200, dims_mm: { l: 120, w: 100, h: 50 } } })).status).toBe(201);
  expect((await t.call('POST', '/api/v1/inventory/receipts', { body: { warehouse_id: wh, lines: [{ sku: 'WB-TEE', qty: 200, bin: 'A-01' }, { sku: 'WB-MUG', qty: 200, bin: 'A-01' }] } })).status).toBe(201);
  const c = await t.call('POST', '/api/v1/carriers', { body: { code: 'swift', name: 'Swift Couriers', kind: 'rate_card', cod_capable: true, settings: { currency: 'INR', tracking: { prefix: 'SW', suffix: 'IN', first: 1000, last: 99_999_999 } } } });
  expect(c.status, c.text).toBe(201);
  expect((await t.call('POST', '/api/v1/carriers/swift/rate-card/zones', csv(['zone,max_km,dest_prefix', 'metro,,5600']))).status).toBe(200);
  expect((await t.call('POST', '/api/v1/carriers/swift/rate-card/rates', csv(['service,zone,transit_days,up_to_g,amount,extra_every_g,extra_amount', 'surface,metro,2,5000,60.00,,']))).status).toBe(200);
  expect((await t.call('POST', '/api/v1/carriers/swift/rate-card/serviceability', csv(['postal_code,match,prepaid,cod', '56,prefix,yes,yes']))).status).toBe(200);

  for (const type of ['shopify', 'woocommerce', 'amazon', 'flipkart'] as const) {
    const secret = type === 'shopify' ? SHOP_SECRET : type === 'woocommerce' ? WOO_SECRET : `${type}_secret_0123456789`;
    const r = await t.call('POST', '/api/v1/channels', { body: { type, name: `${type} wb`, secret } });
    expect(r.status, r.text).toBe(201);
    ch[type] = r.body.id;
    const p = await t.call('PUT', `/api/v1/channels/${ch[type]}/stock-policy`, { body: { endpoint: fake.url, credentials: WB_CREDENTIALS[type], ...(type === 'amazon' ? { marketplace_id: 'A21TJRUUN4KGV' } : {}), ...(type === 'flipkart' ? { location_id: 'LOC123' } : {}) } });
    expect(p.status, p.text).toBe(200);
    const s = await t.call('PUT', `/api/v1/channels/${ch[type]}/writeback-settings`, { body: { enabled: true, carriers: { swift: { name: 'Swift Couriers', code: 'SWIFT', tracking_url: TRACK } } } });
    expect(s.status, s.text).toBe(200);
    expect(s.body).toMatchObject({ enabled: true, notify_customer: true });
  }
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

function shopifyOrder(id: number, lines: { id: number; sku: string; qty: number }[]): Record<string, unknown> {
  const goods = lines.reduce((s, l) => s + l.qty * 300, 0);
  return {
    id, admin_graphql_api_id: `gid://shopify/Order/${id}`, name: `#W${id % 100000}`, email: `wb${id}@example.com`, created_at: '2026-11-30T10:15:00+05:30',
    currency: 'INR', presentment_currency: 'INR', financial_status: 'paid', taxes_included: true,
    total_price: (goods + 49).toFixed(2), subtotal_price: goods.toFixed(2), total_discounts: '0.00', total_tax: '0.00', payment_gateway_names: ['razorpay'], tags: '',
    customer: { id: 1, first_name: 'Asha', last_name: 'Rao', email: `wb${id}@example.com`, phone: `+9197${String(id).slice(-8)}` },
    shipping_address: { name: 'Asha Rao', address1: '12 MG Road', city: 'Bengaluru', province_code: 'KA', zip: '560034', country_code: 'IN', phone: `+9197${String(id).slice(-8)}` },
    shipping_lines: [{ id: 1, title: 'Standard', code: 'standard', price: '49.00', discount_allocations: [], tax_lines: [] }],
    line_items: lines.map((l) => ({ id: l.id, admin_graphql_api_id: `gid://shopify/LineItem/${l.id}`, variant_id: l.id + 7, product_id: 1, sku: l.sku, title: l.sku, name: l.sku, quantity: l.qty, price: '300.00', requires_shipping: true, gift_card: false, fulfillable_quantity: l.qty, total_discount: '0.00', discount_allocations: [], tax_lines: [] })),
  };
}

async function shopifyHook(payload: Record<string, unknown>): Promise<string> {
  const body = JSON.stringify(payload);
  const r = await t.call('POST', `/hooks/shopify/${ch.shopify}`, { key: null, raw: body, headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': sign(body, SHOP_SECRET), 'x-shopify-webhook-id': `wh-${Math.random()}` } });
  expect(r.status, r.text).toBe(200);
  return r.body.order_id;
}

/** Wave, pick and pack an order over the API; `packages` splits it. Returns the package ids. */
async function pickAndPack(orderId: string, packages?: unknown[]): Promise<string[]> {
  const o = await t.call('GET', `/api/v1/orders/${orderId}`);
  expect(o.body.status, JSON.stringify(o.body.holds)).not.toBe('on_hold');
  const wave = await t.call('POST', '/api/v1/waves', { body: { warehouse_id: wh, strategy: 'single' } });
  expect(wave.status, wave.text).toBe(201);
  for (;;) {
    const claim = await t.call('POST', '/api/v1/pick-tasks/claim', { body: { warehouse_id: wh } });
    if (claim.status !== 200 && claim.status !== 201) break;
    let task = claim.body;
    while (task.next_line) {
      const r = await t.call('POST', `/api/v1/pick-tasks/${task.id}/confirm`, { body: { bin: task.next_line.bin, sku_or_barcode: task.next_line.sku, qty: task.next_line.qty_remaining } });
      expect(r.status, r.text).toBe(200);
      task = r.body.task;
    }
  }
  const fo = o.body.fulfillment_orders[0].id;
  const scans = o.body.lines.filter((l: any) => l.needs_shipping).flatMap((l: any) => Array.from({ length: l.qty }, () => l.sku));
  const packed = await t.call('POST', `/api/v1/fulfillment-orders/${fo}/pack`, { body: packages ? { scans, packages } : { scans, carton: 'M', weight_g: 700 } });
  expect(packed.status, packed.text).toBe(201);
  return packed.body.packages.map((p: { id: string }) => p.id);
}

async function ship(pkg: string): Promise<{ id: string; tracking_number: string }> {
  const r = await t.call('POST', `/api/v1/packages/${pkg}/ship`, { body: {} });
  expect(r.status, r.text).toBe(201);
  return r.body;
}

const timeline = async (orderId: string) => (await t.call('GET', `/api/v1/orders/${orderId}`)).body.timeline as { type: string; message: string; data: any }[];

function marketplaceOrder(external: string, lines: { id: string; sku: string; qty: number }[], channelData: Record<string, unknown>): OrderInput {
  return {
    external_id: external, number: external, currency: 'INR', customer: { name: 'Karthik S', phone: `+9198${external.replace(/\D/g, '').slice(-8)}` },
    shipping_address: { name: 'Karthik S', line1: '4 Residency Road', city: 'Bengaluru', state: 'KA', postal_code: '560025', country: 'IN', phone: '+919840012345' },
    payment: { method: 'prepaid' }, taxes_included: true,
    lines: lines.map((l) => ({ external_line_id: l.id, sku: l.sku, qty: l.qty, unit_price_amount: 30000 })), channel_data: channelData,
  };
}

describe('Shopify write-back', () => {
  it('creates exactly one fulfillment with the tracking, though the first answer is a 503 and two workers run', async () => {
    fake.shopifyOrder('5830120000201', [{ '58301200002011': 2, '58301200002012': 1 }]);
    const orderId = await shopifyHook(shopifyOrder(5830120000201, [{ id: 58301200002011, sku: 'WB-TEE', qty: 2 }, { id: 58301200002012, sku: 'WB-MUG', qty: 1 }]));
    const [pkg] = await pickAndPack(orderId);
    const shipment = await ship(pkg!);
    fake.failNext('POST /admin/api/2024-10/fulfillments.json', 503);
    await drain();

    const mine = fake.shopify.fulfillments.filter((f) => f.order_id === '5830120000201');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.tracking_info).toEqual({ number: shipment.tracking_number, company: 'Swift Couriers', url: `https://track.swift.example/${shipment.tracking_number}` });
    expect(mine[0]!.line_items_by_fulfillment_order[0]!.fulfillment_order_line_items.map((l) => l.quantity).sort()).toEqual([1, 2]);
    expect(fake.shopify.fulfillable.get('58301200002011')).toBe(0);
    expect(fake.violations).toEqual([]);

    const wb = await t.call('GET', `/api/v1/sync-exceptions?status=done&order_id=${orderId}`);
    expect(wb.body.data).toHaveLength(1);
    expect(wb.body.data[0]).toMatchObject({ status: 'done', attempts: 2, external_ref: String(mine[0]!.id), shipment_id: shipment.id });
    const one = await t.call('GET', `/api/v1/sync-exceptions/${wb.body.data[0].id}`);
    expect(one.body.attempts_log.map((a: any) => [a.outcome, a.status_code])).toEqual([['retry', 503], ['done', null]]);
    const tl = await timeline(orderId);
    expect(tl.filter((e) => e.type === 'channel_writeback_retrying')).toHaveLength(1);
    expect(tl.find((e) => e.type === 'channel_writeback_done')?.message).toContain(`Shopify fulfillment ${mine[0]!.id}`);
    expect(await drifts(t.db.db)).toEqual([]);
  });

  it('fulfils a split order part by part: only the shipped lines and quantities each time', async () => {
    fake.shopifyOrder('5830120000202', [{ '58301200002021': 3, '58301200002022': 1 }]);
    const orderId = await shopifyHook(shopifyOrder(5830120000202, [{ id: 58301200002021, sku: 'WB-TEE', qty: 3 }, { id: 58301200002022, sku: 'WB-MUG', qty: 1 }]));
    const pkgs = await pickAndPack(orderId, [{ carton: 'M', weight_g: 500, items: [{ sku: 'WB-TEE', qty: 2 }] }, { carton: 'M', weight_g: 500 }]);
    expect(pkgs).toHaveLength(2);
    const first = await ship(pkgs[0]!);
    await drain();
    let mine = fake.shopify.fulfillments.filter((f) => f.order_id === '5830120000202');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.line_items_by_fulfillment_order[0]!.fulfillment_order_line_items).toEqual([{ id: expect.any(Number), quantity: 2 }]);
    expect(mine[0]!.tracking_info.number).toBe(first.tracking_number);
    expect(fake.shopify.fulfillable.get('58301200002021')).toBe(1);

    const second = await ship(pkgs[1]!);
    await drain();
    mine = fake.shopify.fulfillments.filter((f) => f.order_id === '5830120000202');
    expect(mine).toHaveLength(2);
    expect(mine[1]!.tracking_info.number).toBe(second.tracking_number);
    expect(mine[1]!.line_items_by_fulfillment_order[0]!.fulfillment_order_line_items.map((l) => l.quantity).sort()).toEqual([1, 1]);
    expect(fake.shopify.fulfillable.get('58301200002021')).toBe(0);
    expect(fake.shopify.fulfillable.get('58301200002022')).toBe(0);
  });

  it('adopts the fulfillment an attempt created when its answer was lost, instead of creating a second', async () => {
    fake.shopifyOrder('5830120000203', [{ '58301200002031': 1 }]);
    const orderId = await shopifyHook(shopifyOrder(5830120000203, [{ id: 58301200002031, sku: 'WB-TEE', qty: 1 }]));
    const [pkg] = await pickAndPack(orderId);
    await ship(pkg!);
    fake.loseAnswer('POST /admin/api/2024-10/fulfillments.json');
    await drain();
    const mine = fake.shopify.fulfillments.filter((f) => f.order_id === '5830120000203');
    expect(mine).toHaveLength(1);
    const wb = (await t.call('GET', `/api/v1/sync-exceptions?status=done&order_id=${orderId}`)).body.data[0];
    expect(wb).toMatchObject({ attempts: 2, external_ref: String(mine[0]!.id) });
    const log = (await t.call('GET', `/api/v1/sync-exceptions/${wb.id}`)).body.attempts_log;
    expect(log[0]).toMatchObject({ outcome: 'retry', error_code: 'channel_timeout' });
  });

  it('raises a sync exception on a 422 that staff can see on the order, and resolve', async () => {
    fake.shopifyOrder('5830120000204', [{ '58301200002041': 1 }]);
    const orderId = await shopifyHook(shopifyOrder(5830120000204, [{ id: 58301200002041, sku: 'WB-MUG', qty: 1 }]));
    const [pkg] = await pickAndPack(orderId);
    await ship(pkg!);
    fake.failNext('POST /admin/api/2024-10/fulfillments.json', 422);
    await drain();
    expect(fake.shopify.fulfillments.filter((f) => f.order_id === '5830120000204')).toHaveLength(0);
    const list = await t.call('GET', `/api/v1/sync-exceptions?order_id=${orderId}`);
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'channel_rejected', status: 422 } });
    const tl = await timeline(orderId);
    expect(tl.find((e) => e.type === 'sync_exception')?.message).toMatch(/shopify refused the shipment write-back: .*HTTP 422/);

    const resolved = await t.call('POST', `/api/v1/sync-exceptions/${list.body.data[0].id}/resolve`, { body: { note: 'fulfilled in Shopify admin' } });
    expect(resolved.status, resolved.text).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', resolution_note: 'fulfilled in Shopify admin' });
    expect((await t.call('POST', `/api/v1/sync-exceptions/${list.body.data[0].id}/retry`, { body: {} })).body.code).toBe('sync_exception_not_open');
    expect((await t.call('GET', `/api/v1/sync-exceptions?order_id=${orderId}`)).body.data).toHaveLength(0);
    expect((await timeline(orderId)).some((e) => e.type === 'sync_exception_resolved')).toBe(true);
  });
});

describe('WooCommerce write-back', () => {
  it('adds a tracking note and marks the order completed once every line has shipped', async () => {
    const payload = {
      id: 8801, number: '8801', status: 'processing', currency: 'INR', prices_include_tax: true, date_created_gmt: '2026-11-30T05:00:00',
      total: '650.00', total_tax: '0.00', shipping_total: '50.00', discount_total: '0.00', payment_method: 'razorpay', payment_method_title: 'Card',
      billing: { first_name: 'Ravi', last_name: 'K', address_1: '5 Brigade Road', city: 'Bengaluru', state: 'KA', postcode: '560025', country: 'IN', email: 'ravi@example.com', phone: '+919845011111' },
      shipping: { first_name: 'Ravi', last_name: 'K', address_1: '5 Brigade Road', city: 'Bengaluru', state: 'KA', postcode: '560025', country: 'IN' },
      line_items: [{ id: 9101, name: 'Tee', product_id: 93, variation_id: 0, quantity: 2, subtotal: '600.00', subtotal_tax: '0.00', total: '600.00', total_tax: '0.00', taxes: [], sku: 'WB-TEE', price: 300 }],
      shipping_lines: [{ id: 9102, method_title: 'Flat Rate', method_id: 'flat_rate', total: '50.00', total_tax: '0.00' }], fee_lines: [], coupon_lines: [],
    };
    const body = JSON.stringify(payload);
    const r = await t.call('POST', `/hooks/woocommerce/${ch.woocommerce}`, { key: null, raw: body, headers: { 'content-type': 'application/json', 'x-wc-webhook-topic': 'order.created', 'x-wc-webhook-signature': sign(body, WOO_SECRET), 'x-wc-webhook-delivery-id': 'wb-woo-1' } });
    expect(r.status, r.text).toBe(200);
    const [pkg] = await pickAndPack(r.body.order_id);
    const shipment = await ship(pkg!);
    fake.failNext('PUT /wp-json/wc/v3/orders/8801', 502);
    await drain();
    const notes = fake.woo.notes.get('8801')!;
    expect(notes).toHaveLength(1);
    expect(notes[0]!.note).toContain(shipment.tracking_number);
    expect(notes[0]!.customer_note).toBe(true);
    expect(fake.woo.status.get('8801')).toBe('completed');
    expect(fake.violations).toEqual([]);
  });
});

describe('Amazon write-back', () => {
  it('confirms the shipment of an MFN order with order items, quantities, carrier and tracking', async () => {
    const res = await intakeOrder(t.db.db, ch.amazon, marketplaceOrder('403-1111111-1111111', [{ id: '61234567891234', sku: 'WB-TEE', qty: 2 }, { id: '61234567895678', sku: 'WB-MUG', qty: 1 }], { fulfillment_channel: 'MFN', marketplace_id: 'A21TJRUUN4KGV' }), 'test');
    const [pkg] = await pickAndPack(res.order_id!);
    const shipment = await ship(pkg!);
    fake.failNext('POST /orders/v0/orders/403-1111111-1111111', 429);
    await drain();
    const mine = fake.amazon.confirmations.filter((c) => c.orderId === '403-1111111-1111111');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.body).toMatchObject({
      marketplaceId: 'A21TJRUUN4KGV',
      packageDetail: { packageReferenceId: '1', carrierCode: 'SWIFT', shippingMethod: 'surface', trackingNumber: shipment.tracking_number, orderItems: [{ orderItemId: '61234567891234', quantity: 2 }, { orderItemId: '61234567895678', quantity: 1 }] },
    });
    expect(fake.violations).toEqual([]);
  });

  it('tells Amazon nothing about an AFN order', async () => {
    const res = await intakeOrder(t.db.db, ch.amazon, marketplaceOrder('403-2222222-2222222', [{ id: '71234567891234', sku: 'WB-MUG', qty: 1 }], { fulfillment_channel: 'AFN', marketplace_id: 'A21TJRUUN4KGV' }), 'test');
    const [pkg] = await pickAndPack(res.order_id!);
    await ship(pkg!);
    await drain();
    expect(fake.amazon.confirmations.filter((c) => c.orderId === '403-2222222-2222222')).toHaveLength(0);
    expect((await t.call('GET', `/api/v1/sync-exceptions?status=pending&order_id=${res.order_id}`)).body.data).toHaveLength(0);
  });

  it('shows a refused confirmation as a sync exception; a retry after the fix sends it once', async () => {
    const res = await intakeOrder(t.db.db, ch.amazon, marketplaceOrder('403-3333333-3333333', [{ id: '81234567891234', sku: 'WB-TEE', qty: 1 }], { fulfillment_channel: 'MFN', marketplace_id: 'A21TJRUUN4KGV' }), 'test');
    const orderId = res.order_id!;
    const [pkg] = await pickAndPack(orderId);
    await ship(pkg!);
    fake.failNext('POST /orders/v0/orders/403-3333333-3333333', 400);
    await drain();
    const order = await t.call('GET', `/api/v1/orders/${orderId}`);
    const exc = order.body.timeline.find((e: any) => e.type === 'sync_exception');
    expect(exc.message).toMatch(/amazon refused the shipment write-back: amazon: confirmShipment answered HTTP 400/);
    const failed = (await t.call('GET', `/api/v1/sync-exceptions?channel_id=${ch.amazon}`)).body.data.filter((x: any) => x.order_id === orderId);
    expect(failed).toHaveLength(1);
    const ev = await sql<{ n: number }>`select count(*)::int as n from outbox where type = 'channel.writeback_failed' and payload->>'order_id' = ${orderId}`.execute(t.db.db);
    expect(ev.rows[0]!.n).toBe(1);

    const retried = await t.call('POST', `/api/v1/sync-exceptions/${failed[0].id}/retry`, { body: {} });
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.status).toBe('pending');
    await drain();
    expect(fake.amazon.confirmations.filter((c) => c.orderId === '403-3333333-3333333')).toHaveLength(1);
    expect((await t.call('GET', `/api/v1/sync-exceptions/${failed[0].id}`)).body.status).toBe('done');
  });
});

describe('Flipkart write-back', () => {
  it('marks the self-ship shipment dispatched with the tracking id and invoice items', async () => {
    const res = await intakeOrder(t.db.db, ch.flipkart, marketplaceOrder('0c3f8b6e-52a1-4d9e-9f7e-2b1c4a8d6e99', [{ id: '12456789012345600', sku: 'WB-MUG', qty: 2 }], { shipment_id: '0c3f8b6e-52a1-4d9e-9f7e-2b1c4a8d6e99' }), 'test');
    const [pkg] = await pickAndPack(res.order_id!);
    const shipment = await ship(pkg!);
    await drain();
    const d = fake.flipkart.dispatches.find((x) => x.shipmentId === '0c3f8b6e-52a1-4d9e-9f7e-2b1c4a8d6e99');
    expect(d).toMatchObject({ trackingId: shipment.tracking_number, deliveryPartner: 'Swift Couriers', deliveryPartnerCode: 'SWIFT', locationId: 'LOC123', invoice: { items: [{ orderItemId: '12456789012345600', quantity: 2 }] } });
    expect(fake.violations).toEqual([]);
  });
});

describe('settings and access', () => {
  it('refuses write-back settings for an API channel and keeps them admin-only', async () => {
    const api = await t.call('POST', '/api/v1/channels', { body: { type: 'api', name: 'api wb' } });
    expect((await t.call('PUT', `/api/v1/channels/${api.body.id}/writeback-settings`, { body: { enabled: true } })).body.code).toBe('writeback_unsupported');
    const ops = await t.keyFor('ops');
    expect((await t.call('PUT', `/api/v1/channels/${ch.shopify}/writeback-settings`, { key: ops, body: { enabled: false } })).status).toBe(403);
    expect((await t.call('GET', `/api/v1/channels/${ch.shopify}/writeback-settings`, { key: ops })).body.carriers.swift.code).toBe('SWIFT');
  });
});
