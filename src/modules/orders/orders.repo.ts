import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { HoldView, OrderLineView, OrderRow, TimelineEntry } from './orders.types.js';

const ORDER_COLUMNS = [
  'id', 'channel_id', 'external_id', 'number', 'status', 'currency', 'placed_at', 'customer_name', 'customer_email', 'customer_phone',
  'shipping_address', 'billing_address', 'payment_method', 'subtotal_amount', 'discount_amount', 'shipping_amount', 'tax_amount',
  'total_amount', 'stated_total_amount', 'priority', 'shipping_method', 'promised_ship_by', 'promised_deliver_by', 'dispatch_by',
  'tags', 'channel_data', 'version', 'cancel_reason', 'cancelled_at', 'created_at', 'updated_at',
] as const;

type Raw = Record<(typeof ORDER_COLUMNS)[number], unknown>;

const date = (v: unknown): Date | null => (v == null ? null : v instanceof Date ? v : new Date(String(v)));

export function toOrderRow(r: Raw): OrderRow {
  const { customer_name, customer_email, customer_phone, ...rest } = r;
  return {
    ...(rest as unknown as OrderRow),
    customer: { name: customer_name as string, email: customer_email as string | null, phone: customer_phone as string | null },
    placed_at: date(r.placed_at)!,
    promised_ship_by: date(r.promised_ship_by),
    promised_deliver_by: date(r.promised_deliver_by),
    dispatch_by: date(r.dispatch_by),
    cancelled_at: date(r.cancelled_at),
  };
}

export async function selectOrder(db: Executor, id: string, lock = false): Promise<OrderRow | undefined> {
  let q = db.selectFrom('orders').select(ORDER_COLUMNS).where('id', '=', id);
  if (lock) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  return r ? toOrderRow(r as Raw) : undefined;
}

export async function selectOrderByExternal(db: Executor, channelId: string, externalId: string): Promise<OrderRow | undefined> {
  const r = await db.selectFrom('orders').select(ORDER_COLUMNS).where('channel_id', '=', channelId).where('external_id', '=', externalId).executeTakeFirst();
  return r ? toOrderRow(r as Raw) : undefined;
}

export async function selectLines(db: Executor, orderId: string): Promise<OrderLineView[]> {
  return db
    .selectFrom('order_lines as l')
    .leftJoin('skus as s', 's.id', 'l.sku_id')
    .select([
      'l.id', 'l.line_no', 'l.external_line_id', 'l.sku_id', 's.sku', 'l.channel_sku', 'l.title', 'l.qty', 'l.unit_price_amount', 'l.discount_amount',
      'l.tax_amount', 'l.needs_shipping', 'l.fulfilled_externally', 'l.qty_cancelled', 'l.qty_shipped', 'l.qty_returned',
    ])
    .where('l.order_id', '=', orderId)
    .orderBy('l.line_no')
    .execute();
}

export async function selectHolds(db: Executor, orderId: string): Promise<HoldView[]> {
  return (await db
    .selectFrom('order_holds')
    .select(['id', 'reason', 'detail', 'data', 'status', 'created_at', 'resolved_at', 'resolved_by'])
    .where('order_id', '=', orderId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()) as HoldView[];
}

export async function selectTimeline(db: Executor, orderId: string): Promise<TimelineEntry[]> {
  return db.selectFrom('order_events').select(['type', 'message', 'data', 'actor', 'at']).where('order_id', '=', orderId).orderBy('id').execute();
}

export { ORDER_COLUMNS, sql };
