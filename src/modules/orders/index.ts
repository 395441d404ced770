export type { OrderInput, OrderLineInput, OrderAddressInput, ChannelCancellation, OrderPriority, PaymentMethod } from './orders.input.js';
export type { OrderRow, OrderDetail, OrderLineView, HoldView, TimelineEntry, OrdersErrorCode } from './orders.types.js';
export type { OrderStatus } from './orders.lifecycle.js';
export type { HoldFinding, HoldReason, VerificationRules } from './orders.holds.js';
export type { ResolvedLine, NewOrder, OrderEdit, RulesUpdate, InsertedLine } from './orders.service.js';
export type { ListOrdersInput } from './orders.queries.js';
/** The lifecycle transition table and its checks. */
export { ORDER_STATUSES, TRANSITIONS, CANCELLABLE, EDITABLE, assertTransition, canTransition, allocationStatus } from './orders.lifecycle.js';
/** Verification: hold rules (pure) and order totals. */
export { evaluateHolds, computeTotals, phoneKey } from './orders.holds.js';
/** Priority and dispatch-by from channel facts (pure). */
export { derivePriority } from './priority.js';
/** Postal code formats by country. */
export { isValidPostalCode } from './postal.js';
/** Inserts a captured order, idempotent on (channel, external id). */
export { insertOrder } from './orders.service.js';
/** Locks an order row for the transaction. */
export { lockOrder } from './orders.service.js';
/** Moves an order through its lifecycle (409 invalid_transition when not allowed). */
export { transitionOrder } from './orders.service.js';
/** Timeline entry + outbox event for an order. */
export { recordOrderEvent } from './orders.service.js';
/** Holds: add, release one, close all. */
export { addHolds, releaseHold, closeOpenHolds } from './orders.service.js';
/** Cancels units of a line (guarded). */
export { cancelLineUnits } from './orders.service.js';
/** Records units shipped per line (absolute, from shipped packages; never decreases). */
export { recordShippedUnits } from './orders.service.js';
/** Records the units still waiting for stock (kept by allocation). */
export { setBackorderedUnits } from './orders.service.js';
/** Holds for unknown SKUs: list them, and map a held line once its SKU or listing exists. */
export { listUnknownSkuHolds, mapHeldLine } from './orders.remap.js';
export type { UnknownSkuHold } from './orders.remap.js';
/** Edits address or priority. */
export { updateOrderDetails } from './orders.service.js';
/** Reads: one order in full, by external id, its lines. */
export { getOrderDetail, findOrderByExternal, getOrderLines } from './orders.service.js';
/** The whole order view in one statement (order, lines, holds, timeline + read-only fulfillment, routing, reservations, kits). */
export { selectOrderView } from './orders.view.js';
export type { OrderViewRow } from './orders.view.js';
/** Verification rules per channel. */
export { getRules, setRules } from './orders.service.js';
/** Likely duplicate orders of the same customer. */
export { findLookalikes } from './orders.service.js';
/** Lists and the holds queue. */
export { listOrders, listHeldOrders } from './orders.queries.js';
/** Orders of a time window with their routing inputs, for routing simulation. */
export { ordersForReplay } from './orders.queries.js';
export type { OrderForReplay } from './orders.queries.js';
/** The home screen's order figures (today, on hold, backordered, per hour by channel). */
export { orderKpis } from './orders.queries.js';
export type { OrderKpis } from './orders.queries.js';
/** Dashboard KPIs: fulfillment SLA (the SLA watcher's open statuses and at-risk window) and backorders. */
export { slaKpis, backorderKpis, SLA_OPEN_STATUSES, SLA_CLOSED_STATUSES } from './orders.queries.js';
export type { SlaKpis, BackorderKpis } from './orders.queries.js';
