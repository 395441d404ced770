/**
 * Flipkart Marketplace Seller API v3 (api.flipkart.net/sellers/v3). Two documents describe one shipment:
 * - order details — an element of `shipments` from POST /v3/shipments/filter or GET /v3/shipments?shipmentIds=…:
 *   shipmentId, dispatchByDate, dispatchAfterDate, hold, shipmentType, orderItems[] (orderItemId, orderId,
 *   orderDate, paymentType COD|PREPAID, status, quantity, fsn, sku, listingId, title, serviceProfile,
 *   priceComponents { sellingPrice, customerPrice, shippingCharge, totalPrice, flipkartDiscount });
 * - shipping details — an element of `shipments` from GET /v3/shipments/{shipmentIds}: deliveryAddress,
 *   billingAddress, buyerDetails (contact number only for self-ship).
 * Prices are JSON numbers in rupees, GST included.
 */
import { AppError } from '../../../shared/errors.js';
import type { ChannelCancellation, OrderAddressInput, OrderInput, OrderLineInput } from '../../../modules/orders/index.js';
import { Fields, clip, compact, fullName, itemCodes, normalizePhone, sumDecimalsRounded, unitAndDiscount } from '../shared.js';

const CH = 'flipkart';
const CURRENCY = 'INR';

/** Service profiles where Flipkart, not the seller, picks and packs: recorded, no warehouse work. */
const FLIPKART_FULFILS = new Set(['FBF', 'Flipkart_Fulfilment', 'Smart_Fulfilment']);

function rupees(f: Fields, key: string): number {
  if (!f.has(key)) throw f.fail(key, 'is required');
  return sumDecimalsRounded([f.value[key]], CURRENCY, CH, f.at(key));
}

function optRupees(f: Fields, key: string): number {
  return f.has(key) ? rupees(f, key) : 0;
}

function address(f: Fields | undefined): OrderAddressInput | undefined {
  if (!f) return undefined;
  const line1 = f.optStr('addressLine1');
  const city = f.optStr('city');
  const pin = f.optStr('pinCode') ?? f.optStr('pincode');
  if (!line1 && !city && !pin) return undefined;
  const landmark = f.optStr('landmark');
  return compact({
    name: fullName(f.optStr('firstName'), f.optStr('lastName')),
    line1: line1 ?? '',
    line2: clip([f.optStr('addressLine2'), landmark ? `Landmark: ${landmark}` : undefined].filter(Boolean).join(', '), 300),
    city: city ?? '',
    state: f.optStr('state') ?? f.optStr('stateName'),
    postal_code: pin ?? '',
    country: 'IN',
    phone: normalizePhone(f.optStr('contactNumber'), 'IN'),
  });
}

function line(it: Fields): OrderLineInput {
  const qty = it.int('quantity');
  if (qty === 0) throw it.fail('quantity', 'is 0');
  const price = it.obj('priceComponents');
  // Assumed (not stated by the documentation): price components are totals for the item's quantity.
  const selling = rupees(price, 'sellingPrice');
  const customer = price.has('customerPrice') ? rupees(price, 'customerPrice') : selling;
  const { unit, discount } = unitAndDiscount(selling, qty, customer);
  return compact({
    external_line_id: it.str('orderItemId'),
    ...itemCodes(it.optStr('sku'), it.optStr('fsn') ?? it.optStr('listingId')),
    title: clip(it.optStr('title'), 300),
    qty,
    unit_price_amount: unit,
    discount_amount: discount,
    fulfilled_externally: FLIPKART_FULFILS.has(it.peek('serviceProfile') ?? '') ? true : undefined,
  });
}

/**
 * A Flipkart shipment (order details, plus its shipping details when fetched) as Tandem's canonical order.
 *
 * - One Tandem order per Flipkart shipment: external_id = shipmentId (what Flipkart dispatches, labels and
 *   hands over as one); number = the Flipkart order id (OD…). Cancelled order items are left out.
 * - Lines: `sku` = seller SKU, `channel_sku` = FSN; unit price = sellingPrice ÷ quantity; discount =
 *   sellingPrice − customerPrice; tax is included in the price (taxes_included) and not itemised by the API.
 *   FBF / Smart fulfilment → `fulfilled_externally`.
 * - shipping = Σ shippingCharge; total = Σ totalPrice; COD when any item's paymentType is COD;
 *   promised_ship_by = dispatchByDate; EXPRESS shipments (shipmentType or dispatchServiceTier) are high priority.
 */
