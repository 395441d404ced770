import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { emit, outboxRows } from '../../events/outbox.js';
import type { OrderInput, OrderPriority, OrderAddressInput } from './orders.input.js';
import { assertTransition, type OrderStatus } from './orders.lifecycle.js';
import type { HoldFinding, VerificationRules } from './orders.holds.js';
import { ORDER_COLUMNS, selectHolds, selectLines, selectOrder, selectOrderByExternal, selectTimeline, toOrderRow } from './orders.repo.js';
import type { OrderDetail, OrderRow } from './orders.types.js';

export interface ResolvedLine {
  line_no: number;
  sku_id: string | null;
  input: OrderInput['lines'][number];
}

export interface NewOrder {
  channelId: string;
  input: OrderInput;
  lines: ResolvedLine[];
  totals: { subtotal: number; discount: number; tax: number; shipping: number; total: number };
  priority: OrderPriority;
  dispatchBy: Date | null;
  /** The `order.placed` timeline entry and event, written in the same statement as the lines. */
  placed: { data: Record<string, unknown>; actor?: string | undefined };
}

/** Inserts a captured order with its lines, status `pending`. Idempotent on (channel, external id): a second capture returns the first order. */
/** An order line as just inserted (what allocation needs of it, without reading it back). */
export interface InsertedLine {
  id: string;
  sku_id: string | null;
  qty: number;
  qty_cancelled: number;
  qty_shipped: number;
  needs_shipping: boolean;
  fulfilled_externally: boolean;
}

export async function insertOrder(tx: Executor, o: NewOrder): Promise<{ order: OrderRow; created: boolean; lines?: InsertedLine[] }> {
  const id = newId('ord');
  const i = o.input;
  const inserted = await tx
    .insertInto('orders')
    .values({
      id,
      channel_id: o.channelId,
      external_id: i.external_id,
      number: i.number ?? i.external_id,
      status: 'pending',
      currency: i.currency,
      placed_at: i.placed_at ?? new Date(),
      customer_name: i.customer.name,
      customer_email: i.customer.email ?? null,
      customer_phone: i.customer.phone ?? null,
      shipping_address: i.shipping_address ? (JSON.stringify(i.shipping_address) as never) : null,
      billing_address: i.billing_address ? (JSON.stringify(i.billing_address) as never) : null,
      payment_method: i.payment.method,
      subtotal_amount: o.totals.subtotal,
      discount_amount: o.totals.discount,
      shipping_amount: o.totals.shipping,
      tax_amount: o.totals.tax,
      total_amount: o.totals.total,
      stated_total_amount: i.total_amount ?? null,
      priority: o.priority,
      shipping_method: i.shipping_method ?? null,
      promised_ship_by: i.promised_ship_by ?? null,
      promised_deliver_by: i.promised_deliver_by ?? null,
      dispatch_by: o.dispatchBy,
      tags: i.tags ?? [],
      channel_data: JSON.stringify({ ...(i.channel_data ?? {}), taxes_included: i.taxes_included ?? false }) as never,
      cancel_reason: null,
      cancelled_at: null,
    })
    .onConflict((oc) => oc.columns(['channel_id', 'external_id']).doNothing())
    .returning(ORDER_COLUMNS)
    .executeTakeFirst();
  if (!inserted) {
    // A concurrent capture won the race; its row is committed by now (ON CONFLICT waited for it).
    return { order: (await selectOrderByExternal(tx, o.channelId, i.external_id))!, created: false };
  }
  const rows = o.lines.map((l) => ({
        id: newId('line'),
        order_id: id,
        line_no: l.line_no,
        external_line_id: l.input.external_line_id ?? null,
        sku_id: l.sku_id,
        channel_sku: l.input.channel_sku ?? (l.sku_id ? null : (l.input.sku ?? null)),
        title: l.input.title ?? null,
        qty: l.input.qty,
        unit_price_amount: l.input.unit_price_amount,
        discount_amount: l.input.discount_amount ?? 0,
        tax_amount: l.input.tax_amount ?? 0,
        needs_shipping: l.input.needs_shipping ?? true,
        fulfilled_externally: l.input.fulfilled_externally ?? false,
      }));
  // The lines (one statement text for any number of lines: unnest, not a multi-row VALUES), the timeline entry and the
  // `order.placed` event in one statement.
  const message = `Order ${inserted.number as string} captured`;
  const col = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
  await tx
    .with('lines', (db) =>
      db
        .insertInto('order_lines')
        .columns(['id', 'order_id', 'line_no', 'external_line_id', 'sku_id', 'channel_sku', 'title', 'qty', 'unit_price_amount', 'discount_amount', 'tax_amount', 'needs_shipping', 'fulfilled_externally'])
        .expression(sql`
          SELECT l.id, ${id}, l.line_no, l.external_line_id, l.sku_id, l.channel_sku, l.title, l.qty, l.unit_price_amount, l.discount_amount, l.tax_amount, l.needs_shipping, l.fulfilled_externally
          FROM unnest(${col('id')}::text[], ${col('line_no')}::int[], ${col('external_line_id')}::text[], ${col('sku_id')}::text[], ${col('channel_sku')}::text[],
                      ${col('title')}::text[], ${col('qty')}::int[], ${col('unit_price_amount')}::bigint[], ${col('discount_amount')}::bigint[], ${col('tax_amount')}::bigint[],
                      ${col('needs_shipping')}::boolean[], ${col('fulfilled_externally')}::boolean[])
            AS l(id, line_no, external_line_id, sku_id, channel_sku, title, qty, unit_price_amount, discount_amount, tax_amount, needs_shipping, fulfilled_externally)`),
    )
    .with('timeline', (db) => db.insertInto('order_events').values({ order_id: id, type: 'placed', message, data: JSON.stringify(o.placed.data) as never, actor: o.placed.actor ?? null }))
    .insertInto('outbox')
    .values(outboxRows({ type: 'order.placed', aggregateType: 'order', aggregateId: id, payload: { message, ...o.placed.data }, actor: o.placed.actor }))
    .execute();
  // RETURNING gave the row as inserted, and the lines are what we wrote: no need to read either back.
  const lines = rows.map((r) => ({ id: r.id, sku_id: r.sku_id, qty: r.qty, qty_cancelled: 0, qty_shipped: 0, needs_shipping: r.needs_shipping, fulfilled_externally: r.fulfilled_externally }));
  return { order: toOrderRow(inserted as never), created: true, lines };
}

