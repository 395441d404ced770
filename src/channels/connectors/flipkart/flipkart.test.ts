import { describe, expect, it } from 'vitest';
import { appError, computedTotal, fixture } from '../test-helpers.js';
import { flipkartShipmentsPage, normalizeFlipkartCancellation, normalizeFlipkartOrder } from './index.js';

const load = (name: string) => fixture('flipkart', name);

describe('Flipkart shipment', () => {
  it('normalises a seller-fulfilled COD shipment with its shipping details', () => {
    const o = normalizeFlipkartOrder(load('shipment-cod.json'), load('shipment-details.json'));
    expect(o).toMatchObject({
      external_id: '0c3f8b6e-52a1-4d9e-9f7e-2b1c4a8d6e01',
      number: 'OD432198765432101100',
      currency: 'INR',
      placed_at: '2026-11-28T07:05:00.000Z',
      customer: { name: 'Ananya Iyer', phone: '+919845098450' },
      payment: { method: 'cod' },
      taxes_included: true,
      shipping_amount: 4000,
      total_amount: 233700,
      shipping_method: 'NORMAL',
      promised_ship_by: '2026-11-29T12:30:00.000Z',
    });
    expect(o.priority).toBeUndefined();
    expect(o.shipping_address).toEqual({
      name: 'Ananya Iyer',
      line1: 'No. 221, 5th Main, 6th Block',
      line2: 'Koramangala, Landmark: Opp. Sony World Signal',
      city: 'Bengaluru',
      state: 'Karnataka',
      postal_code: '560095',
      country: 'IN',
      phone: '+919845098450',
    });
    expect(o.billing_address).toMatchObject({ line2: 'Koramangala', postal_code: '560095' });
    expect(o.lines[0]).toEqual({
      external_line_id: '12456789012345600',
      sku: 'KURTA-IND-M',
      channel_sku: 'KTAFZ4QJ7XNHM2PQ',
      title: 'Tandem Handlooms Men Solid Cotton Blend Straight Kurta (Blue)',
      qty: 2,
      unit_price_amount: 99900,
      discount_amount: 20000,
    });
    expect(o.channel_data).toMatchObject({ shipment_id: '0c3f8b6e-52a1-4d9e-9f7e-2b1c4a8d6e01', order_ids: ['OD432198765432101100'], hold: false, flipkart_discount: 5000 });
    expect(computedTotal(o)).toBe(o.total_amount);
  });

  it('keeps the FSN as channel_sku for an item without a seller SKU', () => {
    const line = normalizeFlipkartOrder(load('shipment-cod.json')).lines[1]!;
    expect(line.sku).toBeUndefined();
    expect(line.channel_sku).toBe('DPTFZ9QW2MNB7LKJ');
  });

  it('works from order details alone: no address until the shipping details are fetched', () => {
    const o = normalizeFlipkartOrder(load('shipment-cod.json'));
    expect(o.shipping_address).toBeUndefined();
    expect(o.customer.name).toBe('Flipkart customer');
  });

  it('marks Smart/FBF items as fulfilled by Flipkart and an EXPRESS shipment as high priority', () => {
    const o = normalizeFlipkartOrder(load('shipment-express-smart.json'));
    expect(o.lines.map((l) => l.fulfilled_externally)).toEqual([true, undefined]);
    expect(o).toMatchObject({ priority: 'high', shipping_method: 'EXPRESS', payment: { method: 'prepaid' }, total_amount: 129800 });
    expect(o.channel_data).toMatchObject({ hold: true, service_profiles: ['Smart_Fulfilment', 'Seller_Fulfilment'] });
    expect(computedTotal(o)).toBe(o.total_amount);
  });

  it('reads float rupee amounts exactly: shipping of 0.1 and 0.2 is 30 paise', () => {
    const s = load('shipment-cod.json');
    s.orderItems[0].priceComponents.shippingCharge = 0.1;
    s.orderItems[1].priceComponents.shippingCharge = 0.2;
    expect(normalizeFlipkartOrder(s).shipping_amount).toBe(30);
  });

  it('divides a multi-unit price exactly, the remainder going to the discount', () => {
    const s = load('shipment-cod.json');
    s.orderItems[0].quantity = 3;
    s.orderItems[0].priceComponents = { sellingPrice: 1000, customerPrice: 1000, shippingCharge: 0, totalPrice: 1000 };
    expect(normalizeFlipkartOrder(s).lines[0]).toMatchObject({ qty: 3, unit_price_amount: 33334, discount_amount: 2 });
  });

  it('keeps a pincode sent as a number as its digits', () => {
    const d = load('shipment-details.json');
    d.deliveryAddress.pinCode = 110001;
    delete d.deliveryAddress.landmark;
    expect(normalizeFlipkartOrder(load('shipment-cod.json'), d).shipping_address).toMatchObject({ postal_code: '110001', line2: 'Koramangala' });
  });

  it('leaves cancelled items out, and refuses a shipment with nothing left to ship', () => {
    const o = normalizeFlipkartOrder(load('shipment-cancelled.json'));
    expect(o.lines.map((l) => l.external_line_id)).toEqual(['12456789012345601']);
    expect(o.channel_data).toMatchObject({ cancelled_items: ['12456789012345600'] });
    const all = load('shipment-cancelled.json');
    all.orderItems[1].status = 'CANCELLED';
    expect(appError(() => normalizeFlipkartOrder(all)).code).toBe('no_open_lines');
  });

  it('refuses malformed payloads with malformed_payload', () => {
    const cases: [string, () => unknown][] = [
      ['not an object', () => normalizeFlipkartOrder('shipment')],
      ['no shipmentId', () => normalizeFlipkartOrder({ ...load('shipment-cod.json'), shipmentId: undefined })],
      ['no order items', () => normalizeFlipkartOrder({ ...load('shipment-cod.json'), orderItems: [] })],
      ['no price components', () => normalizeFlipkartOrder({ ...load('shipment-cod.json'), orderItems: [{ ...load('shipment-cod.json').orderItems[0], priceComponents: undefined }] })],
      ['price as text', () => normalizeFlipkartOrder({ ...load('shipment-cod.json'), orderItems: [{ ...load('shipment-cod.json').orderItems[0], priceComponents: { sellingPrice: 'Rs. 999' } }] })],
      ['details of another shipment', () => normalizeFlipkartOrder(load('shipment-cod.json'), { ...load('shipment-details.json'), shipmentId: 'other' })],
      ['quantity zero', () => normalizeFlipkartOrder({ ...load('shipment-cod.json'), orderItems: [{ ...load('shipment-cod.json').orderItems[0], quantity: 0 }] })],
    ];
    for (const [what, run] of cases) expect(appError(run).code, what).toBe('malformed_payload');
  });
});

