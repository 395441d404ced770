import pg from 'pg';
import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { FulfillmentOrderView } from '../fulfillment/index.js';
import { ORDER_COLUMNS, toOrderRow } from './orders.repo.js';
import type { HoldView, OrderDetail, OrderLineView, TimelineEntry } from './orders.types.js';

/**
 * Everything the order view (`GET /api/v1/orders/:id`, the response of `POST /api/v1/orders`) shows, in one statement:
 * the order with its lines, holds and timeline, and — read-only joins, written only by their own modules — its
 * fulfillment orders and their lines (fulfillment), the latest routing decision (routing), its open reservations
 * (inventory) and the kit components of its SKUs (catalog). It was nine round trips; the answer is the same as
 * composing `getOrderDetail`, `listFulfillmentOrders`, `latestDecision`, `listReservations` and `kitComponents`
 * (`test/e2e/order-view.test.ts` compares them byte for byte).
 */
export interface OrderViewRow {
  detail: OrderDetail;
  fulfillmentOrders: FulfillmentOrderView[];
  decision: { strategy: string; reasons: unknown; notes: unknown; created_at: Date } | undefined;
  /** Open reservations in id order. */
  reservations: { ref_line: string; sku_id: string; warehouse_id: string; qty: number }[];
  /** Components of the order's kit SKUs, by kit SKU id. */
  kits: Map<string, { sku_id: string; qty: number }[]>;
}

// Timestamps inside json come as the column's own text (`x::text`) and go through node-postgres's timestamptz parser:
// exactly the Date a plain column read gives (same precision, same time zone handling).
const timestamptz = pg.types.getTypeParser(1184, 'text') as (v: string) => Date;
const ts = (v: string | null): Date | null => (v === null ? null : timestamptz(v));

interface Raw {
  lines: OrderLineView[];
  holds: (Omit<HoldView, 'created_at' | 'resolved_at'> & { created_at: string; resolved_at: string | null })[];
  timeline: (Omit<TimelineEntry, 'at'> & { at: string })[];
  fos: (Omit<FulfillmentOrderView, 'dispatch_by'> & { dispatch_by: string | null })[];
  decision: { strategy: string; reasons: unknown; notes: unknown; created_at: string } | null;
  reservations: OrderViewRow['reservations'];
  kits: { kit_sku_id: string; sku_id: string; qty: number }[];
}

export async function selectOrderView(db: Executor, id: string): Promise<OrderViewRow | undefined> {
  const cols = sql.join(ORDER_COLUMNS.map((c) => sql.ref(`o.${c}`)));
  const r = await sql<Record<string, unknown> & Raw>`
    SELECT ${cols},
      (SELECT coalesce(json_agg(json_build_object(
                'id', l.id, 'line_no', l.line_no, 'external_line_id', l.external_line_id, 'sku_id', l.sku_id, 'sku', s.sku,
                'channel_sku', l.channel_sku, 'title', l.title, 'qty', l.qty, 'unit_price_amount', l.unit_price_amount,
                'discount_amount', l.discount_amount, 'tax_amount', l.tax_amount, 'needs_shipping', l.needs_shipping,
                'fulfilled_externally', l.fulfilled_externally, 'qty_cancelled', l.qty_cancelled, 'qty_shipped', l.qty_shipped,
                'qty_returned', l.qty_returned) ORDER BY l.line_no), '[]')
         FROM order_lines l LEFT JOIN skus s ON s.id = l.sku_id WHERE l.order_id = o.id) AS lines,
      (SELECT coalesce(json_agg(json_build_object(
                'id', h.id, 'reason', h.reason, 'detail', h.detail, 'data', h.data, 'status', h.status, 'created_at', h.created_at::text,
                'resolved_at', h.resolved_at::text, 'resolved_by', h.resolved_by) ORDER BY h.created_at, h.id), '[]')
         FROM order_holds h WHERE h.order_id = o.id) AS holds,
      (SELECT coalesce(json_agg(json_build_object('type', e.type, 'message', e.message, 'data', e.data, 'actor', e.actor, 'at', e.at::text) ORDER BY e.id), '[]')
         FROM order_events e WHERE e.order_id = o.id) AS timeline,
      (SELECT coalesce(json_agg(json_build_object(
                'id', f.id, 'order_id', f.order_id, 'warehouse_id', f.warehouse_id, 'status', f.status, 'priority', f.priority,
                'dispatch_by', f.dispatch_by::text,
                'lines', (SELECT coalesce(json_agg(json_build_object('order_line_id', fl.order_line_id, 'sku_id', fl.sku_id, 'qty', fl.qty, 'qty_cancelled', fl.qty_cancelled)
                                                   ORDER BY fl.order_line_id, fl.sku_id), '[]')
                          FROM fulfillment_order_lines fl WHERE fl.fulfillment_order_id = f.id)) ORDER BY f.id), '[]')
         FROM fulfillment_orders f WHERE f.order_id = o.id) AS fos,
      (SELECT json_build_object('strategy', d.strategy, 'reasons', d.reasons, 'notes', d.notes, 'created_at', d.created_at::text)
         FROM routing_decisions d WHERE d.order_id = o.id ORDER BY d.id DESC LIMIT 1) AS decision,
      (SELECT coalesce(json_agg(json_build_object('ref_line', r.ref_line, 'sku_id', r.sku_id, 'warehouse_id', r.warehouse_id, 'qty', r.qty) ORDER BY r.id), '[]')
         FROM reservations r WHERE r.ref = o.id AND r.status = 'open') AS reservations,
      (SELECT coalesce(json_agg(json_build_object('kit_sku_id', k.kit_sku_id, 'sku_id', k.component_sku_id, 'qty', k.qty) ORDER BY c.sku), '[]')
         FROM kit_components k JOIN skus c ON c.id = k.component_sku_id
         WHERE k.kit_sku_id IN (SELECT l.sku_id FROM order_lines l WHERE l.order_id = o.id)) AS kits
    FROM orders o WHERE o.id = ${id}`.execute(db);
  const row = r.rows[0];
  if (!row) return undefined;
  const { lines, holds, timeline, fos, decision, reservations, kits: kitRows, ...order } = row;
  const kits = new Map<string, { sku_id: string; qty: number }[]>();
  for (const k of kitRows) kits.set(k.kit_sku_id, [...(kits.get(k.kit_sku_id) ?? []), { sku_id: k.sku_id, qty: k.qty }]);
  return {
    detail: {
      ...toOrderRow(order as never),
      lines,
      holds: holds.map((h) => ({ ...h, created_at: ts(h.created_at)!, resolved_at: ts(h.resolved_at) })),
      timeline: timeline.map((e) => ({ ...e, at: ts(e.at)! })),
    },
    fulfillmentOrders: fos.map((f) => ({ ...f, dispatch_by: ts(f.dispatch_by) })),
    decision: decision ? { ...decision, created_at: ts(decision.created_at)! } : undefined,
    reservations,
    kits,
  };
}