/** Adds an entry to the order's timeline and the matching `order.<type>` event to the outbox. */
export async function recordOrderEvent(tx: Executor, orderId: string, type: string, message: string, data: Record<string, unknown> = {}, actor?: string): Promise<void> {
  // One statement for both rows (the hot order path writes three of these per order).
  await tx
    .with('timeline', (db) => db.insertInto('order_events').values({ order_id: orderId, type, message, data: JSON.stringify(data) as never, actor: actor ?? null }))
    .insertInto('outbox')
    .values(outboxRows({ type: `order.${type}`, aggregateType: 'order', aggregateId: orderId, payload: { message, ...data }, actor }))
    .execute();
}

/** Locks the order row for the rest of the transaction (every workflow on one order runs one at a time). */
export async function lockOrder(tx: Executor, id: string): Promise<OrderRow> {
  const o = await selectOrder(tx, id, true);
  if (!o) throw new AppError('not_found', 'order_not_found', `Order ${id} was not found`, { order_id: id });
  return o;
}

/** Moves an order to a new status if the lifecycle allows it (409 `invalid_transition` otherwise) and records it. */
export async function transitionOrder(tx: Executor, order: OrderRow, to: OrderStatus, message: string, data: Record<string, unknown> = {}, actor?: string): Promise<OrderRow> {
  if (order.status === to) return order;
  assertTransition(order.id, order.status, to);
  const extra = to === 'cancelled' ? { cancelled_at: new Date(), cancel_reason: String(data.reason ?? 'cancelled') } : {};
  // The status, its timeline entry and its `order.status_changed` event in one statement (see recordOrderEvent).
  const event = { from: order.status, to, ...data };
  await tx
    .with('status', (db) => db.updateTable('orders').set({ status: to, version: sql`version + 1`, updated_at: new Date(), ...extra }).where('id', '=', order.id))
    .with('timeline', (db) => db.insertInto('order_events').values({ order_id: order.id, type: 'status_changed', message, data: JSON.stringify(event) as never, actor: actor ?? null }))
    .insertInto('outbox')
    .values(outboxRows({ type: 'order.status_changed', aggregateType: 'order', aggregateId: order.id, payload: { message, ...event }, actor }))
    .execute();
  return { ...order, status: to, version: order.version + 1 };
}

