import { describe, expect, it } from 'vitest';
import { appError, computedTotal, fixture } from '../test-helpers.js';
import { amazonOrderItemsPage, amazonOrdersPage, normalizeAmazonCancellation, normalizeAmazonOrder } from './index.js';

const order = (name: string) => fixture('amazon', name);
const items = (name: string) => fixture<unknown[]>('amazon', name);

describe('Amazon SP-API order', () => {
  it('normalises an amazon.in merchant-fulfilled COD order: GST included, promotion, expedited', () => {
    const o = normalizeAmazonOrder(order('order-in-mfn-cod.json'), items('items-in.json'));
    expect(o).toMatchObject({
      external_id: '403-7294018-5612345',
      number: '403-7294018-5612345',
      currency: 'INR',
      placed_at: '2026-11-28T06:12:44.000Z',
      customer: { name: 'Karthik S', email: '9xk2mq7lz4r8t1w@marketplace.amazon.in', phone: '+919840012345' },
      payment: { method: 'cod' },
      taxes_included: true,
      shipping_amount: 4000,
      discount_amount: 0,
      tax_amount: 610,
      total_amount: 233700,
      priority: 'high',
      shipping_method: 'Expedited',
      promised_ship_by: '2026-11-29T18:29:59.000Z',
      promised_deliver_by: '2026-12-02T18:29:59.000Z',
    });
    expect(o.shipping_address).toEqual({
      name: 'Karthik Subramanian',
      line1: '12, Lakshmi Nagar 2nd Street',
      line2: 'Near Ganesh Temple',
      city: 'Chennai',
      state: 'TAMIL NADU',
      postal_code: '600017',
      country: 'IN',
      phone: '+919840012345',
    });
    expect(o.lines[0]).toEqual({
      external_line_id: '61234567891234',
      sku: 'KURTA-IND-M',
      channel_sku: 'KURTA-IND-M',
      title: "Tandem Handlooms Men's Cotton Kurta, Indigo, M",
      qty: 3,
      unit_price_amount: 69900,
      discount_amount: 20000,
      tax_amount: 9034,
      fulfilled_externally: false,
    });
    expect(o.channel_data).toMatchObject({ fulfillment_channel: 'MFN', marketplace_id: 'A21TJRUUN4KGV', zero_quantity_items: ['61234567899012'] });
    expect(o.lines).toHaveLength(2);
    expect(computedTotal(o)).toBe(o.total_amount);
  });

  it('keeps the ASIN as channel_sku for an item without a seller SKU', () => {
    const line = normalizeAmazonOrder(order('order-in-mfn-cod.json'), items('items-in.json')).lines[1]!;
    expect(line).toMatchObject({ channel_sku: 'B0D2PLM7Q1', qty: 2, unit_price_amount: 20000 });
    expect(line.sku).toBeUndefined();
  });

  it('divides ItemPrice (a total for the quantity) exactly, the remainder going to the discount', () => {
    const its = items('items-in.json') as Record<string, any>[];
    its[0]!.ItemPrice.Amount = '1000.00';
    its[0]!.PromotionDiscount.Amount = '0.00';
    const line = normalizeAmazonOrder(order('order-in-mfn-cod.json'), its).lines[0]!;
    expect(line).toMatchObject({ qty: 3, unit_price_amount: 33334, discount_amount: 2 });
    expect(line.unit_price_amount * line.qty - line.discount_amount!).toBe(100000);
  });

  it('normalises an amazon.com FBA order: tax on top, every line fulfilled by Amazon, address restricted', () => {
    const o = normalizeAmazonOrder(order('order-us-afn.json'), items('items-us.json'));
    expect(o).toMatchObject({
      currency: 'USD',
      payment: { method: 'prepaid' },
      taxes_included: false,
      shipping_amount: 599,
      discount_amount: 599,
      tax_amount: 0,
      total_amount: 3791,
      customer: { name: 'Amazon customer' },
      shipping_method: 'Standard',
    });
    expect(o.priority).toBeUndefined();
    expect(o.lines.every((l) => l.fulfilled_externally === true)).toBe(true);
    expect(o.lines.map((l) => [l.unit_price_amount, l.discount_amount, l.tax_amount])).toEqual([[1499, 10, 187], [599, 20, 37]]);
    expect(o.shipping_address).toEqual({ line1: '', city: 'NORTHAMPTON', state: 'MA', postal_code: '01060-2345', country: 'US' });
    expect(o.channel_data).toMatchObject({ fulfillment_channel: 'AFN', is_prime: true, address_restricted: true });
    expect(computedTotal(o)).toBe(o.total_amount);
  });

  it('adds promotion discounts of "0.10" and "0.20" to exactly 30 minor units', () => {
    const o = normalizeAmazonOrder(order('order-us-afn.json'), items('items-us.json'));
    expect(o.lines.reduce((s, l) => s + (l.discount_amount ?? 0), 0)).toBe(30);
  });

  it('leaves the address undefined when Amazon sends none (no restricted data token)', () => {
    const p = order('order-us-afn.json');
    delete p.ShippingAddress;
    expect(normalizeAmazonOrder(p, items('items-us.json')).shipping_address).toBeUndefined();
  });

  it('handles JPY (zero decimals), next-day as urgent, and a COD fee as a non-shipping line', () => {
    const o = normalizeAmazonOrder(order('order-jp-cod.json'), items('items-jp.json'));
    expect(o).toMatchObject({ currency: 'JPY', payment: { method: 'cod' }, priority: 'urgent', taxes_included: true, total_amount: 4310 });
    expect(o.lines[1]).toEqual({ external_line_id: 'cod-fee', title: 'Cash on delivery fee', qty: 1, unit_price_amount: 330, discount_amount: 0, needs_shipping: false });
    expect(o.shipping_address).toMatchObject({ postal_code: '150-0001', country: 'JP', city: '渋谷区', phone: '+81312345678' });
    expect(computedTotal(o)).toBe(o.total_amount);
  });

  it('lets the caller say whether prices include tax', () => {
    expect(normalizeAmazonOrder(order('order-us-afn.json'), items('items-us.json'), { taxesIncluded: true }).taxes_included).toBe(true);
  });

  it('refuses a Pending order (no prices yet) and an order whose items are all cancelled', () => {
    const pending = order('order-in-mfn-cod.json');
    pending.OrderStatus = 'Pending';
    expect(appError(() => normalizeAmazonOrder(pending, items('items-in.json'))).code).toBe('order_pending');
    const none = (items('items-in.json') as Record<string, any>[]).map((i) => ({ ...i, QuantityOrdered: 0 }));
    expect(appError(() => normalizeAmazonOrder(order('order-in-mfn-cod.json'), none)).code).toBe('no_open_lines');
  });

  it('refuses malformed payloads with malformed_payload', () => {
    const good = items('items-in.json') as Record<string, any>[];
    const cases: [string, () => unknown][] = [
      ['order not an object', () => normalizeAmazonOrder(null, good)],
      ['items not an array', () => normalizeAmazonOrder(order('order-in-mfn-cod.json'), 'items' as never)],
      ['no AmazonOrderId', () => normalizeAmazonOrder({ ...order('order-in-mfn-cod.json'), AmazonOrderId: undefined }, good)],
      ['no ItemPrice', () => normalizeAmazonOrder(order('order-in-mfn-cod.json'), [{ ...good[0], ItemPrice: undefined }])],
      ['amount not decimal', () => normalizeAmazonOrder(order('order-in-mfn-cod.json'), [{ ...good[0], ItemPrice: { CurrencyCode: 'INR', Amount: '2,097.00' } }])],
      ['mixed currency', () => normalizeAmazonOrder(order('order-in-mfn-cod.json'), [{ ...good[0], ItemTax: { CurrencyCode: 'USD', Amount: '1.00' } }])],
      ['quantity as text', () => normalizeAmazonOrder(order('order-in-mfn-cod.json'), [{ ...good[0], QuantityOrdered: '3' }])],
      ['no currency anywhere', () => normalizeAmazonOrder({ ...order('order-in-mfn-cod.json'), OrderTotal: undefined }, [{ ...good[0], ItemPrice: { Amount: '1.00' } }])],
    ];
    for (const [what, run] of cases) expect(appError(run).code, what).toBe('malformed_payload');
  });
});

