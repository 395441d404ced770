import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { emit } from '../../events/outbox.js';

/** Packages: sealed cartons of a fulfillment order, from packing to shipping (or cancelled for a repack). */

export type PackageStatus = 'packed' | 'shipped' | 'cancelled';

export interface PackageItem {
  order_line_id: string;
  sku_id: string;
  qty: number;
}

export interface PackageView {
  id: string;
  fulfillment_order_id: string;
  order_id: string;
  warehouse_id: string;
  seq: number;
  status: PackageStatus;
  carton_code: string | null;
  /** Outer dimensions; null for a package a 3PL shipped (its 945 does not say). */
  length_mm: number | null;
  width_mm: number | null;
  height_mm: number | null;
  weight_g: number;
  /** True when weight_g was computed (items + carton tare), not weighed. */
  weight_estimated: boolean;
  items: PackageItem[];
  packed_by: string | null;
  created_at: Date;
  shipped_at: Date | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
}

const PKG_COLUMNS = [
  'id', 'fulfillment_order_id', 'order_id', 'warehouse_id', 'seq', 'status', 'carton_code', 'length_mm', 'width_mm', 'height_mm', 'weight_g',
  'weight_estimated', 'packed_by', 'created_at', 'shipped_at', 'cancelled_at', 'cancel_reason',
] as const;

export const packageNotFound = (id: string): AppError => new AppError('not_found', 'package_not_found', `Package ${id} was not found`, { package_id: id });

const invalidTransition = (id: string, from: string, to: string): AppError =>
  new AppError('conflict', 'invalid_transition', `Package ${id} is ${from}; it cannot become ${to}`, { package_id: id, from, to });

async function withItems(db: Executor, rows: Omit<PackageView, 'items'>[]): Promise<PackageView[]> {
  if (rows.length === 0) return [];
  const items = await db
    .selectFrom('package_items')
    .select(['package_id', 'order_line_id', 'sku_id', 'qty'])
    .where('package_id', 'in', rows.map((r) => r.id))
    .orderBy('package_id').orderBy('order_line_id').orderBy('sku_id')
    .execute();
  return rows.map((r) => ({ ...r, items: items.filter((i) => i.package_id === r.id).map(({ package_id: _p, ...i }) => i) }));
}

/** A package with its items; throws not_found `package_not_found`. */
export async function getPackage(db: Executor, id: string): Promise<PackageView> {
  const row = await db.selectFrom('packages').select(PKG_COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!row) throw packageNotFound(id);
  return (await withItems(db, [row]))[0]!;
}

/** Packages of a fulfillment order or of an order (cancelled ones included, flagged by status), in packing order. */
export async function listPackages(db: Executor, filter: { fulfillment_order_id?: string | undefined; order_id?: string | undefined }): Promise<PackageView[]> {
  if (filter.fulfillment_order_id === undefined && filter.order_id === undefined) throw new AppError('invalid', 'validation_failed', 'Filter packages by fulfillment_order_id or order_id');
  let q = db.selectFrom('packages').select(PKG_COLUMNS).orderBy('fulfillment_order_id').orderBy('seq');
  if (filter.fulfillment_order_id !== undefined) q = q.where('fulfillment_order_id', '=', filter.fulfillment_order_id);
  if (filter.order_id !== undefined) q = q.where('order_id', '=', filter.order_id);
  return withItems(db, await q.execute());
}

/**
 * Locks a package for a change, its fulfillment order first (the lock order of every packing and shipping
 * path: fulfillment order, then package), and checks it is still `packed`. Returns the package as it is now.
 */
export async function lockPackedPackage(tx: Executor, id: string, to: 'shipped' | 'cancelled'): Promise<PackageView> {
  const found = await tx.selectFrom('packages').select('fulfillment_order_id').where('id', '=', id).executeTakeFirst();
  if (!found) throw packageNotFound(id);
  await sql`SELECT id FROM fulfillment_orders WHERE id = ${found.fulfillment_order_id} FOR UPDATE`.execute(tx);
  const row = await tx.selectFrom('packages').select(PKG_COLUMNS).where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
  if (row.status !== 'packed') throw invalidTransition(id, row.status, to);
  return (await withItems(tx, [row]))[0]!;
}

