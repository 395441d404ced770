/**
 * Shopify Admin REST webhooks `orders/create`, `orders/updated` and `orders/cancelled`: the body is the
 * REST Order resource. Amounts are decimal strings; every plain amount (`price`, `total_price` …) is in
 * the shop's currency, and each has a `*_set` twin with `shop_money` and `presentment_money`.
 */
import type { ChannelCancellation, OrderAddressInput, OrderInput, OrderLineInput } from '../../../modules/orders/index.js';
import {
  Fields, clip, compact, countryCode, expressPriority, fullName, itemCodes, normalizePhone, verifyBase64HmacSha256,
} from '../shared.js';

const CH = 'shopify';

export type ShopifyMoney = 'shop' | 'presentment';

export interface ShopifyOrderOptions {
  /** Which money to read: the shop's currency (default; what Shopify reports and pays out in) or the buyer's presentment currency. */
  money?: ShopifyMoney | undefined;
  /**
   * Also treat an order whose only gateway is "manual", still `financial_status: pending` and without
   * payment terms as cash on delivery (draft orders taken by phone). Default false: such orders are often
   * bank transfers, and a COD gateway is what says "collect at the door".
   */
  manualPendingIsCod?: boolean | undefined;
}

/**
 * Verifies `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw request body with the app's client
 * secret, compared in constant time. False for a missing header, a tampered body or a wrong secret.
 */
export function verifyShopifyWebhook(rawBody: Buffer, hmacHeader: string | undefined, secret: string): boolean {
  return verifyBase64HmacSha256(rawBody, hmacHeader, secret);
}

const GID = /^gid:\/\/shopify\/[A-Za-z]+\/(\d+)$/;

/**
 * Shopify's id as a string. Ids are 64-bit integers and JSON.parse turns them into doubles, exact only up
 * to 2^53; `admin_graphql_api_id` ("gid://shopify/Order/450789469") is a string and always exact, so it
 * wins when present. A numeric `id` beyond 2^53 with no gid is refused rather than guessed.
 */
export function shopifyId(f: Fields, key = 'id'): string {
  const gid = f.peek('admin_graphql_api_id');
  const tail = gid ? GID.exec(gid)?.[1] : undefined;
  return tail ?? f.id(key);
}

/** Reads an amount in the chosen money: the plain field (shop) or `<field>_set.presentment_money.amount`. */
function amount(f: Fields, key: string, currency: string, money: ShopifyMoney): number {
  if (money === 'presentment') return f.obj(`${key}_set`).obj('presentment_money').money('amount', currency);
  return f.money(key, currency);
}

const optAmount = (f: Fields, key: string, currency: string, money: ShopifyMoney): number | undefined =>
  f.has(key) || f.has(`${key}_set`) ? amount(f, key, currency, money) : undefined;

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

function address(f: Fields): OrderAddressInput {
  const country = countryCode(f.optStr('country_code')) ?? countryCode(f.optStr('country')) ?? '';
  return compact({
    name: clip(f.optStr('name') ?? fullName(f.optStr('first_name'), f.optStr('last_name')), 200),
    company: clip(f.optStr('company'), 200),
    line1: f.optStr('address1') ?? '',
    line2: f.optStr('address2'),
    city: f.optStr('city') ?? '',
    state: f.optStr('province_code') ?? f.optStr('province'),
    postal_code: f.optStr('zip') ?? '',
    country,
    phone: normalizePhone(f.optStr('phone'), country),
  });
}

function line(li: Fields, currency: string, money: ShopifyMoney): OrderLineInput | undefined {
  const qty = li.int('quantity');
  if (qty === 0) return undefined;
  const giftCard = li.optBool('gift_card') === true;
  const discount = sum(li.objs('discount_allocations').map((d) => amount(d, 'amount', currency, money)));
  const tax = sum(li.objs('tax_lines').map((t) => amount(t, 'price', currency, money)));
  return compact({
    external_line_id: shopifyId(li),
    // The variant id is the stable listing key; the SKU (often blank on Shopify) is tried as our SKU.
    ...itemCodes(li.optStr('sku'), li.optId('variant_id')),
    title: clip(li.optStr('name') ?? li.optStr('title'), 300),
    qty,
    unit_price_amount: amount(li, 'price', currency, money),
    discount_amount: discount,
    tax_amount: tax,
    needs_shipping: !giftCard && li.optBool('requires_shipping') !== false,
  });
}

const COD_GATEWAY = /cash[\s_-]*on[\s_-]*delivery|pay[\s_-]*on[\s_-]*delivery|\bcod\b/i;

/**
 * COD when any payment gateway name says cash on delivery ("Cash on Delivery (COD)", "cash_on_delivery",
 * "COD"); optionally also the pending "manual" gateway (see `manualPendingIsCod`). Everything else is prepaid.
 */
export function shopifyPaymentMethod(o: Fields, options: ShopifyOrderOptions = {}): 'cod' | 'prepaid' {
  const gateways = shopifyGateways(o);
  if (gateways.some((g) => COD_GATEWAY.test(g))) return 'cod';
  if (
    options.manualPendingIsCod &&
    gateways.length > 0 &&
    gateways.every((g) => g.toLowerCase() === 'manual') &&
    o.peek('financial_status') === 'pending' &&
    !o.has('payment_terms')
  ) {
    return 'cod';
  }
  return 'prepaid';
}

function shopifyGateways(o: Fields): string[] {
  const names = o.arr('payment_gateway_names').map((g, i) => {
    if (typeof g !== 'string') throw o.fail(`payment_gateway_names[${i}]`, 'is not a string');
    return g.trim();
  });
  const legacy = o.peek('gateway');
  return [...new Set([...names, ...(legacy ? [legacy] : [])].filter(Boolean))];
}

