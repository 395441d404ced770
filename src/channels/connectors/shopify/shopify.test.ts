import { describe, expect, it } from 'vitest';
import { appError, computedTotal, fixture, rawFixture, sign } from '../test-helpers.js';
import { normalizeShopifyCancellation, normalizeShopifyOrder, normalizeShopifyRefund, shopifyRefundCancellation, verifyShopifyWebhook } from './index.js';

const SECRET = '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';

describe('Shopify webhook signature', () => {
  const body = rawFixture('shopify', 'order-inr-cod.json');
  const good = sign(body, SECRET);

  it('accepts the HMAC of the exact raw body', () => {
    expect(verifyShopifyWebhook(body, good, SECRET)).toBe(true);
    expect(verifyShopifyWebhook(body, ` ${good}\n`, SECRET)).toBe(true);
  });

  it('refuses a tampered body, a wrong secret, a missing or malformed header and an empty secret', () => {
    const tampered = Buffer.from(body.toString('utf8').replace('"3336.20"', '"1.00"'));
    expect(verifyShopifyWebhook(tampered, good, SECRET)).toBe(false);
    expect(verifyShopifyWebhook(body, good, 'shpss_wrong')).toBe(false);
    expect(verifyShopifyWebhook(body, undefined, SECRET)).toBe(false);
    expect(verifyShopifyWebhook(body, '', SECRET)).toBe(false);
    expect(verifyShopifyWebhook(body, good.slice(0, -2), SECRET)).toBe(false);
    expect(verifyShopifyWebhook(body, `${good}AAAA`, SECRET)).toBe(false);
    expect(verifyShopifyWebhook(body, sign(body, ''), '')).toBe(false);
  });
});

describe('Shopify orders/create', () => {
  it('normalises an Indian COD order with a discount code, GST included and a gift card', () => {
    const o = normalizeShopifyOrder(fixture('shopify', 'order-inr-cod.json'));
    expect(o).toMatchObject({
      external_id: '6201554723116',
      number: '#1042',
      currency: 'INR',
      placed_at: '2026-11-28T08:35:11.000Z',
      customer: { name: 'Priya Raghunathan', email: 'priya.r@example.in', phone: '+919845012345' },
      payment: { method: 'cod' },
      shipping_amount: 9900,
      discount_amount: 0,
      tax_amount: 1510,
      taxes_included: true,
      total_amount: 333620,
      priority: 'high',
      shipping_method: 'Express Delivery (1-2 days)',
      tags: ['VIP', 'repeat-customer', 'festive'],
    });
    expect(o.shipping_address).toEqual({
      name: 'Priya Raghunathan',
      line1: 'No. 14, 3rd Cross, Indiranagar 2nd Stage',
      line2: 'Near CMH Hospital',
      city: 'Bengaluru',
      state: 'KA',
      postal_code: '560038',
      country: 'IN',
      phone: '+919845012345',
    });
    expect(o.lines[0]).toEqual({
      external_line_id: '15520184127788',
      sku: 'KURTA-IND-M',
      channel_sku: '50412345678124',
      title: 'Handloom Cotton Kurta - Indigo / M',
      qty: 2,
      unit_price_amount: 79900,
      discount_amount: 15980,
      tax_amount: 6849,
      needs_shipping: true,
    });
    expect(computedTotal(o)).toBe(o.total_amount);
  });

  it('keeps the variant id as channel_sku when the line has no SKU', () => {
    const line = normalizeShopifyOrder(fixture('shopify', 'order-inr-cod.json')).lines[1]!;
    expect(line.sku).toBeUndefined();
    expect(line.channel_sku).toBe('50412345710892');
  });

  it('marks gift cards and digital products as not shipping', () => {
    const inr = normalizeShopifyOrder(fixture('shopify', 'order-inr-cod.json'));
    expect(inr.lines[2]).toMatchObject({ title: 'Gift Card - ₹500', needs_shipping: false, unit_price_amount: 50000 });
    const usd = normalizeShopifyOrder(fixture('shopify', 'order-usd-prepaid.json'));
    expect(usd.lines[1]).toMatchObject({ sku: 'EBOOK-KNIT', needs_shipping: false });
  });

  it('normalises a prepaid US order: line and shipping discounts, tax on top, postal codes as strings', () => {
    const o = normalizeShopifyOrder(fixture('shopify', 'order-usd-prepaid.json'));
    expect(o).toMatchObject({
      currency: 'USD',
      payment: { method: 'prepaid' },
      taxes_included: false,
      shipping_amount: 499,
      discount_amount: 499,
      tax_amount: 0,
      total_amount: 5992,
      customer: { name: 'Emily Carter', phone: '+14135550142' },
    });
    expect(o.priority).toBeUndefined();
    expect(o.shipping_address).toMatchObject({ postal_code: '01060', country: 'US', state: 'MA', company: 'Carter Yarns LLC' });
    expect(o.billing_address).toMatchObject({ postal_code: 'T3C 0K7', country: 'CA', phone: '+14035550199' });
    expect(computedTotal(o)).toBe(o.total_amount);
  });

  it('adds "0.10" and "0.20" discount allocations to exactly 30 minor units', () => {
    const o = normalizeShopifyOrder(fixture('shopify', 'order-usd-prepaid.json'));
    expect(o.lines[0]!.discount_amount).toBe(30);
    expect(0.1 + 0.2).not.toBe(0.3);
  });

  it('reads the buyer\'s presentment money when asked', () => {
    const o = normalizeShopifyOrder(fixture('shopify', 'order-usd-prepaid.json'), { money: 'presentment' });
    expect(o).toMatchObject({ currency: 'CAD', total_amount: 8132, shipping_amount: 677, discount_amount: 677 });
    expect(o.lines[0]).toMatchObject({ unit_price_amount: 3325, discount_amount: 41, tax_amount: 167 });
    expect(computedTotal(o)).toBe(o.total_amount);
  });

  it('handles a zero-decimal currency (JPY) and makes next-day shipping high priority', () => {
    const o = normalizeShopifyOrder(fixture('shopify', 'order-jpy.json'));
    expect(o).toMatchObject({ currency: 'JPY', total_amount: 6300, shipping_amount: 800, tax_amount: 73, priority: 'high' });
    expect(o.lines.map((l) => l.unit_price_amount)).toEqual([3500, 2000]);
    expect(o.shipping_address).toMatchObject({ postal_code: '150-0001', country: 'JP', phone: '+81312345678' });
    expect(computedTotal(o)).toBe(o.total_amount);
  });

  it('records an order-level discount that Shopify allocated to no line', () => {
    const p = fixture('shopify', 'order-usd-prepaid.json');
    p.total_discounts = '6.29';
    p.total_price = '58.92';
    const o = normalizeShopifyOrder(p);
    expect(o.discount_amount).toBe(499 + 100);
    expect(computedTotal(o)).toBe(o.total_amount);
  });

  it('takes the exact id from admin_graphql_api_id when JSON.parse rounded a large id', () => {
    const p = fixture('shopify', 'order-usd-prepaid.json');
    p.id = JSON.parse('9007199254740993');
    p.admin_graphql_api_id = 'gid://shopify/Order/9007199254740993';
    expect(normalizeShopifyOrder(p).external_id).toBe('9007199254740993');
    delete p.admin_graphql_api_id;
    expect(appError(() => normalizeShopifyOrder(p)).code).toBe('malformed_payload');
  });

  it('treats a pending "manual" gateway as COD only when told to', () => {
    const p = fixture('shopify', 'order-usd-prepaid.json');
    p.payment_gateway_names = ['manual'];
    p.financial_status = 'pending';
    expect(normalizeShopifyOrder(p).payment.method).toBe('prepaid');
    expect(normalizeShopifyOrder(p, { manualPendingIsCod: true }).payment.method).toBe('cod');
    p.payment_terms = { payment_terms_name: 'Net 30' };
    expect(normalizeShopifyOrder(p, { manualPendingIsCod: true }).payment.method).toBe('prepaid');
  });

  it('refuses malformed payloads with malformed_payload and the path at fault', () => {
    const cases: [string, (p: Record<string, any>) => unknown][] = [
      ['not an object', () => 'hello'],
      ['no currency', (p) => ({ ...p, currency: undefined })],
      ['bad currency', (p) => ({ ...p, currency: 'rupees' })],
      ['no line items', (p) => ({ ...p, line_items: [] })],
      ['line items not an array', (p) => ({ ...p, line_items: {} })],
      ['quantity as text', (p) => ({ ...p, line_items: [{ ...p.line_items[0], quantity: '2' }] })],
      ['price as a float string with too many decimals', (p) => ({ ...p, line_items: [{ ...p.line_items[0], price: '799.005' }] })],
      ['price missing', (p) => ({ ...p, line_items: [{ ...p.line_items[0], price: null }] })],
      ['no id', (p) => ({ ...p, id: undefined, admin_graphql_api_id: undefined })],
      ['shipping address not an object', (p) => ({ ...p, shipping_address: 'Bengaluru' })],
    ];
    for (const [what, change] of cases) {
      const err = appError(() => normalizeShopifyOrder(change(fixture('shopify', 'order-inr-cod.json'))));
      expect(err.code, what).toBe('malformed_payload');
      expect(err.kind, what).toBe('invalid');
      expect(err.details).toMatchObject({ channel: 'shopify' });
    }
  });
});

