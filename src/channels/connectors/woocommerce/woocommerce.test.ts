import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatMinorUnits } from '../../../shared/money.js';
import { appError, computedTotal, fixture, rawFixture, sign } from '../test-helpers.js';
import { normalizeWooCancellation, normalizeWooOrder, verifyWooWebhook } from './index.js';

const SECRET = 'wc-hook-7Gq!2v&9zK';

describe('WooCommerce webhook signature', () => {
  const body = rawFixture('woocommerce', 'order-inr-cod.json');
  const good = sign(body, SECRET);

  it('accepts X-WC-Webhook-Signature computed over the raw body', () => {
    expect(verifyWooWebhook(body, good, SECRET)).toBe(true);
  });

  it('refuses a tampered body, a wrong secret and a missing header', () => {
    const tampered = Buffer.from(body.toString('utf8').replace('"cod"', '"bacs"'));
    expect(verifyWooWebhook(tampered, good, SECRET)).toBe(false);
    expect(verifyWooWebhook(body, good, 'another-secret')).toBe(false);
    expect(verifyWooWebhook(body, undefined, SECRET)).toBe(false);
    expect(verifyWooWebhook(body, 'not-base64', SECRET)).toBe(false);
  });
});

describe('WooCommerce order', () => {
  const inr = () => normalizeWooOrder(fixture('woocommerce', 'order-inr-cod.json'), { virtualProductIds: [7001] });

  it('normalises an Indian COD order with GST-inclusive prices, a coupon, fees and express shipping', () => {
    const o = inr();
    expect(o).toMatchObject({
      external_id: '4821',
      number: '4821',
      currency: 'INR',
      placed_at: '2026-11-28T14:02:10.000Z',
      customer: { name: 'Aarav Mehta', email: 'aarav.mehta@example.in', phone: '+919876543210' },
      payment: { method: 'cod' },
      taxes_included: true,
      shipping_amount: 10000,
      discount_amount: 10000,
      tax_amount: 1525,
      total_amount: 424730,
      priority: 'high',
      shipping_method: 'Express Shipping',
    });
    expect(o.shipping_address).toEqual({
      name: 'Aarav Mehta',
      line1: 'Flat 702, Sea Breeze Apartments',
      line2: 'Carter Road, Bandra West',
      city: 'Mumbai',
      state: 'MH',
      postal_code: '400050',
      country: 'IN',
    });
    expect(o.lines[0]).toEqual({
      external_line_id: '301',
      sku: 'KURTA-IND-M',
      channel_sku: '4415',
      title: 'Handloom Cotton Kurta – Indigo, M',
      qty: 3,
      unit_price_amount: 99900,
      discount_amount: 29970,
      tax_amount: 12844,
    });
    expect(computedTotal(o)).toBe(o.total_amount);
  });

  it('keeps the variation id as channel_sku when the product has no SKU', () => {
    const line = inr().lines[1]!;
    expect(line.sku).toBeUndefined();
    expect(line.channel_sku).toBe('4521');
    expect(line.unit_price_amount).toBe(50000);
  });

  it('marks virtual products as not shipping, and a digital-only order entirely', () => {
    expect(inr().lines[2]).toMatchObject({ title: 'Gift Card ₹1000', needs_shipping: false });
    const p = fixture('woocommerce', 'order-usd.json');
    p.needs_processing = false;
    expect(normalizeWooOrder(p).lines.every((l) => l.needs_shipping === false)).toBe(true);
    expect(normalizeWooOrder(fixture('woocommerce', 'order-usd.json')).lines.every((l) => l.needs_shipping === undefined)).toBe(true);
  });

  it('turns a positive fee into a non-shipping line and a negative fee into order discount', () => {
    const fee = inr().lines[3]!;
    expect(fee).toEqual({ external_line_id: 'fee:305', title: 'Cash on delivery charges', qty: 1, unit_price_amount: 5000, tax_amount: 0, needs_shipping: false });
    expect(inr().lines).toHaveLength(4);
  });

  it('folds a negative fee\'s tax into the discount when tax is added on top, so no tax goes negative', () => {
    const p = fixture('woocommerce', 'order-usd.json');
    p.fee_lines = [{ id: 407, name: 'Store credit', total: '-2.00', total_tax: '-0.13' }];
    p.total = '31.64';
    const o = normalizeWooOrder(p);
    expect(o).toMatchObject({ discount_amount: 213, tax_amount: 0, total_amount: 3164 });
    expect(computedTotal(o)).toBe(o.total_amount);
  });

  it('rounds the unit price up when the subtotal does not divide, and puts the excess in the discount', () => {
    const o = normalizeWooOrder(fixture('woocommerce', 'order-usd.json'));
    expect(o.lines[0]).toMatchObject({ qty: 3, unit_price_amount: 334, discount_amount: 102, tax_amount: 56 });
    expect(o).toMatchObject({ currency: 'USD', taxes_included: false, payment: { method: 'prepaid' }, total_amount: 3377 });
    expect(computedTotal(o)).toBe(o.total_amount);
  });

  it('keeps international postal codes as strings', () => {
    const o = normalizeWooOrder(fixture('woocommerce', 'order-usd.json'));
    expect(o.shipping_address).toMatchObject({ postal_code: 'T3C 0K7', country: 'CA', company: 'University of Calgary', phone: '+14035550199' });
    expect(o.billing_address).toMatchObject({ postal_code: '01060', country: 'US' });
  });

  it('adds shipping lines of "0.10" and "0.20" to exactly 30 minor units', () => {
    expect(normalizeWooOrder(fixture('woocommerce', 'order-usd.json')).shipping_amount).toBe(30);
  });

  it('handles a zero-decimal currency (JPY), rounding "3181.818182" + "318.181818" to 3500', () => {
    const o = normalizeWooOrder(fixture('woocommerce', 'order-jpy.json'));
    expect(o).toMatchObject({ currency: 'JPY', total_amount: 4300, shipping_amount: 800, tax_amount: 73, taxes_included: true });
    expect(o.lines[0]).toMatchObject({ unit_price_amount: 3500, tax_amount: 318, discount_amount: 0 });
    expect(o.shipping_address).toMatchObject({ postal_code: '150-0001', country: 'JP' });
    expect(computedTotal(o)).toBe(o.total_amount);
  });

  it('refuses malformed payloads with malformed_payload', () => {
    const cases: [string, (p: Record<string, any>) => unknown][] = [
      ['an array', () => []],
      ['no id', (p) => ({ ...p, id: undefined })],
      ['no currency', (p) => ({ ...p, currency: '' })],
      ['line items not an array', (p) => ({ ...p, line_items: 'none' })],
      ['no line items', (p) => ({ ...p, line_items: [] })],
      ['line subtotal missing', (p) => ({ ...p, line_items: [{ ...p.line_items[0], subtotal: undefined }] })],
      ['line total not a number', (p) => ({ ...p, line_items: [{ ...p.line_items[0], total: 'nine' }] })],
      ['quantity negative', (p) => ({ ...p, line_items: [{ ...p.line_items[0], quantity: -1 }] })],
      ['billing not an object', (p) => ({ ...p, billing: ['Mumbai'] })],
    ];
    for (const [what, change] of cases) {
      const err = appError(() => normalizeWooOrder(change(fixture('woocommerce', 'order-inr-cod.json'))));
      expect(err.code, what).toBe('malformed_payload');
    }
  });

  it('reconciles unit price × qty − discount to the line total, and covers the subtotal (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 500 }),
        fc.constantFrom('INR', 'USD', 'JPY'),
        (a, b, qty, currency) => {
          const [total, subtotal] = a <= b ? [a, b] : [b, a];
          const p = fixture('woocommerce', 'order-usd.json');
          p.currency = currency;
          p.line_items = [{ ...p.line_items[0], quantity: qty, subtotal: formatMinorUnits(subtotal, currency), total: formatMinorUnits(total, currency) }];
          const l = normalizeWooOrder(p).lines[0]!;
          expect(l.unit_price_amount * qty - l.discount_amount!).toBe(total);
          expect(l.unit_price_amount * qty - subtotal).toBeGreaterThanOrEqual(0);
          expect(l.unit_price_amount * qty - subtotal).toBeLessThan(qty);
          expect(l.discount_amount!).toBeGreaterThanOrEqual(subtotal - total);
        },
      ),
    );
  });
});

describe('WooCommerce cancellation', () => {
  it('reads cancelled, refunded and failed orders as whole-order cancellations', () => {
    const p = fixture('woocommerce', 'order-usd.json');
    for (const [status, reason] of [['cancelled', 'cancelled on WooCommerce'], ['refunded', 'refunded on WooCommerce'], ['failed', 'payment failed on WooCommerce']]) {
      p.status = status;
      expect(normalizeWooCancellation(p)).toEqual({ external_id: '5120', reason, cancelled_at: '2026-11-29T15:05:44.000Z' });
    }
  });

  it('refuses an order that is not cancelled', () => {
    const err = appError(() => normalizeWooCancellation(fixture('woocommerce', 'order-usd.json')));
    expect(err).toMatchObject({ kind: 'invalid', code: 'not_cancelled' });
    expect(appError(() => normalizeWooCancellation({ status: 'cancelled' })).code).toBe('malformed_payload');
  });
});
