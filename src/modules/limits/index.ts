export type { LimitAction, LimitViolation, PurchaseLimit, PurchaseLimitInput, LimitsErrorCode } from './limits.types.js';
export type { OrderForLimits } from './limits.enforce.js';
/** Sets the purchase limit of a SKU for one channel or every channel (replaced whole; counters kept). */
export { setPurchaseLimit } from './limits.service.js';
/** One purchase limit (throws purchase_limit_not_found). */
export { getPurchaseLimit } from './limits.service.js';
/** Lists purchase limits by SKU and channel, paged. */
export { listPurchaseLimits } from './limits.service.js';
/** Deletes a purchase limit and its counters. */
export { deletePurchaseLimit } from './limits.service.js';
/** What customers have bought under a limit, per window. */
export { listLimitUsage } from './limits.service.js';
/** Applies the limits in force to a just-captured order: refuses it (422), or returns a purchase_limit hold. */
export { applyPurchaseLimits } from './limits.enforce.js';
/** Gives a cancellation's units back to the counters the order was counted in. */
export { returnPurchaseUnits } from './limits.enforce.js';
/** The normalised customer key and the window boundaries (pure). */
export { customerKey, windowStart, windowEnd } from './limits.keys.js';