/** Records holds on an order. */
export async function addHolds(tx: Executor, orderId: string, holds: HoldFinding[], actor?: string): Promise<void> {
  if (holds.length === 0) return;
  await tx
    .insertInto('order_holds')
    .values(holds.map((h) => ({ id: newId('hold'), order_id: orderId, reason: h.reason, detail: h.detail, data: JSON.stringify(h.data) as never, resolved_at: null, resolved_by: null })))
    .execute();
  await recordOrderEvent(tx, orderId, 'held', holds.map((h) => h.detail).join('; '), { reasons: holds.map((h) => h.reason) }, actor);
}

/** Releases one open hold; returns how many holds remain open. */
export async function releaseHold(tx: Executor, orderId: string, holdId: string, actor?: string): Promise<number> {
  const released = await tx
    .updateTable('order_holds')
    .set({ status: 'released', resolved_at: new Date(), resolved_by: actor ?? null })
    .where('id', '=', holdId)
    .where('order_id', '=', orderId)
    .where('status', '=', 'open')
    .returning(['reason', 'detail'])
    .executeTakeFirst();
  if (!released) throw new AppError('not_found', 'hold_not_found', `No open hold ${holdId} on order ${orderId}`, { order_id: orderId, hold_id: holdId });
  await recordOrderEvent(tx, orderId, 'hold_released', `Released: ${released.detail}`, { hold_id: holdId, reason: released.reason }, actor);
  const left = await sql<{ n: number }>`select count(*)::int as n from order_holds where order_id = ${orderId} and status = 'open'`.execute(tx);
  return left.rows[0]!.n;
}

/** Closes every open hold of an order (when it is cancelled). */
export async function closeOpenHolds(tx: Executor, orderId: string, actor?: string): Promise<void> {
  await tx.updateTable('order_holds').set({ status: 'cancelled', resolved_at: new Date(), resolved_by: actor ?? null }).where('order_id', '=', orderId).where('status', '=', 'open').execute();
}

/** Cancels units of a line, guarded so that cancelled + shipped never exceeds ordered. */
export async function cancelLineUnits(tx: Executor, orderId: string, lineId: string, qty: number): Promise<void> {
  const r = await sql`UPDATE order_lines SET qty_cancelled = qty_cancelled + ${qty}
                      WHERE id = ${lineId} AND order_id = ${orderId} AND qty_cancelled + qty_shipped + ${qty} <= qty`.execute(tx);
  if (Number(r.numAffectedRows ?? 0) !== 1) throw new AppError('conflict', 'qty_exceeds_open', `Line ${lineId} has fewer than ${qty} open unit(s) to cancel`, { line_id: lineId, qty });
}

/**
 * Records how many units of each line have shipped (absolute counts, from shipped packages): never down, never
 * past what is ordered minus cancelled. Allocation, cancellation and returns read qty_shipped.
 */
export async function recordShippedUnits(tx: Executor, orderId: string, shipped: Map<string, number>): Promise<void> {
  const rows = [...shipped.entries()].filter(([, n]) => n > 0);
  if (rows.length === 0) return;
  await sql`
    UPDATE order_lines l SET qty_shipped = s.units
    FROM unnest(${rows.map(([id]) => id)}::text[], ${rows.map(([, n]) => n)}::int[]) AS s(id, units)
    WHERE l.id = s.id AND l.order_id = ${orderId} AND s.units > l.qty_shipped AND l.qty_cancelled + s.units <= l.qty`.execute(tx);
}

/** Records the units of an order still waiting for stock (set by allocation). */
export async function setBackorderedUnits(tx: Executor, orderId: string, units: number): Promise<void> {
  await tx.updateTable('orders').set({ backordered_units: Math.max(0, units) }).where('id', '=', orderId).where('backordered_units', '<>', Math.max(0, units)).execute();
}

export interface OrderEdit {
  shipping_address?: OrderAddressInput | undefined;
  priority?: OrderPriority | undefined;
}

