/**
 * SP-API Orders v0 responses: `{ payload: { Orders, NextToken } }` for getOrders and
 * `{ payload: { AmazonOrderId, OrderItems, NextToken } }` for getOrderItems; failures are `{ errors: [...] }`.
 */
import { AppError } from '../../../shared/errors.js';
import { Fields } from '../shared.js';

const CH = 'amazon';

function failIfErrors(r: Fields): void {
  const errors = r.arr('errors');
  if (errors.length === 0) return;
  const first = Fields.of(errors[0], 'response.errors[0]', CH);
  throw new AppError('unavailable', 'channel_error', `amazon: ${first.peek('code') ?? 'error'}: ${first.peek('message') ?? 'no message'}`, { channel: CH, errors });
}

/** One page of getOrders: its orders (unparsed, for normalizeAmazonOrder) and the token for the next page. */
export function amazonOrdersPage(response: unknown): { orders: unknown[]; nextToken?: string } {
  const r = Fields.of(response, 'response', CH);
  failIfErrors(r);
  const p = r.obj('payload');
  if (!Array.isArray(p.value.Orders)) throw p.fail('Orders', 'is not an array');
  const nextToken = p.optStr('NextToken');
  return nextToken ? { orders: p.arr('Orders'), nextToken } : { orders: p.arr('Orders') };
}

/** One page of getOrderItems: the order id, its items and the token for the next page. */
export function amazonOrderItemsPage(response: unknown): { amazonOrderId: string; items: unknown[]; nextToken?: string } {
  const r = Fields.of(response, 'response', CH);
  failIfErrors(r);
  const p = r.obj('payload');
  if (!Array.isArray(p.value.OrderItems)) throw p.fail('OrderItems', 'is not an array');
  const page = { amazonOrderId: p.str('AmazonOrderId'), items: p.arr('OrderItems') };
  const nextToken = p.optStr('NextToken');
  return nextToken ? { ...page, nextToken } : page;
}