describe('Flipkart cancellation and pages', () => {
  it('cancels the cancelled lines of a partly cancelled shipment, with Flipkart\'s reason', () => {
    expect(normalizeFlipkartCancellation(load('shipment-cancelled.json'))).toEqual({
      external_id: '0c3f8b6e-52a1-4d9e-9f7e-2b1c4a8d6e01',
      reason: 'buyerCancellation: order_placed_by_mistake',
      cancelled_at: '2026-11-28T10:32:00.000Z',
      lines: [{ external_line_id: '12456789012345600', qty: 2 }],
    });
  });

  it('cancels the whole order when every item is cancelled, and refuses a shipment with none', () => {
    const s = load('shipment-cancelled.json');
    s.orderItems[1].status = 'CANCELLED';
    expect(normalizeFlipkartCancellation(s).lines).toBeUndefined();
    expect(appError(() => normalizeFlipkartCancellation(load('shipment-cod.json'))).code).toBe('not_cancelled');
  });

  it('parses a shipments/filter page and its next page URL', () => {
    const page = flipkartShipmentsPage(load('shipments-page.json'));
    expect(page.shipments).toHaveLength(2);
    expect(page.nextPageUrl).toMatch(/^\/v3\/shipments\/filter\?/);
    expect(flipkartShipmentsPage({ hasMore: false, nextPageUrl: '/v3/x', shipments: [] })).toEqual({ shipments: [] });
    expect(appError(() => flipkartShipmentsPage({ hasMore: false })).code).toBe('malformed_payload');
  });
});
