/**
 * Amazon Selling Partner API, Orders API v0: an `Order` (getOrders / getOrder) with its `OrderItem`s
 * (getOrderItems). Money is `{ CurrencyCode, Amount }` with Amount a decimal string; ItemPrice, ItemTax,
 * ShippingPrice … are totals for the item's whole quantity.
 */
import { AppError } from '../../../shared/errors.js';
import type { ChannelCancellation, OrderAddressInput, OrderInput, OrderLineInput, OrderPriority } from '../../../modules/orders/index.js';
import { Fields, clip, compact, countryCode, itemCodes, malformed, normalizePhone, unitAndDiscount } from '../shared.js';

const CH = 'amazon';

export interface AmazonOrderOptions {
  /**
   * Whether ItemPrice already includes tax. Default: by marketplace — false for amazon.com (US) and
   * amazon.ca, where tax is added on top, true elsewhere (IN, EU, UK, JP, AU …, where prices include GST/VAT).
   */
  taxesIncluded?: boolean | undefined;
}

/** Marketplaces whose prices exclude tax: United States and Canada. */
const TAX_EXCLUSIVE_MARKETPLACES = new Set(['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2']);

function taxInclusive(marketplaceId: string | undefined, currency: string): boolean {
  if (marketplaceId) return !TAX_EXCLUSIVE_MARKETPLACES.has(marketplaceId);
  return currency !== 'USD' && currency !== 'CAD';
}

/** A Money object's amount in minor units; its CurrencyCode must be the order's. */
function money(f: Fields, key: string, currency: string): number | undefined {
  const m = f.optObj(key);
  if (!m) return undefined;
  const code = m.optStr('CurrencyCode');
  if (code && code !== currency) throw m.fail('CurrencyCode', `is ${code} but the order is in ${currency}`);
  return m.money('Amount', currency);
}

const PRIORITY: Record<string, OrderPriority> = { SameDay: 'urgent', NextDay: 'urgent', Expedited: 'high', Priority: 'high' };

/** An address; Amazon omits it (or all but city/state/postal code) without a restricted data token. */
function address(f: Fields | undefined): OrderAddressInput | undefined {
  if (!f) return undefined;
  const country = countryCode(f.optStr('CountryCode')) ?? '';
  const streets = [f.optStr('AddressLine1'), f.optStr('AddressLine2'), f.optStr('AddressLine3')].filter((s): s is string => !!s);
  const city = f.optStr('City') ?? f.optStr('Municipality');
  const postal = f.optStr('PostalCode');
  if (streets.length === 0 && !city && !postal && !country) return undefined;
  return compact({
    name: clip(f.optStr('Name'), 200),
    line1: streets[0] ?? '',
    line2: clip(streets.slice(1).join(', '), 300),
    city: city ?? '',
    state: f.optStr('StateOrRegion'),
    postal_code: postal ?? '',
    country,
    phone: normalizePhone(f.optStr('Phone'), country),
  });
}

function currencyOf(o: Fields, items: Fields[]): string {
  const total = o.optObj('OrderTotal');
  if (total?.has('CurrencyCode')) return total.currency('CurrencyCode');
  for (const it of items) {
    const price = it.optObj('ItemPrice');
    if (price?.has('CurrencyCode')) return price.currency('CurrencyCode');
  }
  throw o.fail('OrderTotal', 'is missing, and no item has an ItemPrice currency');
}

function itemFields(items: unknown): Fields[] {
  if (!Array.isArray(items)) throw malformed(CH, 'items', 'is not an array');
  return items.map((it, i) => Fields.of(it, `items[${i}]`, CH));
}

/**
 * An Amazon order and its items as Tandem's canonical order.
 *
 * - external_id = number = AmazonOrderId. Pending orders carry no prices yet and are refused (invalid /
 *   order_pending): import them once Unshipped.
 * - Lines: `sku` and `channel_sku` = SellerSKU (ASIN when there is none); unit price = ItemPrice ÷ quantity
 *   (rounded up, the excess added to the discount); discount = PromotionDiscount; tax = ItemTax −
 *   PromotionDiscountTax. AFN (fulfilled by Amazon) → every line `fulfilled_externally`. Items with
 *   QuantityOrdered 0 (cancelled) are left out.
 * - Shipping = Σ ShippingPrice; order discount = Σ ShippingDiscount; order tax = Σ (ShippingTax − ShippingDiscountTax).
 *   A COD fee (CODFee, less CODFeeDiscount) becomes a non-shipping line "cod-fee".
 * - Address and buyer are taken when present; without a restricted data token they are absent or partial,
 *   and the orders module holds the order for its address.
 */