export function normalizeFlipkartOrder(shipment: unknown, details?: unknown): OrderInput {
  const s = Fields.of(shipment, 'shipment', CH);
  const shipmentId = s.str('shipmentId');
  const d = details === undefined || details === null ? undefined : Fields.of(details, 'details', CH);
  if (d?.has('shipmentId') && d.str('shipmentId') !== shipmentId) {
    throw d.fail('shipmentId', `is ${d.str('shipmentId')}, not the shipment ${shipmentId}`);
  }
  const items = s.objs('orderItems');
  if (items.length === 0) throw s.fail('orderItems', 'is empty');
  const open = items.filter((it) => it.peek('status') !== 'CANCELLED');
  if (open.length === 0) {
    throw new AppError('invalid', 'no_open_lines', `flipkart: every item of shipment ${shipmentId} is cancelled`, { channel: CH, external_id: shipmentId });
  }
  const lines = open.map(line);
  const prices = open.map((it) => it.obj('priceComponents'));
  const orderIds = [...new Set(open.map((it) => it.str('orderId')))];
  const orderDates = open.map((it) => it.optTime('orderDate')).filter((t): t is string => !!t).sort();
  const shipmentType = s.optStr('shipmentType');
  const tier = s.peek('dispatchServiceTier');
  const express = shipmentType === 'EXPRESS' || tier === 'EXPRESS';

  const shipTo = address(d?.optObj('deliveryAddress'));
  const buyer = d?.optObj('buyerDetails');
  const name = fullName(buyer?.optStr('firstName'), buyer?.optStr('lastName')) ?? shipTo?.name ?? 'Flipkart customer';

  return compact({
    external_id: shipmentId,
    number: clip(orderIds[0], 64),
    currency: CURRENCY,
    placed_at: orderDates[0],
    customer: compact({ name, phone: shipTo?.phone }),
    shipping_address: shipTo,
    billing_address: address(d?.optObj('billingAddress')),
    payment: { method: open.some((it) => it.peek('paymentType') === 'COD') ? ('cod' as const) : ('prepaid' as const) },
    lines,
    shipping_amount: prices.reduce((sum, p) => sum + optRupees(p, 'shippingCharge'), 0),
    taxes_included: true,
    total_amount: prices.every((p) => p.has('totalPrice')) ? prices.reduce((sum, p) => sum + rupees(p, 'totalPrice'), 0) : undefined,
    priority: express ? ('high' as const) : undefined,
    shipping_method: clip(express ? 'EXPRESS' : shipmentType, 100),
    promised_ship_by: s.optTime('dispatchByDate'),
    channel_data: compact({
      shipment_id: shipmentId,
      order_ids: orderIds,
      shipment_type: shipmentType,
      self_ship: shipmentType === 'SELF' ? true : undefined,
      hold: s.optBool('hold'),
      location_id: s.peek('locationId'),
      dispatch_after: s.optTime('dispatchAfterDate'),
      packaging_policy: s.peek('packagingPolicy'),
      service_profiles: [...new Set(open.map((it) => it.peek('serviceProfile')).filter(Boolean))],
      flipkart_discount: prices.reduce((sum, p) => sum + optRupees(p, 'flipkartDiscount'), 0) || undefined,
      cancelled_items: items.length > open.length ? items.filter((it) => !open.includes(it)).map((it) => it.peek('orderItemId')) : undefined,
    }),
  });
}

/**
 * The cancelled items of a Flipkart shipment (status CANCELLED; e.g. from /v3/shipments/filter with type
 * "cancelled") as a cancellation of the Tandem order for that shipment: the whole order when every item is
 * cancelled, else per line. No cancelled item → invalid / not_cancelled.
 */
export function normalizeFlipkartCancellation(shipment: unknown): ChannelCancellation {
  const s = Fields.of(shipment, 'shipment', CH);
  const shipmentId = s.str('shipmentId');
  const items = s.objs('orderItems');
  const cancelled = items.filter((it) => it.peek('status') === 'CANCELLED');
  if (cancelled.length === 0) {
    throw new AppError('invalid', 'not_cancelled', `flipkart: shipment ${shipmentId} has no cancelled item`, { channel: CH, shipmentId });
  }
  const first = cancelled[0]!;
  const reason = [first.peek('cancellationReason'), first.peek('cancellationSubReason')].filter(Boolean).join(': ');
  const whole = cancelled.length === items.length;
  return compact({
    external_id: shipmentId,
    reason: clip(reason, 200) ?? 'cancelled on Flipkart',
    cancelled_at: first.optTime('cancellationDate'),
    lines: whole ? undefined : cancelled.map((it) => ({ external_line_id: it.str('orderItemId'), qty: it.int('quantity') })),
  });
}

/** One page of POST /v3/shipments/filter (or GET /v3/shipments): shipments, and the next page's URL while hasMore. */
export function flipkartShipmentsPage(response: unknown): { shipments: unknown[]; nextPageUrl?: string } {
  const r = Fields.of(response, 'response', CH);
  if (!Array.isArray(r.value.shipments)) throw r.fail('shipments', 'is not an array');
  const next = r.optBool('hasMore') === false ? undefined : r.optStr('nextPageUrl');
  return next ? { shipments: r.arr('shipments'), nextPageUrl: next } : { shipments: r.arr('shipments') };
}
