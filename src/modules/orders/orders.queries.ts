import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { ORDER_COLUMNS, toOrderRow } from './orders.repo.js';
import type { OrderRow } from './orders.types.js';

export interface ListOrdersInput {
  limit: number;
  cursor?: string | undefined;
  status?: string[] | undefined;
  channel_id?: string | undefined;
  warehouse_ids?: string[] | null | undefined;
  /** Orders with fulfillment work in this warehouse (on top of the caller's scope). */
  warehouse_id?: string | undefined;
  created_after?: string | undefined;
  created_before?: string | undefined;
  hold_reason?: string | undefined;
  q?: string | undefined;
  sort?: 'created' | 'dispatch_by' | undefined;
  /** Only orders with units waiting for stock (any status but held, cancelled or closed). */
  backordered?: boolean | undefined;
}

/**
 * Pages orders. Sorted by id (creation) or by dispatch_by (SLA first); the cursor is opaque.
 * A warehouse scope limits the list to orders with fulfillment work in those warehouses.
 */
export async function listOrders(db: Executor, f: ListOrdersInput): Promise<{ data: OrderRow[]; next_cursor: string | null }> {
  let q = db.selectFrom('orders').select(ORDER_COLUMNS).limit(f.limit + 1);
  if (f.status?.length) q = q.where('status', 'in', f.status);
  if (f.backordered) q = q.where('backordered_units', '>', 0).where('status', 'not in', ['pending', 'on_hold', 'cancelled', 'closed']);
  if (f.channel_id) q = q.where('channel_id', '=', f.channel_id);
  if (f.created_after) q = q.where('created_at', '>=', new Date(f.created_after));
  if (f.created_before) q = q.where('created_at', '<', new Date(f.created_before));
  if (f.hold_reason) q = q.where(sql<boolean>`exists (select 1 from order_holds h where h.order_id = orders.id and h.status = 'open' and h.reason = ${f.hold_reason})`);
  if (f.warehouse_id) q = q.where(sql<boolean>`exists (select 1 from fulfillment_orders fo where fo.order_id = orders.id and fo.warehouse_id = ${f.warehouse_id})`);
  if (f.warehouse_ids) {
    const ids = f.warehouse_ids.length > 0 ? f.warehouse_ids : [''];
    q = q.where(sql<boolean>`exists (select 1 from fulfillment_orders fo where fo.order_id = orders.id and fo.warehouse_id = any(${ids}))`);
  }
  if (f.q) {
    const like = `%${f.q.replace(/[%_\\]/g, '\\$&')}%`;
    q = q.where((eb) =>
      eb.or([
        eb('number', 'ilike', like),
        eb('external_id', '=', f.q!),
        eb('customer_name', 'ilike', like),
        eb('customer_email', 'ilike', like),
        eb('customer_phone', 'like', like),
        sql<boolean>`exists (select 1 from order_lines l join skus s on s.id = l.sku_id where l.order_id = orders.id and s.sku = ${f.q})`,
      ]),
    );
  }
  if (f.sort === 'dispatch_by') {
    // Cursor "<epoch ms or 'z'>|<id>": orders without a dispatch-by come last.
    if (f.cursor) {
      const [t, id] = f.cursor.split('|');
      q = t === 'z'
        ? q.where('dispatch_by', 'is', null).where('id', '>', id!)
        : q.where(sql<boolean>`(dispatch_by, id) > (${new Date(Number(t))}, ${id}) or dispatch_by is null`);
    }
    q = q.orderBy(sql`dispatch_by asc nulls last`).orderBy('id');
  } else {
    if (f.cursor) q = q.where('id', '<', f.cursor);
    q = q.orderBy('id', 'desc');
  }
  const rows = (await q.execute()).map((r) => toOrderRow(r as never));
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  const next = rows.length > f.limit && last ? (f.sort === 'dispatch_by' ? `${last.dispatch_by ? last.dispatch_by.getTime() : 'z'}|${last.id}` : last.id) : null;
  return { data: page, next_cursor: next };
}

/** Orders waiting on an open hold, oldest first, with their open holds. */
export async function listHeldOrders(db: Executor, limit: number): Promise<{ order_id: string; number: string; created_at: Date; holds: { id: string; reason: string; detail: string }[] }[]> {
  const rows = await sql<{ order_id: string; number: string; created_at: Date; holds: { id: string; reason: string; detail: string }[] }>`
    SELECT o.id AS order_id, o.number, o.created_at,
           json_agg(json_build_object('id', h.id, 'reason', h.reason, 'detail', h.detail) ORDER BY h.created_at) AS holds
    FROM orders o JOIN order_holds h ON h.order_id = o.id AND h.status = 'open'
    WHERE o.status = 'on_hold'
    GROUP BY o.id ORDER BY o.created_at LIMIT ${limit}`.execute(db);
  return rows.rows;
}