describe('Amazon cancellation and pages', () => {
  it('reads a Canceled order as a cancellation, with the buyer\'s reason when there is one', () => {
    const p = order('order-in-mfn-cod.json');
    p.OrderStatus = 'Canceled';
    expect(normalizeAmazonCancellation(p)).toEqual({ external_id: '403-7294018-5612345', reason: 'canceled on Amazon', cancelled_at: '2026-11-28T06:45:02.000Z' });
    const its = items('items-in.json') as Record<string, any>[];
    its[0]!.BuyerRequestedCancel = { IsBuyerRequestedCancel: 'true', BuyerCancelReason: 'Ordered by mistake' };
    expect(normalizeAmazonCancellation(p, its).reason).toBe('buyer requested: Ordered by mistake');
  });

  it('refuses to read an order that is not Canceled as a cancellation', () => {
    expect(appError(() => normalizeAmazonCancellation(order('order-in-mfn-cod.json'))).code).toBe('not_cancelled');
  });

  it('parses getOrders and getOrderItems pages with their NextToken', () => {
    const page = amazonOrdersPage(fixture('amazon', 'orders-page.json'));
    expect(page.orders).toHaveLength(2);
    expect(page.nextToken).toBe('2YgYW55IGNhcm5hbCBwbGVhc3VyZS4=');
    expect(amazonOrdersPage({ payload: { Orders: [] } })).toEqual({ orders: [] });
    const itemsPage = amazonOrderItemsPage({ payload: { AmazonOrderId: '403-7294018-5612345', OrderItems: items('items-in.json') } });
    expect(itemsPage).toMatchObject({ amazonOrderId: '403-7294018-5612345' });
    expect(itemsPage.items).toHaveLength(3);
    expect(itemsPage.nextToken).toBeUndefined();
  });

  it('refuses a malformed page and surfaces an errors response', () => {
    expect(appError(() => amazonOrdersPage({ payload: {} })).code).toBe('malformed_payload');
    expect(appError(() => amazonOrdersPage([])).code).toBe('malformed_payload');
    const err = appError(() => amazonOrdersPage({ errors: [{ code: 'QuotaExceeded', message: 'You exceeded your quota for the requested resource.' }] }));
    expect(err).toMatchObject({ kind: 'unavailable', code: 'channel_error' });
  });
});
