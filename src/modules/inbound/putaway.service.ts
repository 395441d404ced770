import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { emit } from '../../events/outbox.js';
import { AppError } from '../../shared/errors.js';
import type { PutawayReason, PutawaySuggestion } from './inbound.types.js';

/**
 * Where received units should go. Reads bins (warehouse) and bin contents (inventory) in one query, since a
 * suggestion needs both for thousands of bins at once; it never writes them (stock moves go through inventory).
 */

interface Candidate {
  id: string;
  code: string;
  zone: string | null;
  zone_id: string | null;
  pickable: boolean;
  capacity_units: number | null;
  used: number;
  sku_qty: number;
}

/**
 * Bins that can take more of the SKU: active, not under count, not excluded (the staging bin), holding the SKU
 * already or empty, and below capacity (a bin without capacity_units has no limit).
 */
async function candidates(db: Executor, warehouseId: string, skuId: string, excludeCodes: string[]): Promise<Candidate[]> {
  const r = await sql<Candidate>`
    SELECT b.id, b.code, z.code AS zone, b.zone_id, b.pickable, b.capacity_units,
           coalesce(u.used, 0)::int AS used, coalesce(u.sku_qty, 0)::int AS sku_qty
    FROM bins b
    LEFT JOIN zones z ON z.id = b.zone_id
    LEFT JOIN (
      SELECT bin_id, sum(qty) AS used, sum(qty) FILTER (WHERE sku_id = ${skuId} AND state = 'available') AS sku_qty
      FROM bin_stock WHERE warehouse_id = ${warehouseId} AND bin_id IS NOT NULL GROUP BY bin_id
    ) u ON u.bin_id = b.id
    WHERE b.warehouse_id = ${warehouseId} AND b.active
      AND b.code <> ALL(${excludeCodes}::text[])
      AND NOT EXISTS (SELECT 1 FROM cycle_count_bins c WHERE c.bin_id = b.id AND c.open)
      AND (coalesce(u.sku_qty, 0) > 0 OR coalesce(u.used, 0) = 0)
      AND (b.capacity_units IS NULL OR b.capacity_units > coalesce(u.used, 0))
    ORDER BY b.walk_sequence, b.code`.execute(db);
  return r.rows;
}

/** The SKU's preferred putaway zone in a warehouse, if one is set. */
async function preferredZoneId(db: Executor, warehouseId: string, skuId: string): Promise<string | undefined> {
  const r = await db.selectFrom('sku_putaway_zones').select('zone_id').where('warehouse_id', '=', warehouseId).where('sku_id', '=', skuId).executeTakeFirst();
  return r?.zone_id;
}

/**
 * Putaway suggestions covering `qty` units, best first: bins already holding the SKU with room (consolidates
 * stock, keeps one pick location), then empty bins in the SKU's preferred zone, then any empty pickable bin,
 * each in walk order. `uncovered` is what no bin can take.
 */
export async function suggestPutaway(db: Executor, input: { warehouse_id: string; sku_id: string; qty: number; exclude_bin_codes?: string[] | undefined }): Promise<{ suggestions: PutawaySuggestion[]; uncovered: number }> {
  const bins = await candidates(db, input.warehouse_id, input.sku_id, input.exclude_bin_codes ?? []);
  const zone = await preferredZoneId(db, input.warehouse_id, input.sku_id);
  const ranked: [PutawayReason, Candidate][] = [
    ...bins.filter((b) => b.sku_qty > 0).map((b) => ['holds_sku', b] as [PutawayReason, Candidate]),
    ...bins.filter((b) => b.used === 0 && zone !== undefined && b.zone_id === zone).map((b) => ['preferred_zone', b] as [PutawayReason, Candidate]),
    ...bins.filter((b) => b.used === 0 && b.pickable && (zone === undefined || b.zone_id !== zone)).map((b) => ['empty_pickable', b] as [PutawayReason, Candidate]),
  ];
  const suggestions: PutawaySuggestion[] = [];
  let left = input.qty;
  for (const [reason, b] of ranked) {
    if (left <= 0) break;
    const room = b.capacity_units === null ? null : b.capacity_units - b.used;
    const qty = room === null ? left : Math.min(left, room);
    if (qty <= 0) continue;
    suggestions.push({ bin_id: b.id, bin: b.code, zone: b.zone, reason, room, qty });
    left -= qty;
  }
  return { suggestions, uncovered: left };
}