/** Changes the shipping address or priority of an order (the caller checks it is still editable). */
export async function updateOrderDetails(tx: Executor, order: OrderRow, edit: OrderEdit, actor?: string): Promise<void> {
  const set: Record<string, unknown> = { updated_at: new Date(), version: sql`version + 1` };
  if (edit.shipping_address) set.shipping_address = JSON.stringify(edit.shipping_address);
  if (edit.priority) set.priority = edit.priority;
  await tx.updateTable('orders').set(set).where('id', '=', order.id).execute();
  await recordOrderEvent(tx, order.id, 'updated', `Changed ${Object.keys(edit).filter((k) => edit[k as keyof OrderEdit] !== undefined).join(', ')}`, { changes: edit }, actor);
}

/** The order with its lines, holds and timeline; throws `order_not_found`. */
export async function getOrderDetail(db: Executor, id: string): Promise<OrderDetail> {
  const order = await selectOrder(db, id);
  if (!order) throw new AppError('not_found', 'order_not_found', `Order ${id} was not found`, { order_id: id });
  const [lines, holds, timeline] = await Promise.all([selectLines(db, id), selectHolds(db, id), selectTimeline(db, id)]);
  return { ...order, lines, holds, timeline };
}

export { selectOrderByExternal as findOrderByExternal, selectLines as getOrderLines };

/** The verification rules for a channel: its own row if it has one, else the global row. */
export async function getRules(db: Executor, channelId: string): Promise<VerificationRules & { express_methods: string[]; priority_tags: string[]; handling_hours: number }> {
  const rows = await db
    .selectFrom('order_rules')
    .selectAll()
    .where((eb) => eb.or([eb('channel_id', '=', channelId), eb('channel_id', 'is', null)]))
    .execute();
  const row = rows.find((r) => r.channel_id === channelId) ?? rows.find((r) => r.channel_id === null)!;
  return row;
}

export interface RulesUpdate {
  cod_limit_amount?: number | null | undefined;
  high_value_amount?: number | null | undefined;
  blocked_phones?: string[] | undefined;
  blocked_postal_codes?: string[] | undefined;
  duplicate_window_minutes?: number | undefined;
  express_methods?: string[] | undefined;
  priority_tags?: string[] | undefined;
  handling_hours?: number | undefined;
}

/** Sets the global rules (channelId null) or a channel's own rules. */
export async function setRules(tx: Executor, channelId: string | null, update: RulesUpdate, actor?: string): Promise<void> {
  const id = channelId ? `rules_${channelId}` : 'rules_global';
  const base = channelId ? await getRules(tx, channelId) : undefined;
  const values = { ...(base ? { cod_limit_amount: base.cod_limit_amount, high_value_amount: base.high_value_amount, blocked_phones: base.blocked_phones, blocked_postal_codes: base.blocked_postal_codes, duplicate_window_minutes: base.duplicate_window_minutes, express_methods: base.express_methods, priority_tags: base.priority_tags, handling_hours: base.handling_hours } : {}), ...update };
  await tx
    .insertInto('order_rules')
    .values({ id, channel_id: channelId, cod_limit_amount: null, high_value_amount: null, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...update, updated_at: new Date() }))
    .execute();
  await emit(tx, { type: 'order_rules.updated', aggregateType: 'order_rules', aggregateId: id, payload: { channel_id: channelId, changes: Object.keys(update) }, actor });
}

/** Earlier orders of the same customer within the window whose lines are the same (a likely double submit). */
export async function findLookalikes(
  db: Executor,
  q: { phone?: string | undefined; email?: string | undefined; since: Date; lineKey: string },
): Promise<{ id: string; number: string }[]> {
  if (!q.phone && !q.email) return [];
  const rows = await sql<{ id: string; number: string; line_key: string }>`
    SELECT o.id, o.number,
           string_agg(coalesce(l.sku_id, l.channel_sku, '') || 'x' || l.qty, ',' ORDER BY coalesce(l.sku_id, l.channel_sku, ''), l.qty) AS line_key
    FROM orders o JOIN order_lines l ON l.order_id = o.id
    WHERE o.created_at >= ${q.since} AND o.status <> 'cancelled'
      AND (${q.phone ?? null}::text IS NOT NULL AND o.customer_phone = ${q.phone ?? null}
           OR ${q.email ?? null}::text IS NOT NULL AND lower(o.customer_email) = lower(${q.email ?? null}))
    GROUP BY o.id, o.number`.execute(db);
  return rows.rows.filter((r) => r.line_key === q.lineKey).map(({ id, number }) => ({ id, number }));
}
