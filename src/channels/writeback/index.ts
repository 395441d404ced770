export type { WritebackAdapter, WritebackContext, WritebackItem, WritebackRequest, WritebackResult } from './types.js';
export type { CarrierMapping, Outcome, WritebackFilter, WritebackRow, WritebackSettings, WritebackSettingsInput, WritebackStatus } from './writeback.queue.js';
export type { WritebackOptions } from './engine.js';
/** The job: queue from the outbox, deliver due write-backs; and each half on its own. */
export { runWritebackCycle, queueWritebacksFromOutbox, deliverWritebacks, retryDelayMs, writebackAdapterFor } from './engine.js';
/** Settings per channel and the queue's read side. */
export { getWritebackSettings, saveWritebackSettings, listWritebacks, getWriteback, listAttempts } from './writeback.queue.js';
/** Request bodies (exported for unit tests). */
export { allocateToFulfillmentOrders } from './shopify.js';
export { shipmentConfirmation } from './amazon.js';
export { selfShipDispatch } from './flipkart.js';
export { trackingNote } from './woocommerce.js';
