import { describe, expect, it } from 'vitest';
import { allocateToFulfillmentOrders } from './shopify.js';
import { retryDelayMs } from './engine.js';
import { shipmentConfirmation } from './amazon.js';
import type { WritebackRequest } from './types.js';

const item = (id: string, qty: number) => ({ order_line_id: `ol_${id}`, external_line_id: id, sku: null, qty });

describe('Shopify fulfillment-order allocation', () => {
  const fos = [
    { id: 1, status: 'open', line_items: [{ id: 11, line_item_id: 100, fulfillable_quantity: 1 }] },
    { id: 2, status: 'open', line_items: [{ id: 21, line_item_id: 100, fulfillable_quantity: 2 }, { id: 22, line_item_id: 200, fulfillable_quantity: 1 }] },
    { id: 3, status: 'closed', line_items: [{ id: 31, line_item_id: 200, fulfillable_quantity: 5 }] },
  ];
  it('spreads a line over the open fulfillment orders of two locations, grouped per fulfillment order', () => {
    expect(allocateToFulfillmentOrders(fos, [item('100', 3), item('200', 1)])).toEqual([
      { fulfillment_order_id: 1, fulfillment_order_line_items: [{ id: 11, quantity: 1 }] },
      { fulfillment_order_id: 2, fulfillment_order_line_items: [{ id: 21, quantity: 2 }, { id: 22, quantity: 1 }] },
    ]);
  });
  it('reports what no open fulfillment order can take (closed ones are not used)', () => {
    expect(allocateToFulfillmentOrders(fos, [item('200', 2)])).toEqual({ missing: [item('200', 1)] });
  });
});

describe('retry delay', () => {
  it('doubles from the base, is capped, and never comes before Retry-After', () => {
    expect(retryDelayMs(1, 30_000, 3_600_000, undefined, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(4, 30_000, 3_600_000, undefined, () => 0.5)).toBe(240_000);
    expect(retryDelayMs(20, 30_000, 3_600_000, undefined, () => 0.5)).toBe(3_600_000);
    expect(retryDelayMs(1, 30_000, 3_600_000, 120_000, () => 0)).toBe(120_000);
  });
});

describe('Amazon confirmShipment body', () => {
  it('uses Other with the carrier name when no Amazon carrier code is configured', () => {
    const req = { order: { external_id: '403-1', number: '403-1' }, shipment: { package_seq: 2, carrier: 'swift', carrier_name: 'Swift', carrier_code: null, service: 'surface', tracking_number: 'SW1', shipped_at: new Date('2026-12-01T10:00:00Z') }, items: [item('6123', 2)] } as unknown as WritebackRequest;
    expect(shipmentConfirmation(req, 'A21TJRUUN4KGV')).toEqual({
      marketplaceId: 'A21TJRUUN4KGV',
      packageDetail: { packageReferenceId: '2', carrierCode: 'Other', carrierName: 'Swift', shippingMethod: 'surface', trackingNumber: 'SW1', shipDate: '2026-12-01T10:00:00.000Z', orderItems: [{ orderItemId: '6123', quantity: 2 }] },
    });
  });
});