/** An order as routing simulation replays it: its routing inputs and its shippable lines' open quantities. */
export interface OrderForReplay {
  id: string;
  channel_id: string | null;
  created_at: Date;
  priority: string;
  promised_ship_by: Date | null;
  promised_deliver_by: Date | null;
  currency: string;
  shipping_address: { postal_code?: string | null; country?: string | null; state?: string | null } | null;
  lines: { line_id: string; sku_id: string; qty: number }[];
}

/**
 * Orders created in a time window (optionally of one channel) that went through routing and still stand — not
 * held, not cancelled — with their shippable lines' open quantities, oldest first. Two statements whatever the count.
 */
export async function ordersForReplay(db: Executor, f: { from: Date; to: Date; channel_id?: string | null | undefined; limit: number }): Promise<OrderForReplay[]> {
  let q = db
    .selectFrom('orders')
    .select(['id', 'channel_id', 'created_at', 'priority', 'promised_ship_by', 'promised_deliver_by', 'currency', 'shipping_address'])
    .where('created_at', '>=', f.from)
    .where('created_at', '<', f.to)
    .where('status', 'not in', ['pending', 'on_hold', 'cancelled'])
    .orderBy('created_at')
    .orderBy('id')
    .limit(f.limit);
  if (f.channel_id) q = q.where('channel_id', '=', f.channel_id);
  const orders = await q.execute();
  if (orders.length === 0) return [];
  const lines = await sql<{ order_id: string; id: string; sku_id: string; qty: number }>`
    SELECT l.order_id, l.id, l.sku_id, l.qty - l.qty_cancelled AS qty
    FROM order_lines l
    WHERE l.order_id = ANY(${orders.map((o) => o.id)}::text[]) AND l.sku_id IS NOT NULL AND l.needs_shipping AND NOT l.fulfilled_externally AND l.qty > l.qty_cancelled
    ORDER BY l.order_id, l.id`.execute(db);
  const byOrder = new Map<string, { line_id: string; sku_id: string; qty: number }[]>();
  for (const l of lines.rows) byOrder.set(l.order_id, [...(byOrder.get(l.order_id) ?? []), { line_id: l.id, sku_id: l.sku_id, qty: l.qty }]);
  const at = (d: Date | string | null) => (d === null ? null : new Date(d));
  return orders.map((o) => ({
    id: o.id, channel_id: o.channel_id, created_at: new Date(o.created_at), priority: o.priority, promised_ship_by: at(o.promised_ship_by), promised_deliver_by: at(o.promised_deliver_by),
    currency: o.currency, shipping_address: o.shipping_address, lines: byOrder.get(o.id) ?? [],
  }));
}

/** The home screen's order figures. */
export interface OrderKpis {
  orders_since: number;
  on_hold: number;
  backordered: number;
  by_hour: { hour: Date; channel_id: string; orders: number }[];
}

/**
 * Orders created since a time, on hold, and waiting for stock (backordered or partly allocated), plus orders per
 * hour by channel over the last 24 hours — within a warehouse scope when given. Each count reads an index
 * (`orders_status`, `orders_created`), never the whole table.
 */
export async function orderKpis(db: Executor, f: { since: Date; warehouse_ids?: string[] | null | undefined }): Promise<OrderKpis> {
  const scoped = f.warehouse_ids
    ? sql`and exists (select 1 from fulfillment_orders fo where fo.order_id = o.id and fo.warehouse_id = any(${f.warehouse_ids.length > 0 ? f.warehouse_ids : ['']}))`
    : sql``;
  const dayAgo = new Date(Date.now() - 86_400_000);
  const [counts, hours] = await Promise.all([
    sql<{ orders_since: number; on_hold: number; backordered: number }>`
      SELECT (SELECT count(*)::int FROM orders o WHERE o.created_at >= ${f.since} ${scoped}) AS orders_since,
             (SELECT count(*)::int FROM orders o WHERE o.status = 'on_hold' ${scoped}) AS on_hold,
             (SELECT count(*)::int FROM orders o WHERE o.status IN ('backordered', 'partially_allocated') ${scoped}) AS backordered`.execute(db),
    sql<{ hour: Date; channel_id: string; orders: number }>`
      SELECT date_trunc('hour', o.created_at) AS hour, o.channel_id, count(*)::int AS orders
      FROM orders o WHERE o.created_at >= ${dayAgo} ${scoped}
      GROUP BY 1, 2 ORDER BY 1, 2`.execute(db),
  ]);
  return { ...counts.rows[0]!, by_hour: hours.rows };
}
