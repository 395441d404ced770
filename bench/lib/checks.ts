import { sql } from 'kysely';
import { withTx, type Db } from '../../src/db/database.js';
import { verifyInventory } from '../../src/modules/inventory/index.js';
import type { ClientOrder } from './buyers.js';

/**
 * Correctness checks run after a benchmark, straight against the database (one repeatable-read snapshot).
 * Each returns violations; an empty list means the invariant holds.
 */

export interface Violation {
  check: string;
  detail: string;
}

const first = <T>(rows: T[], n = 5): string => JSON.stringify(rows.slice(0, n));

/** `tandem inventory verify`: every counter recomputed from the ledger, reservations and bins. */
export async function inventoryVerify(db: Db): Promise<Violation[]> {
  const drifts = await withTx(db, (tx) => verifyInventory(tx), { isolation: 'repeatable read' });
  return drifts.map((d) => ({ check: 'inventory verify', detail: `${d.kind}: sku ${d.sku_id} warehouse ${d.warehouse_id}: is ${d.actual}, should be ${d.expected}` }));
}

/**
 * Orders, reservations, fulfillment work and the outbox agree: no reservation without an order; each order's
 * status matches what is reserved for it (allocated = everything, backordered = nothing, partially = some); no
 * line holds more than it ordered; fulfillment work equals the reservations; every order has exactly one
 * order.placed event, a status_changed event for its current status, and stock.reserved events for exactly the
 * units it holds; no order event for an order that does not exist.
 */
export async function orderConsistency(db: Db): Promise<Violation[]> {
  return withTx(
    db,
    async (tx) => {
      const out: Violation[] = [];
      const add = async (check: string, q: Promise<{ rows: unknown[] }>): Promise<void> => {
        const { rows } = await q;
        if (rows.length > 0) out.push({ check, detail: `${rows.length} row(s), e.g. ${first(rows)}` });
      };
      await add('reservation without an order', sql`SELECT r.id, r.ref FROM reservations r WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = r.ref)`.execute(tx));
      await add(
        'order status matches its reservations',
        sql`WITH l AS (SELECT order_id, sum(qty - qty_cancelled - qty_shipped)::int AS need FROM order_lines
                       WHERE needs_shipping AND NOT fulfilled_externally AND sku_id IS NOT NULL GROUP BY order_id),
                 r AS (SELECT ref, sum(qty)::int AS held FROM reservations WHERE status = 'open' GROUP BY ref)
            SELECT o.id, o.status, l.need, COALESCE(r.held, 0) AS held FROM orders o JOIN l ON l.order_id = o.id LEFT JOIN r ON r.ref = o.id
            WHERE NOT ((o.status = 'allocated' AND COALESCE(r.held, 0) = l.need)
                    OR (o.status = 'backordered' AND COALESCE(r.held, 0) = 0)
                    OR (o.status = 'partially_allocated' AND COALESCE(r.held, 0) > 0 AND COALESCE(r.held, 0) < l.need))`.execute(tx),
      );
      await add(
        'no line holds more than it ordered',
        sql`SELECT l.id, l.qty, sum(r.qty)::int AS held FROM reservations r JOIN order_lines l ON l.id = r.ref_line
            WHERE r.status = 'open' GROUP BY l.id, l.qty HAVING sum(r.qty) > l.qty`.execute(tx),
      );
      await add(
        'fulfillment work equals reservations',
        sql`WITH f AS (SELECT fl.order_line_id, fo.warehouse_id, fl.sku_id, sum(fl.qty - fl.qty_cancelled)::int AS qty
                       FROM fulfillment_order_lines fl JOIN fulfillment_orders fo ON fo.id = fl.fulfillment_order_id GROUP BY 1, 2, 3),
                 r AS (SELECT ref_line AS order_line_id, warehouse_id, sku_id, sum(qty)::int AS qty FROM reservations WHERE status = 'open' GROUP BY 1, 2, 3)
            SELECT COALESCE(f.order_line_id, r.order_line_id) AS line, COALESCE(f.warehouse_id, r.warehouse_id) AS wh, f.qty AS work, r.qty AS reserved
            FROM f FULL JOIN r ON r.order_line_id = f.order_line_id AND r.warehouse_id = f.warehouse_id AND r.sku_id = f.sku_id
            WHERE COALESCE(f.qty, 0) <> COALESCE(r.qty, 0)`.execute(tx),
      );
      await add(
        'exactly one order.placed event per order',
        sql`SELECT o.id, COALESCE(e.n, 0) AS events FROM orders o
            LEFT JOIN (SELECT aggregate_id, count(*)::int AS n FROM outbox WHERE type = 'order.placed' GROUP BY 1) e ON e.aggregate_id = o.id
            WHERE COALESCE(e.n, 0) <> 1`.execute(tx),
      );
      await add(
        'an order.status_changed event for the current status',
        sql`SELECT o.id, o.status FROM orders o WHERE o.status <> 'pending' AND NOT EXISTS (
              SELECT 1 FROM outbox e WHERE e.type = 'order.status_changed' AND e.aggregate_id = o.id AND e.payload->>'to' = o.status)`.execute(tx),
      );
      await add(
        'stock.reserved events carry exactly the units reserved',
        sql`WITH e AS (SELECT e.aggregate_id AS ref, sum((x->>'qty')::int)::int AS qty FROM outbox e, jsonb_array_elements(e.payload->'reservations') x
                       WHERE e.type = 'stock.reserved' GROUP BY 1),
                 r AS (SELECT ref, sum(qty + committed_qty + released_qty)::int AS qty FROM reservations GROUP BY ref)
            SELECT COALESCE(e.ref, r.ref) AS ref, e.qty AS in_events, r.qty AS reserved FROM e FULL JOIN r ON r.ref = e.ref
            WHERE COALESCE(e.qty, 0) <> COALESCE(r.qty, 0)`.execute(tx),
      );
      await add(
        'no order event without its order',
        sql`SELECT e.id, e.type, e.aggregate_id FROM outbox e WHERE e.aggregate_type = 'order' AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = e.aggregate_id)`.execute(tx),
      );
      await add('no duplicate external id', sql`SELECT channel_id, external_id, count(*) FROM orders GROUP BY 1, 2 HAVING count(*) > 1`.execute(tx));
      return out;
    },
    { isolation: 'repeatable read' },
  );
}

