import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { seedWarehousesAndStock } from '../helpers/seed.js';

let t: TestApp;
let shop: string;
let woo: string;
const SHOP_SECRET = 'shpss_test_secret_0123456789';
const WOO_SECRET = 'woo_test_secret_0123456789';

beforeAll(async () => {
  t = await startTestApp();
  await seedWarehousesAndStock(t, [{ sku: 'HK-TEE', wh: 'A', qty: 10 }, { sku: 'HK-MUG', wh: 'A', qty: 10 }], 'H');
  shop = (await t.call('POST', '/api/v1/channels', { body: { type: 'shopify', name: 'Shopify test', secret: SHOP_SECRET } })).body.id;
  woo = (await t.call('POST', '/api/v1/channels', { body: { type: 'woocommerce', name: 'Woo test', secret: WOO_SECRET } })).body.id;
  // A line without a SKU is mapped by its variant id through a listing.
  await t.call('POST', `/api/v1/channels/${shop}/listings`, { body: { channel_sku: '39072856', sku: 'HK-MUG' } });
});
afterAll(async () => t.close());

/** An orders/create body in Shopify's Admin REST Order format. */
function shopifyOrder(id: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  // A different buyer per order, so the duplicate-order rule does not hold these test orders.
  const buyer = `+9198${String(id).slice(-8)}`;
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${id % 10000}`,
    email: `asha${id}@example.com`,
    created_at: '2026-11-30T10:15:00+05:30',
    currency: 'INR',
    presentment_currency: 'INR',
    financial_status: 'paid',
    taxes_included: true,
    total_price: '1147.00',
    subtotal_price: '1098.00',
    total_discounts: '100.00',
    total_tax: '167.49',
    payment_gateway_names: ['razorpay'],
    tags: 'vip, instagram',
    customer: { id: 207119551, first_name: 'Asha', last_name: 'Rao', email: `asha${id}@example.com`, phone: buyer },
    shipping_address: { first_name: 'Asha', last_name: 'Rao', name: 'Asha Rao', address1: '12 MG Road', address2: 'Flat 4', city: 'Bengaluru', province: 'Karnataka', province_code: 'KA', zip: '560001', country: 'India', country_code: 'IN', phone: '+91 98450 00000' },
    billing_address: { name: 'Asha Rao', address1: '12 MG Road', city: 'Bengaluru', zip: '560001', country: 'India', country_code: 'IN' },
    shipping_lines: [{ id: 1, title: 'Standard', code: 'standard', price: '49.00', discount_allocations: [], tax_lines: [] }],
    line_items: [
      {
        id: id * 10 + 1, admin_graphql_api_id: `gid://shopify/LineItem/${id * 10 + 1}`, variant_id: 39072855, product_id: 788032119, sku: 'HK-TEE', title: 'Tee', name: 'Tee - M',
        quantity: 2, price: '499.00', requires_shipping: true, gift_card: false, fulfillable_quantity: 2, total_discount: '0.00',
        discount_allocations: [{ amount: '100.00', discount_application_index: 0 }],
        tax_lines: [{ title: 'IGST', price: '137.20', rate: 0.18 }],
      },
      {
        id: id * 10 + 2, admin_graphql_api_id: `gid://shopify/LineItem/${id * 10 + 2}`, variant_id: 39072856, product_id: 788032120, sku: '', title: 'Mug', name: 'Mug',
        quantity: 1, price: '200.00', requires_shipping: true, gift_card: false, fulfillable_quantity: 1, total_discount: '0.00',
        discount_allocations: [], tax_lines: [{ title: 'IGST', price: '30.29', rate: 0.18 }],
      },
    ],
    ...over,
  };
}

const sign = (body: string, secret: string) => createHmac('sha256', secret).update(body, 'utf8').digest('base64');

async function shopHook(topic: string, payload: unknown, opts: { id?: string; secret?: string; raw?: string } = {}) {
  const body = opts.raw ?? JSON.stringify(payload);
  return t.call('POST', `/hooks/shopify/${shop}`, {
    key: null,
    raw: body,
    headers: { 'content-type': 'application/json', 'x-shopify-topic': topic, 'x-shopify-hmac-sha256': sign(body, opts.secret ?? SHOP_SECRET), 'x-shopify-webhook-id': opts.id ?? `wh-${Math.random()}` },
  });
}

