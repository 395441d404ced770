/**
 * The canonical order as every capture path delivers it (API, CSV, Shopify, WooCommerce, Amazon, Flipkart).
 * Connectors are pure functions from a channel's payload to this shape; the orders module takes it from here.
 * Money is integer minor units of `currency`; quantities are integers; times are ISO 8601 strings.
 */
export interface OrderAddressInput {
  name?: string | undefined;
  company?: string | undefined;
  line1: string;
  line2?: string | undefined;
  city: string;
  state?: string | undefined;
  /** Always a string: postal codes such as "01060" or "T3C 0K7" keep their leading zeros and spaces. */
  postal_code: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  phone?: string | undefined;
}

export interface OrderLineInput {
  /** The channel's id for this line (Shopify line_item id, Amazon OrderItemId …). */
  external_line_id?: string | undefined;
  /** Our SKU code, when the channel sends one we know. */
  sku?: string | undefined;
  /** The channel's own item code (seller SKU, variant id, FSN …), mapped through listings when `sku` is absent or unknown. */
  channel_sku?: string | undefined;
  title?: string | undefined;
  qty: number;
  /** Price of one unit before any discount, in minor units. */
  unit_price_amount: number;
  /** Total discount on this line (all units), in minor units. */
  discount_amount?: number | undefined;
  /** Total tax on this line, in minor units. */
  tax_amount?: number | undefined;
  /** False for gift cards, digital goods and services. Default true. */
  needs_shipping?: boolean | undefined;
  /** True when someone else ships this line (Amazon FBA / AFN, Flipkart Smart): recorded, creates no warehouse work. */
  fulfilled_externally?: boolean | undefined;
}

export type PaymentMethod = 'prepaid' | 'cod';
export type OrderPriority = 'low' | 'normal' | 'high' | 'urgent';

export interface OrderInput {
  external_id: string;
  /** The human order number shown by the channel (#1001, 402-…); defaults to external_id. */
  number?: string | undefined;
  currency: string;
  /** When the customer placed the order (channel time), ISO 8601. */
  placed_at?: string | undefined;
  customer: { name: string; email?: string | undefined; phone?: string | undefined };
  shipping_address?: OrderAddressInput | undefined;
  billing_address?: OrderAddressInput | undefined;
  payment: { method: PaymentMethod };
  lines: OrderLineInput[];
  /** Shipping charged to the customer, minor units. */
  shipping_amount?: number | undefined;
  /** Order-level discount not allocated to lines, minor units. */
  discount_amount?: number | undefined;
  /** Tax on shipping or otherwise not on lines, minor units. */
  tax_amount?: number | undefined;
  /** True when prices (and shipping) already include tax, as in India and the EU: tax is then shown, not added. Default false. */
  taxes_included?: boolean | undefined;
  /** The total the channel states; Tandem recomputes the total and holds the order when they disagree. */
  total_amount?: number | undefined;
  priority?: OrderPriority | undefined;
  /** The channel's shipping method title or code ("Express", "Standard", "NextDay"). */
  shipping_method?: string | undefined;
  promised_ship_by?: string | undefined;
  promised_deliver_by?: string | undefined;
  tags?: string[] | undefined;
  /** Free-form channel facts worth keeping (marketplace order type, fulfillment channel …). */
  channel_data?: Record<string, unknown> | undefined;
}

/** A cancellation as a channel reports it. */
export interface ChannelCancellation {
  external_id: string;
  reason: string;
  cancelled_at?: string | undefined;
  /** Per-line cancellations (by external line id); absent = the whole order. */
  lines?: { external_line_id: string; qty: number }[] | undefined;
}
