/**
 * WooCommerce REST API v3 (`/wp-json/wc/v3/orders/<id>`) order JSON, which is also the body of the
 * `order.created` / `order.updated` webhooks. Amounts are decimal strings ("6.00"); line and tax amounts
 * may carry more decimals than the currency ("16.528926" when prices include tax), so sums are made
 * exactly and rounded once to the currency's minor unit.
 */
import { AppError } from '../../../shared/errors.js';
import type { ChannelCancellation, OrderAddressInput, OrderInput, OrderLineInput } from '../../../modules/orders/index.js';
import {
  Fields, clip, compact, countryCode, expressPriority, fullName, itemCodes, normalizePhone, sumDecimalsRounded, unitAndDiscount,
  verifyBase64HmacSha256,
} from '../shared.js';

const CH = 'woocommerce';

export interface WooOrderOptions {
  /**
   * Product or variation ids that are virtual (services, gift cards, downloads). The order JSON does not say
   * which items ship, so lines of these products get `needs_shipping: false`.
   */
  virtualProductIds?: Iterable<number | string> | undefined;
}

/**
 * Verifies `X-WC-Webhook-Signature`: base64 HMAC-SHA256 of the raw body with the webhook's secret,
 * compared in constant time. (WooCommerce signs with the secret as the merchant typed it.)
 */
export function verifyWooWebhook(rawBody: Buffer, signatureHeader: string | undefined, secret: string): boolean {
  return verifyBase64HmacSha256(rawBody, signatureHeader, secret);
}

/** An exact sum of decimal fields of one object (each required), rounded once to minor units. */
function decimals(f: Fields, keys: string[], currency: string): number {
  for (const k of keys) if (!f.has(k) || f.value[k] === '') throw f.fail(k, 'is required');
  return sumDecimalsRounded(keys.map((k) => f.value[k]), currency, CH, `${f.path}.{${keys.join(',')}}`);
}

function address(f: Fields | undefined): OrderAddressInput | undefined {
  if (!f) return undefined;
  const line1 = f.optStr('address_1');
  const city = f.optStr('city');
  const postcode = f.optStr('postcode');
  const rawCountry = f.optStr('country');
  // WooCommerce always sends both address objects; all-blank means "no address".
  if (!line1 && !city && !postcode && !rawCountry) return undefined;
  const country = countryCode(rawCountry) ?? '';
  return compact({
    name: fullName(f.optStr('first_name'), f.optStr('last_name')),
    company: clip(f.optStr('company'), 200),
    line1: line1 ?? '',
    line2: f.optStr('address_2'),
    city: city ?? '',
    state: f.optStr('state'),
    postal_code: postcode ?? '',
    country,
    phone: normalizePhone(f.optStr('phone'), country),
  });
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ndash: '–', mdash: '—', hellip: '…' };

/** WooCommerce item names come HTML-escaped ("Ship Your Idea &ndash; Black"). */
function decodeEntities(text: string | undefined): string | undefined {
  return text
    ?.replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&([a-z]+);/gi, (m, n: string) => ENTITIES[n.toLowerCase()] ?? m);
}

function line(li: Fields, currency: string, inclusive: boolean, virtual: Set<string>, allVirtual: boolean): OrderLineInput | undefined {
  const qty = li.int('quantity');
  if (qty === 0) return undefined;
  const productId = li.optId('product_id');
  const variationId = li.optId('variation_id');
  const listingId = variationId && variationId !== '0' ? variationId : productId && productId !== '0' ? productId : undefined;
  // With prices_include_tax the customer saw tax-inclusive prices: keep them so (the order says taxes_included).
  const gross = decimals(li, inclusive ? ['subtotal', 'subtotal_tax'] : ['subtotal'], currency);
  const net = decimals(li, inclusive ? ['total', 'total_tax'] : ['total'], currency);
  const { unit, discount } = unitAndDiscount(gross, qty, net);
  const isVirtual = allVirtual || (!!productId && virtual.has(productId)) || (!!variationId && virtual.has(variationId));
  return compact({
    external_line_id: li.id('id'),
    ...itemCodes(li.optStr('sku'), listingId),
    title: clip(decodeEntities(li.optStr('name')), 300),
    qty,
    unit_price_amount: unit,
    discount_amount: discount,
    tax_amount: decimals(li, ['total_tax'], currency),
    needs_shipping: isVirtual ? false : undefined,
  });
}

