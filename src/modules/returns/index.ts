export type {
  Condition, Disposition, ExchangeView, InspectionView, NewReturn, NewReturnLine, ReturnableLine, ReturnLineView, ReturnReason, ReturnsErrorCode, ReturnStatus,
  ReturnType, ReturnView,
} from './returns.types.js';
export type { ReturnRow, ListReturnsInput } from './returns.repo.js';
export type { ReceivedUnits } from './returns.service.js';
export type { InspectionEntry, InspectionResult, Inspected, RefundFacts } from './returns.inspect.js';
export type { ExchangeLine, PendingExchange } from './returns.exchange.js';
export type { LineRefund, RefundLineFacts, RefundOrderFacts } from './refund.js';

/** Reason codes, types, statuses, conditions and dispositions of returns. */
export { RETURN_REASONS, RTO_REASON, RETURN_TYPES, RETURN_STATUSES, CONDITIONS, DISPOSITIONS } from './returns.types.js';
/** The return lifecycle as a transition table. */
export { RETURN_TRANSITIONS, assertReturnTransition } from './returns.lifecycle.js';
/** Refund arithmetic in minor units (pure): cumulative pro-rata discount and tax shares. */
export { computeRefunds, lineRefund, allocateOrderDiscount } from './refund.js';
/** Opens a return within what shipped minus what other returns claim (caller holds the order lock). */
export { createReturn } from './returns.service.js';
/** The live return to origin of a shipment, if any. */
export { findRtoForShipment } from './returns.service.js';
/** Records scanned units received for a return (no stock moves). */
export { recordReceipt } from './returns.service.js';
/** Cancels a return that is still only requested. */
export { cancelReturn } from './returns.service.js';
/** Closes a return whose received units are all inspected. */
export { closeReturn } from './returns.service.js';
/** Records inspection verdicts and the refund they make due. */
export { recordInspection } from './returns.inspect.js';
/** Lots inspected units of an order's returns went into; records the lots of inspection verdicts. */
export { returnedLots, recordInspectionLots } from './returns.inspect.js';
export type { ReturnedLot } from './returns.inspect.js';
/** Exchanges: book, list pending, link the captured order, undo. */
export { bookExchange, pendingExchanges, completeExchange, dropExchange } from './returns.exchange.js';
/** Locks a return row for the transaction (throws return_not_found). */
export { lockReturn } from './returns.repo.js';
/** A return with lines, inspections and exchanges (throws return_not_found). */
export { getReturn } from './returns.repo.js';
/** Returns, newest first, filtered and scoped to warehouses. */
export { listReturns } from './returns.repo.js';
/** Units of each order line received back over all the order's returns. */
export { receivedByLine } from './returns.repo.js';
/** Units of each order line claimed by the order's returns (open: asked for; closed: received). */
export { claimedByLine } from './returns.repo.js';