export function normalizeAmazonOrder(order: unknown, items: unknown[], options: AmazonOrderOptions = {}): OrderInput {
  const o = Fields.of(order, 'order', CH);
  const external_id = o.str('AmazonOrderId');
  const status = o.peek('OrderStatus');
  if (status === 'Pending') {
    throw new AppError('invalid', 'order_pending', `amazon: order ${external_id} is Pending and has no prices yet`, { channel: CH, external_id });
  }
  const its = itemFields(items);
  const currency = currencyOf(o, its);
  const fulfillment = o.optStr('FulfillmentChannel');
  const external = fulfillment === 'AFN';

  const lines: OrderLineInput[] = [];
  const zeroQuantity: string[] = [];
  let shipping = 0;
  let shippingDiscount = 0;
  let shippingTax = 0;
  let codFee = 0;
  let codFeeDiscount = 0;
  for (const it of its) {
    const id = it.str('OrderItemId');
    const qty = it.int('QuantityOrdered');
    shipping += money(it, 'ShippingPrice', currency) ?? 0;
    shippingDiscount += money(it, 'ShippingDiscount', currency) ?? 0;
    shippingTax += (money(it, 'ShippingTax', currency) ?? 0) - (money(it, 'ShippingDiscountTax', currency) ?? 0);
    codFee += money(it, 'CODFee', currency) ?? 0;
    codFeeDiscount += money(it, 'CODFeeDiscount', currency) ?? 0;
    if (qty === 0) {
      zeroQuantity.push(id);
      continue;
    }
    const price = money(it, 'ItemPrice', currency);
    if (price === undefined) throw it.fail('ItemPrice', 'is required for an item with a quantity');
    const promotion = money(it, 'PromotionDiscount', currency) ?? 0;
    const { unit, discount } = unitAndDiscount(price, qty, price - promotion);
    const sellerSku = it.optStr('SellerSKU');
    lines.push(
      compact({
        external_line_id: id,
        ...itemCodes(sellerSku, sellerSku ?? it.optStr('ASIN')),
        title: clip(it.optStr('Title'), 300),
        qty,
        unit_price_amount: unit,
        discount_amount: discount,
        tax_amount: Math.max(0, (money(it, 'ItemTax', currency) ?? 0) - (money(it, 'PromotionDiscountTax', currency) ?? 0)),
        fulfilled_externally: external,
      }),
    );
  }
  if (lines.length === 0) {
    throw new AppError('invalid', 'no_open_lines', `amazon: order ${external_id} has no item with a quantity`, { channel: CH, external_id });
  }
  if (codFee > 0) {
    lines.push({ external_line_id: 'cod-fee', title: 'Cash on delivery fee', qty: 1, unit_price_amount: codFee, discount_amount: Math.min(codFee, codFeeDiscount), needs_shipping: false });
  }

  const shipTo = address(o.optObj('ShippingAddress'));
  const buyer = o.optObj('BuyerInfo');
  const email = buyer?.optStr('BuyerEmail');
  const category = o.optStr('ShipmentServiceLevelCategory');
  const paymentDetails = o.arr('PaymentMethodDetails').filter((d): d is string => typeof d === 'string');
  const cod = o.peek('PaymentMethod') === 'COD' || paymentDetails.some((d) => d === 'COD' || d === 'CashOnDelivery');
  const total = o.optObj('OrderTotal');

  return compact({
    external_id,
    number: external_id,
    currency,
    placed_at: o.optTime('PurchaseDate'),
    customer: compact({
      name: clip(buyer?.optStr('BuyerName'), 200) ?? shipTo?.name ?? 'Amazon customer',
      email: email?.includes('@') ? email : undefined,
      phone: shipTo?.phone,
    }),
    shipping_address: shipTo,
    payment: { method: cod ? ('cod' as const) : ('prepaid' as const) },
    lines,
    shipping_amount: shipping,
    discount_amount: shippingDiscount,
    tax_amount: Math.max(0, shippingTax),
    taxes_included: options.taxesIncluded ?? taxInclusive(o.peek('MarketplaceId'), currency),
    total_amount: total?.has('Amount') ? total.money('Amount', currency) : undefined,
    priority: category ? PRIORITY[category] : undefined,
    shipping_method: clip(category ?? o.optStr('ShipServiceLevel'), 100),
    promised_ship_by: o.optTime('LatestShipDate'),
    promised_deliver_by: o.optTime('LatestDeliveryDate'),
    channel_data: compact({
      fulfillment_channel: fulfillment,
      marketplace_id: o.peek('MarketplaceId'),
      sales_channel: o.peek('SalesChannel'),
      order_status: status,
      order_type: o.peek('OrderType'),
      ship_service_level: o.peek('ShipServiceLevel'),
      seller_order_id: o.peek('SellerOrderId'),
      payment_method: o.peek('PaymentMethod'),
      is_prime: o.optBool('IsPrime'),
      is_business_order: o.optBool('IsBusinessOrder'),
      is_replacement_order: o.value.IsReplacementOrder === true || o.value.IsReplacementOrder === 'true' ? true : undefined,
      earliest_ship_date: o.peek('EarliestShipDate'),
      zero_quantity_items: zeroQuantity.length > 0 ? zeroQuantity : undefined,
      address_restricted: shipTo === undefined || shipTo.line1 === '' ? true : undefined,
    }),
  });
}

/**
 * An Amazon order with OrderStatus "Canceled" as a whole-order cancellation; the reason is the buyer's
 * cancel reason from the items' BuyerRequestedCancel when there is one. Any other status is refused
 * (invalid / not_cancelled).
 */
export function normalizeAmazonCancellation(order: unknown, items: unknown[] = []): ChannelCancellation {
  const o = Fields.of(order, 'order', CH);
  const external_id = o.str('AmazonOrderId');
  const status = o.str('OrderStatus');
  if (status !== 'Canceled') {
    throw new AppError('invalid', 'not_cancelled', `amazon: order ${external_id} has status ${status}, not Canceled`, { channel: CH, status });
  }
  let reason: string | undefined;
  for (const it of itemFields(items)) {
    const req = it.optObj('BuyerRequestedCancel');
    const asked = req && (req.value.IsBuyerRequestedCancel === true || req.value.IsBuyerRequestedCancel === 'true');
    if (asked) reason ??= clip(`buyer requested: ${req.peek('BuyerCancelReason') ?? 'no reason given'}`, 200);
  }
  return compact({ external_id, reason: reason ?? 'canceled on Amazon', cancelled_at: o.optTime('LastUpdateDate') });
}