/** Units a bin can still take (null = no capacity set), counting every SKU and state in it. */
export async function binRoom(db: Executor, binId: string): Promise<number | null> {
  const r = await sql<{ capacity_units: number | null; used: number }>`
    SELECT b.capacity_units, coalesce((SELECT sum(qty) FROM bin_stock s WHERE s.bin_id = b.id), 0)::int AS used
    FROM bins b WHERE b.id = ${binId}`.execute(db);
  const row = r.rows[0];
  if (!row || row.capacity_units === null) return null;
  return row.capacity_units - row.used;
}

/** Units on hand in a warehouse but in no bin yet (received, awaiting putaway), per SKU, lot and state. */
export async function unplacedStock(db: Executor, warehouseId: string, skuIds?: string[]): Promise<{ sku_id: string; lot: string; state: string; qty: number; expires_on: string | null }[]> {
  let q = db
    .selectFrom('bin_stock')
    .select(['sku_id', 'lot', 'state', 'qty', sql<string | null>`to_char(expires_on, 'YYYY-MM-DD')`.as('expires_on')])
    .where('warehouse_id', '=', warehouseId)
    .where('bin_id', 'is', null)
    .where('qty', '>', 0)
    .orderBy('sku_id')
    .orderBy('state')
    .orderBy('lot');
  if (skuIds) q = q.where('sku_id', 'in', skuIds.length > 0 ? skuIds : ['']);
  return q.execute();
}

/** Sets (or with zone null clears) the SKU's preferred putaway zone in a warehouse. Emits `putaway_zone.set`. */
export async function setPreferredZone(tx: Executor, input: { warehouse_id: string; sku_id: string; zone: string | null }, actor?: string): Promise<{ warehouse_id: string; sku_id: string; zone: string | null }> {
  if (input.zone === null) {
    await tx.deleteFrom('sku_putaway_zones').where('warehouse_id', '=', input.warehouse_id).where('sku_id', '=', input.sku_id).execute();
  } else {
    const z = await tx.selectFrom('zones').select('id').where('warehouse_id', '=', input.warehouse_id).where('code', '=', input.zone).executeTakeFirst();
    if (!z) throw new AppError('not_found', 'zone_not_found', `Zone ${input.zone} was not found in this warehouse`, { zone: input.zone });
    await tx
      .insertInto('sku_putaway_zones')
      .values({ warehouse_id: input.warehouse_id, sku_id: input.sku_id, zone_id: z.id })
      .onConflict((oc) => oc.columns(['sku_id', 'warehouse_id']).doUpdateSet({ zone_id: z.id, updated_at: new Date() }))
      .execute();
  }
  await emit(tx, { type: 'putaway_zone.set', aggregateType: 'warehouse', aggregateId: input.warehouse_id, payload: { ...input }, actor });
  return { ...input };
}

/** The preferred putaway zones set in a warehouse. */
export async function listPreferredZones(db: Executor, warehouseId: string): Promise<{ warehouse_id: string; sku_id: string; sku: string; zone: string }[]> {
  return db
    .selectFrom('sku_putaway_zones as p')
    .innerJoin('zones as z', 'z.id', 'p.zone_id')
    .innerJoin('skus as s', 's.id', 'p.sku_id')
    .select(['p.warehouse_id', 'p.sku_id', 's.sku', 'z.code as zone'])
    .where('p.warehouse_id', '=', warehouseId)
    .orderBy('s.sku')
    .execute();
}
