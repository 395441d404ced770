import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { invalid } from '../../shared/errors.js';
import { ORDER_STATUSES } from './orders.lifecycle.js';
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
  /**
   * Which fields `q` matches beyond the order number, external id and SKU: the customer's name, e-mail and phone
   * (`contact`, the default), the name only (`name`), or none (`none`). A caller whose rows come back without those
   * fields must not be able to search by them either (the match itself would reveal them).
   */
  q_fields?: 'contact' | 'name' | 'none' | undefined;
  sort?: 'created' | 'dispatch_by' | undefined;
  /** Only orders with units waiting for stock (any status but held, cancelled or closed). */
  backordered?: boolean | undefined;
}

/**
 * Pages orders. Sorted by id (creation) or by dispatch_by (SLA first); the cursor is opaque.
 * A warehouse scope limits the list to orders with fulfillment work in those warehouses.
 */
export async function listOrders(db: Executor, f: ListOrdersInput): Promise<{ data: OrderRow[]; next_cursor: string | null }> {
  // The dispatch-by as the database's text, to the microsecond, for the cursor (a JS Date keeps milliseconds only:
  // a cursor cut to the millisecond would repeat the rows of that millisecond on the next page).
  let q = db.selectFrom('orders').select(ORDER_COLUMNS).select(sql<string | null>`to_char(dispatch_by AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('dispatch_by_key')).limit(f.limit + 1);
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
    const fields = f.q_fields ?? 'contact';
    q = q.where((eb) =>
      eb.or([
        eb('number', 'ilike', like),
        eb('external_id', '=', f.q!),
        ...(fields !== 'none' ? [eb('customer_name', 'ilike', like)] : []),
        ...(fields === 'contact' ? [eb('customer_email', 'ilike', like), eb('customer_phone', 'like', like)] : []),
        sql<boolean>`exists (select 1 from order_lines l join skus s on s.id = l.sku_id where l.order_id = orders.id and s.sku = ${f.q})`,
      ]),
    );
  }
  if (f.sort === 'dispatch_by') {
    // Cursor "<dispatch-by (µs, UTC) or 'z'>|<id>": orders without a dispatch-by come last. Epoch milliseconds
    // (cursors of earlier versions) are still read. The OR is parenthesised: every other filter applies to both arms.
    if (f.cursor) {
      const [t = '', id = ''] = f.cursor.split('|');
      // Shaped right is not enough: the time must exist (no month 13) and be one PostgreSQL reads (years 0–9999).
      const us = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(t) && !Number.isNaN(Date.parse(`${t.slice(0, 23)}Z`))
        && new Date(`${t.slice(0, 23)}Z`).toISOString() === `${t.slice(0, 23)}Z`;
      const ms = /^\d{1,15}$/.test(t) && new Date(Number(t)).getUTCFullYear() <= 9999;
      if (!id || (t !== 'z' && !us && !ms)) throw invalid('invalid_cursor', 'The cursor is not one this list returned', { cursor: f.cursor });
      q = t === 'z'
        ? q.where('dispatch_by', 'is', null).where('id', '>', id)
        : q.where(sql<boolean>`((dispatch_by, id) > (${us ? t : new Date(Number(t)).toISOString()}::timestamptz, ${id}) or dispatch_by is null)`);
    }
    q = q.orderBy(sql`dispatch_by asc nulls last`).orderBy('id');
  } else {
    if (f.cursor) q = q.where('id', '<', f.cursor);
    q = q.orderBy('id', 'desc');
  }
  const raw = await q.execute();
  const rows = raw.map(({ dispatch_by_key: _key, ...r }) => toOrderRow(r as never));
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  const next = rows.length > f.limit && last ? (f.sort === 'dispatch_by' ? `${raw[f.limit - 1]!.dispatch_by_key ?? 'z'}|${last.id}` : last.id) : null;
  return { data: page, next_cursor: next };
}

/**
 * Orders waiting on an open hold, oldest first, with their open holds. A warehouse scope (`warehouseIds`, null = all)
 * applies the rule of a single order read (`orderView`) and of `listOrders`: only orders with a fulfillment order in
 * one of those warehouses. Holds are placed at capture, before routing, so an unrouted held order belongs to no
 * warehouse and only unscoped staff see it.
 */
export async function listHeldOrders(db: Executor, limit: number, warehouseIds: string[] | null = null): Promise<{ order_id: string; number: string; created_at: Date; holds: { id: string; reason: string; detail: string }[] }[]> {
  const scoped = warehouseIds
    ? sql`AND EXISTS (SELECT 1 FROM fulfillment_orders fo WHERE fo.order_id = o.id AND fo.warehouse_id = ANY(${warehouseIds.length > 0 ? warehouseIds : ['']}::text[]))`
    : sql``;
  const rows = await sql<{ order_id: string; number: string; created_at: Date; holds: { id: string; reason: string; detail: string }[] }>`
    SELECT o.id AS order_id, o.number, o.created_at,
           json_agg(json_build_object('id', h.id, 'reason', h.reason, 'detail', h.detail) ORDER BY h.created_at) AS holds
    FROM orders o JOIN order_holds h ON h.order_id = o.id AND h.status = 'open'
    WHERE o.status = 'on_hold' ${scoped}
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
  /** Cash to collect (the order total, minor units) for a cash-on-delivery order; null when prepaid. */
  cod_amount: number | null;
  lines: { line_id: string; sku_id: string; qty: number }[];
}

/**
 * Orders created in a time window (optionally of one channel) that went through routing and still stand — not
 * held, not cancelled — with their shippable lines' open quantities, oldest first. Two statements whatever the count.
 */
export async function ordersForReplay(db: Executor, f: { from: Date; to: Date; channel_id?: string | null | undefined; limit: number }): Promise<OrderForReplay[]> {
  let q = db
    .selectFrom('orders')
    .select(['id', 'channel_id', 'created_at', 'priority', 'promised_ship_by', 'promised_deliver_by', 'currency', 'shipping_address', 'payment_method', 'total_amount'])
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
    currency: o.currency, shipping_address: o.shipping_address, cod_amount: o.payment_method === 'cod' ? Number(o.total_amount) : null, lines: byOrder.get(o.id) ?? [],
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
      SELECT date_trunc('hour', o.created_at, 'UTC') AS hour, o.channel_id, count(*)::int AS orders
      FROM orders o WHERE o.created_at >= ${dayAgo} ${scoped}
      GROUP BY 1, 2 ORDER BY 1, 2`.execute(db),
  ]);
  return { ...counts.rows[0]!, by_hour: hours.rows };
}

/**
 * Statuses in which an order no longer counts against its dispatch-by time, the SLA watcher's definition
 * (`src/workflows/automation.ts`): not yet confirmed (pending, on hold), already gone (shipped and after), or
 * cancelled/closed. Every other status is open work with a deadline.
 */
export const SLA_CLOSED_STATUSES: readonly string[] = ['pending', 'on_hold', 'shipped', 'delivered', 'cancelled', 'closed', 'completed', 'returned'];
/** The open statuses, the complement of SLA_CLOSED_STATUSES. */
export const SLA_OPEN_STATUSES: readonly string[] = ORDER_STATUSES.filter((s) => !SLA_CLOSED_STATUSES.includes(s));

type Scope = string[] | null | undefined;
const inScope = (scope: Scope, alias = 'o') =>
  scope ? sql`and exists (select 1 from fulfillment_orders fo where fo.order_id = ${sql.ref(`${alias}.id`)} and fo.warehouse_id = any(${scope.length > 0 ? scope : ['']}))` : sql``;

export interface SlaKpis {
  /** Orders that became shipped in [since, now): by their dispatch-by time or after it. */
  shipped: { on_time: number; late: number; no_deadline: number };
  /** The same per local day (`tz`), oldest first; days without a shipped order are left out. */
  shipped_by_day: { day: string; on_time: number; late: number }[];
  /** Open orders now: past their dispatch-by (overdue), within the at-risk window of it, later, without one. */
  open: { overdue: number; at_risk: number; on_track: number; no_deadline: number };
  /** The open orders most at risk, earliest dispatch-by first (overdue and at risk only). */
  most_urgent: { id: string; number: string; status: string; priority: string; dispatch_by: Date }[];
}

/**
 * Fulfillment SLA within a warehouse scope. An order's deadline is its `dispatch_by` (the channel's ship-by or
 * placed + handling time, whichever is sooner — `priority.ts`); it shipped when its status became `shipped`
 * (the first such change). "At risk" is the SLA watcher's: an open order whose dispatch-by falls within
 * `at_risk_minutes` of now; "overdue" is one already past it (the watcher counts both as at risk).
 */
export async function slaKpis(db: Executor, f: { since: Date; now: Date; at_risk_minutes: number; tz: string; warehouse_ids?: Scope; urgent_limit?: number }): Promise<SlaKpis> {
  const scoped = inScope(f.warehouse_ids);
  const horizon = new Date(f.now.getTime() + f.at_risk_minutes * 60_000);
  const shippedSql = sql`
    SELECT DISTINCT ON (e.order_id) e.order_id, e.at FROM order_events e
    WHERE e.type = 'status_changed' AND e.at >= ${f.since} AND e.at < ${f.now} AND e.data->>'to' = 'shipped'
    ORDER BY e.order_id, e.at`;
  const [shipped, byDay, open, urgent] = await Promise.all([
    sql<SlaKpis['shipped']>`
      SELECT count(*) FILTER (WHERE s.at <= o.dispatch_by)::int AS on_time, count(*) FILTER (WHERE s.at > o.dispatch_by)::int AS late,
             count(*) FILTER (WHERE o.dispatch_by IS NULL)::int AS no_deadline
      FROM (${shippedSql}) s JOIN orders o ON o.id = s.order_id WHERE true ${scoped}`.execute(db),
    sql<{ day: string; on_time: number; late: number }>`
      SELECT to_char(date_trunc('day', s.at AT TIME ZONE ${f.tz}), 'YYYY-MM-DD') AS day,
             count(*) FILTER (WHERE s.at <= o.dispatch_by)::int AS on_time, count(*) FILTER (WHERE s.at > o.dispatch_by)::int AS late
      FROM (${shippedSql}) s JOIN orders o ON o.id = s.order_id WHERE o.dispatch_by IS NOT NULL ${scoped}
      GROUP BY 1 ORDER BY 1`.execute(db),
    sql<SlaKpis['open']>`
      SELECT count(*) FILTER (WHERE o.dispatch_by < ${f.now})::int AS overdue,
             count(*) FILTER (WHERE o.dispatch_by >= ${f.now} AND o.dispatch_by <= ${horizon})::int AS at_risk,
             count(*) FILTER (WHERE o.dispatch_by > ${horizon})::int AS on_track,
             count(*) FILTER (WHERE o.dispatch_by IS NULL)::int AS no_deadline
      FROM orders o WHERE o.status = ANY(${[...SLA_OPEN_STATUSES]}::text[]) ${scoped}`.execute(db),
    sql<SlaKpis['most_urgent'][number]>`
      SELECT o.id, o.number, o.status, o.priority, o.dispatch_by FROM orders o
      WHERE o.status = ANY(${[...SLA_OPEN_STATUSES]}::text[]) AND o.dispatch_by <= ${horizon} ${scoped}
      ORDER BY o.dispatch_by, o.id LIMIT ${f.urgent_limit ?? 10}`.execute(db),
  ]);
  return { shipped: shipped.rows[0]!, shipped_by_day: byDay.rows, open: open.rows[0]!, most_urgent: urgent.rows };
}

export interface BackorderKpis {
  /** Orders waiting for stock now (backordered units, not held/cancelled/closed) and their waiting units. */
  orders: number;
  units: number;
  /** Per local day: orders that started waiting for stock (and the units then missing) and orders that stopped. */
  by_day: { day: string; new_orders: number; new_units: number; resolved_orders: number }[];
}

const WAITING = ['backordered', 'partially_allocated'];
/** Leaving WAITING for these ends the wait; partially_shipped does not (the rest still waits). */
const RESOLVED = ['allocated', 'cancelled'];

/**
 * Backorders within a warehouse scope: what waits now (the `backordered_units` counter kept by allocation), and
 * the flow per day over [since, now) from the orders' status changes — into backordered / partially allocated
 * from any other status (units = units to ship − allocated at that moment) and out of them to a status
 * that ends the wait (allocated: the stock came; cancelled). A partially shipped order waiting for the rest
 * counts now but, its status being about shipping, not in the flow. A scoped user sees orders with work in their warehouses, so an
 * order with no stock anywhere (no warehouse yet) only shows to unscoped users.
 */
export async function backorderKpis(db: Executor, f: { since: Date; now: Date; tz: string; warehouse_ids?: Scope }): Promise<BackorderKpis> {
  const scoped = inScope(f.warehouse_ids);
  const [now, flow] = await Promise.all([
    sql<{ orders: number; units: number }>`
      SELECT count(*)::int AS orders, COALESCE(sum(o.backordered_units), 0)::int AS units FROM orders o
      WHERE o.backordered_units > 0 AND o.status NOT IN ('pending', 'on_hold', 'cancelled', 'closed') ${scoped}`.execute(db),
    sql<BackorderKpis['by_day'][number]>`
      SELECT to_char(date_trunc('day', e.at AT TIME ZONE ${f.tz}), 'YYYY-MM-DD') AS day,
             count(*) FILTER (WHERE e.data->>'to' = ANY(${WAITING}::text[]) AND NOT e.data->>'from' = ANY(${WAITING}::text[]))::int AS new_orders,
             COALESCE(sum(GREATEST(0, (e.data->>'units_to_ship')::int - (e.data->>'allocated_units')::int))
               FILTER (WHERE e.data->>'to' = ANY(${WAITING}::text[]) AND NOT e.data->>'from' = ANY(${WAITING}::text[])), 0)::int AS new_units,
             count(*) FILTER (WHERE e.data->>'from' = ANY(${WAITING}::text[]) AND e.data->>'to' = ANY(${RESOLVED}::text[]))::int AS resolved_orders
      FROM order_events e JOIN orders o ON o.id = e.order_id
      WHERE e.type = 'status_changed' AND e.at >= ${f.since} AND e.at < ${f.now}
        AND ((e.data->>'to' = ANY(${WAITING}::text[]) AND NOT e.data->>'from' = ANY(${WAITING}::text[]))
          OR (e.data->>'from' = ANY(${WAITING}::text[]) AND e.data->>'to' = ANY(${RESOLVED}::text[]))) ${scoped}
      GROUP BY 1 ORDER BY 1`.execute(db),
  ]);
  return { ...now.rows[0]!, by_day: flow.rows };
}
