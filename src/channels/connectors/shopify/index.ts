/** Shopify connector (Admin REST webhooks): pure signature check and payload normalisation. */
/** Constant-time check of X-Shopify-Hmac-Sha256 over the raw body; normalises orders/create, orders/updated and orders/cancelled. */
export { verifyShopifyWebhook, normalizeShopifyOrder, normalizeShopifyCancellation } from './shopify.order.js';
export type { ShopifyOrderOptions, ShopifyMoney } from './shopify.order.js';
/** refunds/create: the refund (lines, restock type, money back) and the lines it cancels (restock_type "cancel"). */
export { normalizeShopifyRefund, shopifyRefundCancellation } from './shopify.refund.js';
export type { ShopifyRefund, ShopifyRefundLine } from './shopify.refund.js';
