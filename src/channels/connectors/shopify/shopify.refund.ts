/**
 * Shopify Admin REST webhook `refunds/create`: the body is the REST Refund resource (`order_id`,
 * `refund_line_items[]` with `line_item_id`, `quantity`, `restock_type`, and `transactions[]`).
 */
import type { ChannelCancellation } from '../../../modules/orders/index.js';
import { Fields, clip, compact } from '../shared.js';
import { shopifyId } from './shopify.order.js';

const CH = 'shopify';

export interface ShopifyRefundLine {
  /** The refunded Shopify line item (same id as the order line's external_line_id). */
  external_line_id: string;
  qty: number;
  /** no_restock | cancel (removed before fulfilment) | return | legacy_restock. */
  restock_type: string;
}

export interface ShopifyRefund {
  /** The order's id (String(order_id)). */
  external_id: string;
  refund_id: string;
  created_at?: string | undefined;
  note?: string | undefined;
  /** Currency of `amount`, from the refund transactions; absent when no money moved. */
  currency?: string | undefined;
  /** Money returned to the buyer: Σ successful `refund` transactions, minor units. */
  amount: number;
  lines: ShopifyRefundLine[];
}

function refundLine(rl: Fields): ShopifyRefundLine | undefined {
  const qty = rl.int('quantity');
  if (qty === 0) return undefined;
  const li = rl.optObj('line_item');
  return {
    external_line_id: li && li.has('admin_graphql_api_id') ? shopifyId(li) : rl.id('line_item_id'),
    qty,
    restock_type: rl.optStr('restock_type') ?? 'no_restock',
  };
}

/**
 * A Shopify refund: which order, which line items and quantities (with Shopify's restock type), and how
 * much money went back (successful `refund` transactions only; failed or pending ones are not money back).
 */
export function normalizeShopifyRefund(payload: unknown): ShopifyRefund {
  const r = Fields.of(payload, 'refund', CH);
  const external_id = r.id('order_id');
  const refunds = r.objs('transactions').filter((t) => t.peek('kind') === 'refund' && (t.peek('status') ?? 'success') === 'success');
  const currencies = [...new Set(refunds.map((t) => t.currency('currency')))];
  if (currencies.length > 1) throw r.fail('transactions', `mix currencies (${currencies.join(', ')})`);
  const currency = currencies[0];
  const amount = currency ? refunds.reduce((s, t) => s + t.money('amount', currency), 0) : 0;
  return compact({
    external_id,
    refund_id: shopifyId(r),
    created_at: r.optTime('created_at'),
    note: clip(r.optStr('note'), 500),
    currency,
    amount,
    lines: r.objs('refund_line_items').map(refundLine).filter((l): l is ShopifyRefundLine => l !== undefined),
  });
}

/**
 * The part of a refund that is a cancellation: lines refunded with `restock_type: cancel` were removed
 * before they were fulfilled (Shopify's way to cancel part of an order). Undefined when there are none.
 */
export function shopifyRefundCancellation(payload: unknown): ChannelCancellation | undefined {
  const refund = normalizeShopifyRefund(payload);
  const lines = refund.lines.filter((l) => l.restock_type === 'cancel').map((l) => ({ external_line_id: l.external_line_id, qty: l.qty }));
  if (lines.length === 0) return undefined;
  return compact({ external_id: refund.external_id, reason: refund.note ?? 'items cancelled on Shopify', cancelled_at: refund.created_at, lines });
}
