import { sql } from 'kysely';
import { withTx, type Db } from '../../src/db/database.js';
import { listFulfillmentOrders, markPackageShipped } from '../../src/modules/fulfillment/index.js';
import { commitReservation, listReservations } from '../../src/modules/inventory/index.js';
import { lockOrder, transitionOrder } from '../../src/modules/orders/index.js';

/**
 * Ships a captured order the way the warehouse would end up having done it, without walking waves, picking and
 * packing (they have their own tests): its reservations are committed through the inventory module, each
 * fulfillment order gets one package (rows written here) that the fulfillment module marks shipped, and the order
 * becomes `shipped`. Returns the package ids.
 */
export async function shipOrderDirect(db: Db, orderId: string): Promise<string[]> {
  return withTx(db, async (tx) => {
    const packages: string[] = [];
    for (const r of await listReservations(tx, { ref: orderId, status: 'open', limit: 1000 })) await commitReservation(tx, { reservation_id: r.id, reference: orderId });
    for (const fo of await listFulfillmentOrders(tx, orderId)) {
      await sql`UPDATE fulfillment_orders SET status = 'packed' WHERE id = ${fo.id}`.execute(tx);
      const pkg = `pkg_t${fo.id.slice(3)}`;
      await sql`INSERT INTO packages (id, fulfillment_order_id, order_id, warehouse_id, seq, length_mm, width_mm, height_mm, weight_g)
                VALUES (${pkg}, ${fo.id}, ${orderId}, ${fo.warehouse_id}, 1, 300, 200, 100, 900)`.execute(tx);
      for (const l of fo.lines) await sql`INSERT INTO package_items (package_id, order_line_id, sku_id, qty) VALUES (${pkg}, ${l.order_line_id}, ${l.sku_id}, ${l.qty})`.execute(tx);
      await markPackageShipped(tx, pkg);
      packages.push(pkg);
    }
    await transitionOrder(tx, await lockOrder(tx, orderId), 'shipped', 'shipped (test)');
    return packages;
  });
}