const orderOf = async (channel: string, external: string) =>
  (await sql<{ id: string; status: string }>`select id, status from orders where channel_id = ${channel} and external_id = ${external}`.execute(t.db.db)).rows[0];

describe('Shopify webhooks', () => {
  it('captures orders/create into a reserved order: exact money, discounts, a SKU-less line mapped by variant', async () => {
    const r = await shopHook('orders/create', shopifyOrder(5830120000101));
    expect(r.status, r.text).toBe(200);
    expect(r.body.outcome).toBe('created');
    const o = await t.call('GET', `/api/v1/orders/${r.body.order_id}`);
    expect(o.body).toMatchObject({ status: 'allocated', currency: 'INR', subtotal_amount: 119800, discount_amount: 10000, shipping_amount: 4900, total_amount: 114700, priority: 'high' });
    expect(o.body.lines.map((l: { sku: string }) => l.sku)).toEqual(['HK-TEE', 'HK-MUG']);
    expect(o.body.shipping_address.postal_code).toBe('560001');
    expect(o.body.holds).toEqual([]);
  });

  it('changes nothing for a repeated delivery, or a second orders/create of the same order', async () => {
    const payload = shopifyOrder(5830120000102);
    const first = await shopHook('orders/create', payload, { id: 'dup-1' });
    const again = await shopHook('orders/create', payload, { id: 'dup-1' });
    expect(again.body.outcome).toBe('duplicate_delivery');
    const other = await shopHook('orders/create', payload, { id: 'dup-2' });
    expect(other.body).toMatchObject({ outcome: 'already_known', order_id: first.body.order_id });
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => shopHook('orders/create', shopifyOrder(5830120000103))));
    expect(new Set(concurrent.map((c) => c.body.order_id)).size).toBe(1);
    const n = await sql<{ n: number }>`select count(*)::int as n from orders where external_id = '5830120000103'`.execute(t.db.db);
    expect(n.rows[0]!.n).toBe(1);
  });

  it('refuses a bad signature with 401 and stores nothing', async () => {
    const before = await sql<{ n: number }>`select count(*)::int as n from orders`.execute(t.db.db);
    const wrong = await shopHook('orders/create', shopifyOrder(1001), { secret: 'not-the-secret' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('invalid_signature');
    const body = JSON.stringify(shopifyOrder(1002));
    const tampered = await t.call('POST', `/hooks/shopify/${shop}`, { key: null, raw: body.replace('499.00', '1.00'), headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': sign(body, SHOP_SECRET) } });
    expect(tampered.status).toBe(401);
    const missing = await t.call('POST', `/hooks/shopify/${shop}`, { key: null, raw: body, headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create' } });
    expect(missing.status).toBe(401);
    const unknownChannel = await t.call('POST', '/hooks/shopify/ch_nope', { key: null, raw: body, headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': sign(body, SHOP_SECRET) } });
    expect(unknownChannel.status).toBe(401);
    const after = await sql<{ n: number }>`select count(*)::int as n from orders`.execute(t.db.db);
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  it('answers 400 to a signed but malformed payload', async () => {
    const bad = await shopHook('orders/create', undefined, { raw: '{"id": 5, "line_items": "nope"' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('malformed_json');
    const wrongShape = await shopHook('orders/create', { id: 6, line_items: 'nope' });
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.body.code).toBe('malformed_payload');
  });

  it('cancels on orders/cancelled, releasing stock, and a late orders/create never reopens it', async () => {
    const payload = shopifyOrder(5830120000104);
    const created = await shopHook('orders/create', payload);
    expect((await orderOf(shop, '5830120000104'))!.status).toBe('allocated');
    const cancelled = await shopHook('orders/cancelled', { ...payload, cancelled_at: '2026-11-30T11:00:00+05:30', cancel_reason: 'customer' });
    expect(cancelled.body.outcome).toBe('cancelled');
    const late = await shopHook('orders/create', payload);
    expect(late.body.outcome).toBe('already_known');
    expect((await orderOf(shop, '5830120000104'))!.status).toBe('cancelled');
    const res = await sql<{ n: number }>`select coalesce(sum(qty), 0)::int as n from reservations where ref = ${created.body.order_id} and status = 'open'`.execute(t.db.db);
    expect(res.rows[0]!.n).toBe(0);
  });

  it('holds an order with an unmapped item and a gift card that does not ship', async () => {
    const payload = shopifyOrder(5830120000105, {
      line_items: [
        { id: 1, variant_id: 999, product_id: 1, sku: '', title: 'Unknown', quantity: 1, price: '100.00', requires_shipping: true, gift_card: false, discount_allocations: [], tax_lines: [] },
        { id: 2, variant_id: 998, product_id: 2, sku: '', title: 'Gift card', quantity: 1, price: '500.00', requires_shipping: false, gift_card: true, discount_allocations: [], tax_lines: [] },
      ],
      total_price: '649.00',
      total_discounts: '0.00',
    });
    const r = await shopHook('orders/create', payload);
    const o = await t.call('GET', `/api/v1/orders/${r.body.order_id}`);
    expect(o.body.status).toBe('on_hold');
    expect(o.body.holds.map((h: { reason: string }) => h.reason)).toEqual(['unknown_sku']);
    expect(o.body.lines[1]).toMatchObject({ needs_shipping: false });
  });
});

describe('WooCommerce webhooks', () => {
  const wooOrder = (id: number, over: Record<string, unknown> = {}) => ({
    id, number: String(id), status: 'processing', currency: 'USD', prices_include_tax: false, date_created_gmt: '2026-11-30T05:00:00',
    total: '42.25', total_tax: '2.25', shipping_total: '5.00', discount_total: '5.00', payment_method: 'stripe', payment_method_title: 'Card',
    billing: { first_name: 'John', last_name: 'Doe', address_1: '969 Market', city: 'San Francisco', state: 'CA', postcode: '94103', country: 'US', email: 'john@example.com', phone: '(555) 555-5555' },
    shipping: { first_name: 'John', last_name: 'Doe', address_1: '969 Market', city: 'San Francisco', state: 'CA', postcode: '01060', country: 'US' },
    line_items: [{ id: 315, name: 'Tee', product_id: 93, variation_id: 0, quantity: 2, subtotal: '40.00', subtotal_tax: '0.00', total: '35.00', total_tax: '2.25', taxes: [], sku: 'HK-TEE', price: 17.5 }],
    shipping_lines: [{ id: 317, method_title: 'Flat Rate', method_id: 'flat_rate', total: '5.00', total_tax: '0.00' }],
    fee_lines: [], coupon_lines: [{ id: 318, code: '5off', discount: '5.00' }],
    ...over,
  });
  const wooHook = (payload: unknown, topic = 'order.created', id = `d-${Math.random()}`) => {
    const body = JSON.stringify(payload);
    return t.call('POST', `/hooks/woocommerce/${woo}`, { key: null, raw: body, headers: { 'content-type': 'application/json', 'x-wc-webhook-topic': topic, 'x-wc-webhook-signature': sign(body, WOO_SECRET), 'x-wc-webhook-delivery-id': id } });
  };

  it('captures an order: unit price before discount = subtotal / qty, US ZIP kept as a string', async () => {
    const r = await wooHook(wooOrder(727));
    expect(r.status, r.text).toBe(200);
    const o = await t.call('GET', `/api/v1/orders/${r.body.order_id}`);
    expect(o.body).toMatchObject({ currency: 'USD', subtotal_amount: 4000, discount_amount: 500, shipping_amount: 500, tax_amount: 225, total_amount: 4225 });
    expect(o.body.holds).toEqual([]);
    expect(o.body.lines[0]).toMatchObject({ unit_price_amount: 2000, discount_amount: 500, qty: 2 });
    expect(o.body.shipping_address.postal_code).toBe('01060');
  });

  it('cancels when the order becomes cancelled, and rejects a bad signature', async () => {
    await wooHook(wooOrder(728));
    const c = await wooHook(wooOrder(728, { status: 'cancelled' }), 'order.updated');
    expect(c.body.outcome).toBe('cancelled');
    expect((await orderOf(woo, '728'))!.status).toBe('cancelled');
    const body = JSON.stringify(wooOrder(729));
    const bad = await t.call('POST', `/hooks/woocommerce/${woo}`, { key: null, raw: body, headers: { 'content-type': 'application/json', 'x-wc-webhook-topic': 'order.created', 'x-wc-webhook-signature': sign(body, 'wrong') } });
    expect(bad.status).toBe(401);
  });
});