/**
 * A WooCommerce order as Tandem's canonical order.
 *
 * - Lines: unit price before discount = line `subtotal` ÷ quantity (tax-inclusive when `prices_include_tax`);
 *   when it does not divide, the unit price is rounded up and the excess goes into the discount, so
 *   unit × qty − discount = line `total` exactly; discount = subtotal − total (+ that excess); tax = `total_tax`.
 *   `channel_sku` = variation id (or product id) for listing mapping; `sku` when the product has one.
 * - Shipping: Σ shipping_lines totals (with their tax when prices include tax); their tax is order-level tax.
 * - Fees (fee_lines): a positive fee (gift wrap, COD charge) becomes a non-shipping line "fee:<id>" so the
 *   total reconciles; a negative fee (a discount added as a fee) becomes order-level discount, its tax included.
 * - Payment: COD when `payment_method` is "cod". Digital-only orders (`needs_processing: false`) ship nothing.
 */
export function normalizeWooOrder(payload: unknown, options: WooOrderOptions = {}): OrderInput {
  const o = Fields.of(payload, 'order', CH);
  const external_id = o.id('id');
  const currency = o.currency('currency');
  const inclusive = o.optBool('prices_include_tax') ?? false;
  const virtual = new Set([...(options.virtualProductIds ?? [])].map(String));
  // needs_processing is false only when every item is virtual and downloadable.
  const allVirtual = o.optBool('needs_processing') === false;

  const lines = o
    .objs('line_items')
    .map((li) => line(li, currency, inclusive, virtual, allVirtual))
    .filter((l): l is OrderLineInput => l !== undefined);
  if (lines.length === 0) throw o.fail('line_items', 'has no line with a quantity');

  let orderDiscount = 0;
  for (const fee of o.objs('fee_lines')) {
    const gross = decimals(fee, inclusive ? ['total', 'total_tax'] : ['total'], currency);
    const tax = decimals(fee, ['total_tax'], currency);
    if (gross > 0) {
      lines.push(compact({ external_line_id: `fee:${fee.id('id')}`, title: clip(decodeEntities(fee.optStr('name')), 300) ?? 'Fee', qty: 1, unit_price_amount: gross, tax_amount: tax, needs_shipping: false }));
    } else {
      // A negative fee lowers the total by its amount and its (negative) tax: all of it is discount, so no tax goes negative.
      orderDiscount += -decimals(fee, ['total', 'total_tax'], currency);
    }
  }

  const shippingLines = o.objs('shipping_lines');
  const shipping = shippingLines.reduce((s, sl) => s + decimals(sl, inclusive ? ['total', 'total_tax'] : ['total'], currency), 0);
  const shippingTax = shippingLines.reduce((s, sl) => s + decimals(sl, ['total_tax'], currency), 0);
  const first = shippingLines[0];
  const method = first ? clip(first.optStr('method_title') ?? first.optStr('method_id'), 100) : undefined;

  const billing = o.optObj('billing');
  const shipping_address = address(o.optObj('shipping'));
  const billing_address = address(billing);
  const country = shipping_address?.country || billing_address?.country || undefined;
  const email = billing?.optStr('email');
  const name = fullName(billing?.optStr('first_name'), billing?.optStr('last_name')) ?? shipping_address?.name ?? email ?? 'WooCommerce customer';

  return compact({
    external_id,
    number: clip(o.optStr('number'), 64) ?? external_id,
    currency,
    placed_at: o.optTime('date_created_gmt', true),
    customer: compact({
      name,
      email: email?.includes('@') ? email : undefined,
      phone: normalizePhone(billing?.optStr('phone') ?? shipping_address?.phone, country),
    }),
    shipping_address,
    billing_address,
    payment: { method: o.optStr('payment_method') === 'cod' ? ('cod' as const) : ('prepaid' as const) },
    lines,
    shipping_amount: shipping,
    discount_amount: orderDiscount,
    tax_amount: shippingTax,
    taxes_included: inclusive,
    total_amount: decimals(o, ['total'], currency),
    priority: expressPriority(method),
    shipping_method: method,
    channel_data: compact({
      woo_order_id: external_id,
      status: o.peek('status'),
      created_via: o.peek('created_via'),
      payment_method: o.peek('payment_method'),
      payment_method_title: o.peek('payment_method_title'),
      customer_id: o.peek('customer_id'),
      customer_note: clip(o.peek('customer_note'), 500),
    }),
  });
}

const CANCELLED: Record<string, string> = { cancelled: 'cancelled on WooCommerce', refunded: 'refunded on WooCommerce', failed: 'payment failed on WooCommerce' };

/**
 * A WooCommerce order whose status is cancelled, refunded or failed, as a whole-order cancellation
 * (cancelled_at = `date_modified_gmt`). Any other status is refused with invalid / not_cancelled.
 */
export function normalizeWooCancellation(payload: unknown): ChannelCancellation {
  const o = Fields.of(payload, 'order', CH);
  const external_id = o.id('id');
  const status = o.str('status');
  const reason = CANCELLED[status];
  if (!reason) throw new AppError('invalid', 'not_cancelled', `woocommerce: order ${external_id} has status ${status}, not a cancellation`, { channel: CH, status });
  return compact({ external_id, reason, cancelled_at: o.optTime('date_modified_gmt', true) });
}
