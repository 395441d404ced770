/** Flipkart connector (Marketplace Seller API v3 shipments): pure normalisation of polled shipments. */
/** A shipment (order details + shipping details) as a canonical order; its cancelled items as a cancellation; a filter page. */
export { normalizeFlipkartOrder, normalizeFlipkartCancellation, flipkartShipmentsPage } from './flipkart.order.js';
