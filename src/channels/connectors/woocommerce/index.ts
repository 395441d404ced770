/** WooCommerce connector (REST API v3 order JSON, order.* webhooks): pure signature check and normalisation. */
/** Constant-time check of X-WC-Webhook-Signature; normalises an order, or a cancelled/refunded/failed one as a cancellation. */
export { verifyWooWebhook, normalizeWooOrder, normalizeWooCancellation } from './woocommerce.order.js';
export type { WooOrderOptions } from './woocommerce.order.js';