/** Units of these SKUs: on hand, reserved (level rows) and held by open reservations. */
export async function stockTotals(db: Db, skuIds: string[]): Promise<{ on_hand: number; reserved: number; reservations: number }> {
  const r = await sql<{ on_hand: number; reserved: number; reservations: number }>`
    SELECT (SELECT COALESCE(sum(on_hand), 0)::int FROM stock_levels WHERE sku_id = ANY(${skuIds})) AS on_hand,
           (SELECT COALESCE(sum(reserved), 0)::int FROM stock_levels WHERE sku_id = ANY(${skuIds})) AS reserved,
           (SELECT COALESCE(sum(qty), 0)::int FROM reservations WHERE status = 'open' AND sku_id = ANY(${skuIds})) AS reservations`.execute(db);
  return r.rows[0]!;
}

/**
 * What the clients were told against what the database holds: every acknowledged order exists with the id, status
 * and reserved units its response gave; the database holds no order the clients never sent; orders that exist but
 * were never acknowledged (the client gave up) are counted, and are a violation when `allUnacknowledgedAreViolations`.
 */
export async function acknowledgedOrders(db: Db, orders: ClientOrder[], prefix: string): Promise<{ violations: Violation[]; unacknowledgedInDb: number; dbOrders: number }> {
  const rows = (
    await sql<{ id: string; external_id: string; status: string; reserved: number }>`
      SELECT o.id, o.external_id, o.status, COALESCE(sum(r.qty) FILTER (WHERE r.status = 'open'), 0)::int AS reserved
      FROM orders o LEFT JOIN reservations r ON r.ref = o.id
      WHERE o.external_id LIKE ${`${prefix}-%`} GROUP BY o.id`.execute(db)
  ).rows;
  const byExt = new Map(rows.map((r) => [r.external_id, r]));
  const sent = new Map(orders.map((o) => [o.ext, o]));
  const violations: Violation[] = [];
  const lost: string[] = [];
  const mismatched: string[] = [];
  for (const o of orders) {
    if (!o.ack) continue;
    const row = byExt.get(o.ext);
    if (!row || row.id !== o.ack.id) lost.push(`${o.ext} (acknowledged as ${o.ack.id}, database has ${row?.id ?? 'nothing'})`);
    else if (row.status !== o.ack.status || row.reserved !== o.ack.reserved) mismatched.push(`${o.ext}: response ${o.ack.status}/${o.ack.reserved} units, database ${row.status}/${row.reserved} units`);
  }
  if (lost.length > 0) violations.push({ check: 'no acknowledged order lost', detail: `${lost.length}: ${lost.slice(0, 5).join('; ')}` });
  if (mismatched.length > 0) violations.push({ check: 'responses match the database', detail: `${mismatched.length}: ${mismatched.slice(0, 5).join('; ')}` });
  const unknown = rows.filter((r) => !sent.has(r.external_id));
  if (unknown.length > 0) violations.push({ check: 'no order the clients did not send', detail: `${unknown.length}: ${unknown.slice(0, 5).map((r) => r.external_id).join(', ')}` });
  const unacknowledgedInDb = rows.filter((r) => sent.has(r.external_id) && !sent.get(r.external_id)!.ack).length;
  return { violations, unacknowledgedInDb, dbOrders: rows.length };
}

export function printViolations(say: (m: string) => void, violations: Violation[]): void {
  if (violations.length === 0) say('all checks passed');
  for (const v of violations) say(`VIOLATION ${v.check}: ${v.detail}`);
}