/**
 * Marks a packed package shipped (409 `invalid_transition` for any other status) and emits `package.shipped`;
 * when no packed package is left and the fulfillment order is fully packed, the order is shipped too
 * (`fulfillment_order.shipped`). Call it in the transaction that commits the package's stock.
 */
export async function markPackageShipped(tx: Executor, packageId: string, actor?: string): Promise<{ fulfillment_order_id: string; fulfillment_order_shipped: boolean }> {
  const pkg = await lockPackedPackage(tx, packageId, 'shipped');
  await tx.updateTable('packages').set({ status: 'shipped', shipped_at: new Date() }).where('id', '=', packageId).where('status', '=', 'packed').execute();
  await emit(tx, {
    type: 'package.shipped', aggregateType: 'package', aggregateId: packageId,
    payload: { fulfillment_order_id: pkg.fulfillment_order_id, order_id: pkg.order_id, warehouse_id: pkg.warehouse_id, items: pkg.items }, actor,
  });
  // A fulfillment order still packing (a package was cancelled for a repack) ships when its last package does.
  const done = await sql<{ id: string }>`
    UPDATE fulfillment_orders f SET status = 'shipped', updated_at = now()
    WHERE f.id = ${pkg.fulfillment_order_id} AND f.status = 'packed'
      AND NOT EXISTS (SELECT 1 FROM packages p WHERE p.fulfillment_order_id = f.id AND p.status = 'packed')
    RETURNING f.id`.execute(tx);
  const shipped = done.rows.length > 0;
  if (shipped) {
    await emit(tx, { type: 'fulfillment_order.shipped', aggregateType: 'fulfillment_order', aggregateId: pkg.fulfillment_order_id, payload: { order_id: pkg.order_id, warehouse_id: pkg.warehouse_id }, actor });
  }
  return { fulfillment_order_id: pkg.fulfillment_order_id, fulfillment_order_shipped: shipped };
}

/**
 * Units shipped per order line, from shipped packages. A kit line counts whole kits: the fewest complete sets
 * its shipped components make.
 */
export async function shippedUnits(db: Executor, orderId: string): Promise<Map<string, number>> {
  const r = await sql<{ order_line_id: string; units: number }>`
    SELECT x.order_line_id, min(floor(x.shipped / x.per))::int AS units FROM (
      SELECT ol.id AS order_line_id, coalesce(k.component_sku_id, ol.sku_id) AS sku_id, coalesce(k.qty, 1) AS per,
             coalesce((SELECT sum(i.qty) FROM package_items i JOIN packages p ON p.id = i.package_id
                       WHERE p.order_id = ${orderId} AND p.status = 'shipped' AND i.order_line_id = ol.id
                         AND i.sku_id = coalesce(k.component_sku_id, ol.sku_id)), 0) AS shipped
      FROM order_lines ol LEFT JOIN kit_components k ON k.kit_sku_id = ol.sku_id
      WHERE ol.order_id = ${orderId} AND ol.sku_id IS NOT NULL) x
    GROUP BY x.order_line_id`.execute(db);
  return new Map(r.rows.filter((row) => row.units > 0).map((row) => [row.order_line_id, row.units]));
}

/**
 * Cancels a packed package (damaged carton, wrong box): its units go back to the fulfillment order's packing
 * work and must be scanned again, the order goes back to `packing`. Emits `package.cancelled`.
 */