/**
 * A Shopify order (orders/create, orders/updated) as Tandem's canonical order.
 *
 * - external_id: the numeric id as a string, taken from `admin_graphql_api_id` when present (see shopifyId).
 * - Lines: unit price = `price`; discount = Σ `discount_allocations` (Shopify allocates order-level
 *   discounts to lines there too); tax = Σ `tax_lines`; gift cards and `requires_shipping: false` don't ship;
 *   `channel_sku` = variant id for listing mapping, `sku` when the variant has one.
 * - Shipping: Σ shipping line prices (before discounts); their `discount_allocations` become the order-level
 *   discount, plus any part of `total_discounts` allocated nowhere (normally 0). Tax not on lines
 *   (`total_tax` − line taxes, at least the shipping lines' tax) is the order-level tax.
 * - Priority: high for express / next-day / priority shipping, urgent for same-day; otherwise left to Tandem's rules.
 */
export function normalizeShopifyOrder(payload: unknown, options: ShopifyOrderOptions = {}): OrderInput {
  const o = Fields.of(payload, 'order', CH);
  const money = options.money ?? 'shop';
  const currency = money === 'presentment' ? o.currency('presentment_currency') : o.currency('currency');
  const external_id = shopifyId(o);

  const items = o.objs('line_items');
  const lines = items.map((li) => line(li, currency, money)).filter((l): l is OrderLineInput => l !== undefined);
  if (lines.length === 0) throw o.fail('line_items', 'has no line with a quantity');

  const shippingLines = o.objs('shipping_lines').filter((s) => s.optBool('is_removed') !== true);
  const shipping = sum(shippingLines.map((s) => amount(s, 'price', currency, money)));
  const shippingDiscount = sum(shippingLines.flatMap((s) => s.objs('discount_allocations').map((d) => amount(d, 'amount', currency, money))));
  const shippingTax = sum(shippingLines.flatMap((s) => s.objs('tax_lines').map((t) => amount(t, 'price', currency, money))));
  const lineDiscount = sum(lines.map((l) => l.discount_amount ?? 0));
  const lineTax = sum(lines.map((l) => l.tax_amount ?? 0));
  const totalDiscounts = optAmount(o, 'total_discounts', currency, money);
  const totalTax = optAmount(o, 'total_tax', currency, money);
  const unallocatedDiscount = totalDiscounts === undefined ? 0 : Math.max(0, totalDiscounts - lineDiscount - shippingDiscount);

  const first = shippingLines[0];
  const method = first ? clip(first.optStr('title') ?? first.optStr('code'), 100) : undefined;
  const priority = first ? expressPriority(`${first.peek('title') ?? ''} ${first.peek('code') ?? ''}`) : undefined;

  const customer = o.optObj('customer');
  const ship = o.optObj('shipping_address');
  const bill = o.optObj('billing_address');
  const shipping_address = ship ? address(ship) : undefined;
  const billing_address = bill ? address(bill) : undefined;
  const country = shipping_address?.country || billing_address?.country || undefined;
  const email = [o.optStr('email'), o.optStr('contact_email'), customer?.optStr('email')].find((e) => e?.includes('@'));
  const name =
    fullName(customer?.optStr('first_name'), customer?.optStr('last_name')) ??
    shipping_address?.name ??
    billing_address?.name ??
    email ??
    'Shopify customer';
  const phone = normalizePhone(o.optStr('phone') ?? customer?.optStr('phone') ?? ship?.optStr('phone') ?? bill?.optStr('phone'), country);

  const tags = (o.optStr('tags') ?? '')
    .split(',')
    .map((t) => t.trim().slice(0, 50))
    .filter(Boolean)
    .slice(0, 50);

  return compact({
    external_id,
    number: clip(o.optStr('name'), 64) ?? external_id,
    currency,
    placed_at: o.optTime('created_at'),
    customer: compact({ name, email, phone }),
    shipping_address,
    billing_address,
    payment: { method: shopifyPaymentMethod(o, options) },
    lines,
    shipping_amount: shipping,
    discount_amount: shippingDiscount + unallocatedDiscount,
    tax_amount: totalTax === undefined ? shippingTax : Math.max(shippingTax, totalTax - lineTax),
    taxes_included: o.optBool('taxes_included') ?? false,
    total_amount: optAmount(o, 'total_price', currency, money),
    priority,
    shipping_method: method,
    tags: tags.length > 0 ? tags : undefined,
    channel_data: compact({
      shopify_order_id: external_id,
      // The buyer's Shopify customer id: identifies a repeat buyer for purchase limits when e-mail and phone are absent.
      customer_id: customer?.peek('id'),
      order_number: o.peek('order_number'),
      source_name: o.peek('source_name'),
      financial_status: o.peek('financial_status'),
      fulfillment_status: o.peek('fulfillment_status'),
      payment_gateways: shopifyGateways(o),
      presentment_currency: o.peek('presentment_currency'),
      money,
      test: o.optBool('test'),
    }),
  });
}

/**
 * An `orders/cancelled` webhook (or an `orders/updated` whose `cancelled_at` is set) as a whole-order
 * cancellation; the reason is Shopify's `cancel_reason` (customer, fraud, inventory, declined, staff, other).
 */
export function normalizeShopifyCancellation(payload: unknown): ChannelCancellation {
  const o = Fields.of(payload, 'order', CH);
  return compact({
    external_id: shopifyId(o),
    reason: clip(o.optStr('cancel_reason'), 200) ?? 'cancelled',
    cancelled_at: o.optTime('cancelled_at'),
  });
}
