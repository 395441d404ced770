import { sql, type Kysely } from 'kysely';

/**
 * Units of an order waiting for stock, kept by allocation. The background re-allocation lists orders by it, so a
 * partially shipped order whose rest is backordered is allocated when stock arrives, like any other.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE orders ADD COLUMN backordered_units integer NOT NULL DEFAULT 0 CHECK (backordered_units >= 0);
    UPDATE orders o SET backordered_units = greatest(0, (
      SELECT coalesce(sum(l.qty - l.qty_cancelled - l.qty_shipped), 0) FROM order_lines l
      WHERE l.order_id = o.id AND l.sku_id IS NOT NULL AND l.needs_shipping AND NOT l.fulfilled_externally)
      - (SELECT coalesce(sum(r.qty), 0) FROM reservations r WHERE r.ref = o.id AND r.status = 'open'))
    WHERE o.status IN ('backordered', 'partially_allocated');
    CREATE INDEX orders_backordered ON orders (dispatch_by NULLS LAST, id) WHERE backordered_units > 0;
  `.execute(db);
}