export async function cancelPackage(tx: Executor, packageId: string, reason: string, actor?: string): Promise<PackageView> {
  const pkg = await lockPackedPackage(tx, packageId, 'cancelled');
  await tx.updateTable('packages').set({ status: 'cancelled', cancelled_at: new Date(), cancel_reason: reason }).where('id', '=', packageId).execute();
  const reopened = await tx
    .updateTable('fulfillment_orders')
    .set({ status: 'packing', updated_at: new Date() })
    .where('id', '=', pkg.fulfillment_order_id)
    .where('status', '=', 'packed')
    .returning('id')
    .executeTakeFirst();
  await emit(tx, [
    { type: 'package.cancelled', aggregateType: 'package', aggregateId: packageId, payload: { fulfillment_order_id: pkg.fulfillment_order_id, order_id: pkg.order_id, warehouse_id: pkg.warehouse_id, reason, items: pkg.items }, actor },
    ...(reopened
      ? [{ type: 'fulfillment_order.packing_reopened', aggregateType: 'fulfillment_order', aggregateId: pkg.fulfillment_order_id, payload: { order_id: pkg.order_id, warehouse_id: pkg.warehouse_id, package_id: packageId, reason }, actor }]
      : []),
  ]);
  return getPackage(tx, packageId);
}

/** Units of one lot of an order line × SKU (expiry as stored on the stock it came from). */
export interface LotUnits {
  order_line_id: string;
  sku_id: string;
  lot: string;
  expires_on: string | null;
  qty: number;
}

/**
 * Lots the fulfillment order's picks put into the staging bin and no shipped package has taken yet, per order line ×
 * SKU (earliest expiry first): the lots a package of it should ship.
 */
export async function pickedLots(db: Executor, foId: string): Promise<LotUnits[]> {
  const r = await sql<LotUnits>`
    SELECT p.order_line_id, p.sku_id, p.lot, NULL::text AS expires_on, (p.qty - coalesce(s.qty, 0))::int AS qty
    FROM (SELECT order_line_id, sku_id, lot, sum(qty_picked - qty_returned) AS qty FROM pick_task_lines
          WHERE fulfillment_order_id = ${foId} GROUP BY 1, 2, 3) p
    LEFT JOIN (SELECT x.order_line_id, x.sku_id, x.lot, sum(x.qty) AS qty FROM package_item_lots x JOIN packages pk ON pk.id = x.package_id
               WHERE pk.fulfillment_order_id = ${foId} AND pk.status = 'shipped' GROUP BY 1, 2, 3) s
      ON s.order_line_id = p.order_line_id AND s.sku_id = p.sku_id AND s.lot = p.lot
    WHERE p.qty - coalesce(s.qty, 0) > 0
    ORDER BY p.order_line_id, p.sku_id, p.lot`.execute(db);
  return r.rows;
}

/** Records the lots a package's units shipped from (in the shipping transaction, with the stock commit). */
export async function recordShippedLots(tx: Executor, packageId: string, lots: LotUnits[]): Promise<void> {
  const merged = new Map<string, LotUnits>();
  for (const l of lots) {
    const k = `${l.order_line_id}\u0000${l.sku_id}\u0000${l.lot}`;
    const m = merged.get(k);
    if (m) m.qty += l.qty;
    else merged.set(k, { ...l });
  }
  if (merged.size === 0) return;
  await tx.insertInto('package_item_lots').values([...merged.values()].map((l) => ({ package_id: packageId, ...l }))).execute();
}

/**
 * Lots of an order's shipped units per order line × SKU (of one package when given), earliest expiry first. Units of
 * packages shipped without lot records (by a 3PL, or before lots were recorded) are not in it.
 */
export async function shippedLots(db: Executor, orderId: string, packageId?: string): Promise<LotUnits[]> {
  const r = await sql<LotUnits>`
    SELECT x.order_line_id, x.sku_id, x.lot, x.expires_on::text AS expires_on, sum(x.qty)::int AS qty
    FROM package_item_lots x JOIN packages p ON p.id = x.package_id
    WHERE p.order_id = ${orderId} AND p.status = 'shipped' ${packageId ? sql`AND p.id = ${packageId}` : sql``}
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 4 NULLS LAST, 3`.execute(db);
  return r.rows;
}
