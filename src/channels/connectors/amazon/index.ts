/** Amazon connector (Selling Partner API, Orders v0): pure normalisation of polled orders. */
/** An Order with its OrderItems as a canonical order; a Canceled order as a cancellation. */
export { normalizeAmazonOrder, normalizeAmazonCancellation } from './amazon.order.js';
export type { AmazonOrderOptions } from './amazon.order.js';
/** getOrders / getOrderItems response pages: items plus NextToken; `errors` responses throw unavailable / channel_error. */
export { amazonOrdersPage, amazonOrderItemsPage } from './amazon.pages.js';
