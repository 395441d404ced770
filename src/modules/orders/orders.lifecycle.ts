import { AppError } from '../../shared/errors.js';

export const ORDER_STATUSES = [
  'pending',
  'on_hold',
  'allocated',
  'partially_allocated',
  'backordered',
  'in_fulfillment',
  'partially_shipped',
  'shipped',
  'delivered',
  'partially_returned',
  'returned',
  'cancelled',
  'closed',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The order lifecycle as a transition table: from → the statuses it may move to. Anything else is a
 * 409 `invalid_transition`. `pending` is an order captured and being verified; `allocated` is confirmed
 * with all its stock reserved; `in_fulfillment` has warehouse work under way.
 */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['on_hold', 'allocated', 'partially_allocated', 'backordered', 'closed', 'cancelled'],
  on_hold: ['pending', 'cancelled'],
  allocated: ['in_fulfillment', 'partially_allocated', 'backordered', 'partially_shipped', 'shipped', 'cancelled'],
  partially_allocated: ['allocated', 'backordered', 'in_fulfillment', 'partially_shipped', 'cancelled'],
  backordered: ['allocated', 'partially_allocated', 'cancelled'],
  in_fulfillment: ['allocated', 'partially_allocated', 'backordered', 'partially_shipped', 'shipped', 'cancelled'],
  partially_shipped: ['partially_shipped', 'shipped', 'partially_returned', 'closed'],
  shipped: ['delivered', 'partially_returned', 'returned', 'closed'],
  delivered: ['partially_returned', 'returned', 'closed'],
  partially_returned: ['returned', 'closed'],
  returned: ['closed'],
  cancelled: [],
  closed: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws 409 `invalid_transition` unless the lifecycle allows `from → to`. */
export function assertTransition(orderId: string, from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) {
    throw new AppError('conflict', 'invalid_transition', `Order ${orderId} cannot go from ${from} to ${to}`, { order_id: orderId, from, to, allowed: TRANSITIONS[from] });
  }
}

/** Statuses in which nothing has shipped yet and the whole order may still be cancelled. */
export const CANCELLABLE: readonly OrderStatus[] = ['pending', 'on_hold', 'allocated', 'partially_allocated', 'backordered', 'in_fulfillment'];

/** Statuses in which lines may still be edited (address, priority, quantity down): before picking starts. */
export const EDITABLE: readonly OrderStatus[] = ['pending', 'on_hold', 'allocated', 'partially_allocated', 'backordered'];

/** The status an order's allocation leads to, from the quantities to ship, reserved and backordered. */
export function allocationStatus(toShip: number, allocated: number): OrderStatus {
  if (toShip === 0) return 'closed';
  if (allocated === 0) return 'backordered';
  return allocated >= toShip ? 'allocated' : 'partially_allocated';
}