describe('Shopify orders/cancelled and refunds/create', () => {
  it('turns a cancelled order into a whole-order cancellation with Shopify\'s reason', () => {
    const p = fixture('shopify', 'order-inr-cod.json');
    p.cancelled_at = '2026-11-28T15:00:00+05:30';
    p.cancel_reason = 'customer';
    expect(normalizeShopifyCancellation(p)).toEqual({ external_id: '6201554723116', reason: 'customer', cancelled_at: '2026-11-28T09:30:00.000Z' });
  });

  it('reads a refund: lines with restock type and the money that went back', () => {
    const r = normalizeShopifyRefund(fixture('shopify', 'refund.json'));
    expect(r).toEqual({
      external_id: '6201554723116',
      refund_id: '929361465',
      created_at: '2026-11-29T05:50:45.000Z',
      note: 'Customer changed size',
      currency: 'INR',
      amount: 201810,
      lines: [
        { external_line_id: '15520184127788', qty: 1, restock_type: 'cancel' },
        { external_line_id: '15520184160556', qty: 1, restock_type: 'return' },
      ],
    });
  });

  it('reads the lines refunded with restock_type "cancel" as a partial cancellation', () => {
    expect(shopifyRefundCancellation(fixture('shopify', 'refund.json'))).toEqual({
      external_id: '6201554723116',
      reason: 'Customer changed size',
      cancelled_at: '2026-11-29T05:50:45.000Z',
      lines: [{ external_line_id: '15520184127788', qty: 1 }],
    });
    const p = fixture('shopify', 'refund.json');
    p.refund_line_items = p.refund_line_items.slice(1);
    expect(shopifyRefundCancellation(p)).toBeUndefined();
  });

  it('refuses a refund without an order id', () => {
    const p = fixture('shopify', 'refund.json');
    delete p.order_id;
    expect(appError(() => normalizeShopifyRefund(p)).code).toBe('malformed_payload');
  });
});
