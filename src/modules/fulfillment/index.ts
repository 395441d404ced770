export type { FulfillmentOrderView, FulfillmentStatus, NewFulfillmentOrder } from './fulfillment.service.js';
/** Adds allocated lines to the order's pending fulfillment order at a warehouse (creating it when needed). */
export { addFulfillmentWork } from './fulfillment.service.js';
/** The order's fulfillment orders with lines. */
export { listFulfillmentOrders } from './fulfillment.service.js';
/** Cancels unpicked units of order lines; returns what was cancelled per warehouse and SKU. */
export { cancelUnpickedWork } from './fulfillment.service.js';
/** True when any of the order's work is picking or beyond. */
export { hasStartedWork } from './fulfillment.service.js';
/** Orders with pending (unreleased) work at a warehouse. */
export { ordersWithPendingWork } from './withdraw.js';
/** Cancels an order's pending work at a warehouse and returns its open quantities, for re-routing. */
export { withdrawPendingWork } from './withdraw.js';
