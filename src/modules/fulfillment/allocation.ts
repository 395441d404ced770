import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';

/**
 * Bin allocation: which bin × lot each unit is picked from. Free stock of a bin × lot = its available units
 * minus what open pick task lines already promised from it. Everything that allocates (wave release, short-pick
 * re-allocation) holds the warehouse's allocation lock, reads free stock once, allocates in memory, writes, and
 * finally re-checks in SQL that no bin × lot is promised beyond what it holds (else the transaction fails).
 */

export interface FreeStock {
  sku_id: string;
  bin_id: string;
  bin: string;
  zone_id: string | null;
  walk_sequence: number;
  aisle: number | null;
  position: number | null;
  lot: string;
  expires_on: string | null;
  free: number;
}

export interface Allocation extends Omit<FreeStock, 'free' | 'expires_on'> {
  qty: number;
}

/** Serialises allocation within one warehouse (transaction-scoped): two releases never promise the same units. */
export async function lockAllocation(tx: Executor, warehouseId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`pick-alloc:${warehouseId}`}))`.execute(tx);
}

/**
 * Free pickable stock of some SKUs, per SKU in the order it should leave: earliest expiry first (FEFO), then
 * earliest receipt (FIFO), then walk sequence. Excluded: non-pickable or inactive bins (the staging bin is not
 * pickable), bins in an open cycle count, damaged/quarantine stock, unplaced stock. The bin rows are share-locked
 * so a concurrent move cannot take them away before this transaction commits.
 */
export async function loadFreeStock(tx: Executor, warehouseId: string, skuIds: string[], opts: { zoneId?: string | undefined } = {}): Promise<Map<string, FreeStock[]>> {
  const out = new Map<string, FreeStock[]>();
  if (skuIds.length === 0) return out;
  const rows = await sql<FreeStock & { qty: number }>`
    SELECT bs.sku_id, bs.bin_id, b.code AS bin, b.zone_id, b.walk_sequence, b.aisle, b.position, bs.lot, bs.expires_on::text AS expires_on, bs.qty
    FROM bin_stock bs JOIN bins b ON b.id = bs.bin_id
    WHERE bs.warehouse_id = ${warehouseId} AND bs.sku_id = ANY(${skuIds}::text[]) AND bs.state = 'available' AND bs.qty > 0
      AND b.pickable AND b.active ${opts.zoneId ? sql`AND b.zone_id = ${opts.zoneId}` : sql``}
      AND NOT EXISTS (SELECT 1 FROM cycle_count_bins c WHERE c.bin_id = bs.bin_id AND c.open)
    ORDER BY bs.sku_id, bs.expires_on NULLS LAST, bs.received_at, b.walk_sequence, b.code, bs.lot
    FOR SHARE OF bs`.execute(tx);
  const promised = await promisedUnits(tx, warehouseId, skuIds);
  for (const r of rows.rows) {
    const free = r.qty - (promised.get(`${r.bin_id}|${r.sku_id}|${r.lot}`) ?? 0);
    if (free <= 0) continue;
    const { qty: _qty, ...rest } = r;
    const list = out.get(r.sku_id) ?? [];
    list.push({ ...rest, free });
    out.set(r.sku_id, list);
  }
  return out;
}

/** Units open pick task lines have promised, per bin × SKU × lot. */
async function promisedUnits(tx: Executor, warehouseId: string, skuIds: string[]): Promise<Map<string, number>> {
  const rows = await sql<{ bin_id: string; sku_id: string; lot: string; open: number }>`
    SELECT bin_id, sku_id, lot, sum(qty - qty_picked - qty_short - qty_cancelled)::int AS open
    FROM pick_task_lines WHERE warehouse_id = ${warehouseId} AND status = 'open' AND sku_id = ANY(${skuIds}::text[])
    GROUP BY bin_id, sku_id, lot`.execute(tx);
  return new Map(rows.rows.map((r) => [`${r.bin_id}|${r.sku_id}|${r.lot}`, r.open]));
}

/**
 * Takes `qty` units of a SKU from the pool in its order, all or nothing: returns the allocations and lowers the
 * pool, or returns the units that could be had (`got` < qty) and leaves the pool untouched.
 */
export function take(pool: Map<string, FreeStock[]>, skuId: string, qty: number, skip?: (s: FreeStock) => boolean): { allocations: Allocation[]; got: number } {
  const allocations: Allocation[] = [];
  let left = qty;
  for (const s of pool.get(skuId) ?? []) {
    if (left === 0) break;
    if (s.free <= 0 || skip?.(s)) continue;
    const q = Math.min(left, s.free);
    const { free: _f, expires_on: _e, ...where } = s;
    allocations.push({ ...where, qty: q });
    left -= q;
  }
  if (left > 0) return { allocations: [], got: qty - left };
  commit(pool, allocations);
  return { allocations, got: qty };
}

/** Lowers the pool by allocations made with `take` (used when a group of takes must succeed together). */
function commit(pool: Map<string, FreeStock[]>, allocations: Allocation[]): void {
  for (const a of allocations) {
    const s = pool.get(a.sku_id)!.find((x) => x.bin_id === a.bin_id && x.lot === a.lot)!;
    s.free -= a.qty;
  }
}

/** Gives allocations back to the pool (a group that failed as a whole). */
export function giveBack(pool: Map<string, FreeStock[]>, allocations: Allocation[]): void {
  for (const a of allocations) {
    const s = pool.get(a.sku_id)!.find((x) => x.bin_id === a.bin_id && x.lot === a.lot)!;
    s.free += a.qty;
  }
}

/**
 * The guard behind the in-memory allocation: fails the transaction (409 `bin_over_allocated`) when open pick
 * task lines promise more units of any bin × lot of these SKUs than it holds.
 */
export async function assertNotOverAllocated(tx: Executor, warehouseId: string, skuIds: string[]): Promise<void> {
  if (skuIds.length === 0) return;
  const r = await sql<{ bin_id: string; sku_id: string; lot: string; open: number; qty: number }>`
    SELECT a.bin_id, a.sku_id, a.lot, a.open, coalesce(bs.qty, 0) AS qty
    FROM (SELECT bin_id, sku_id, lot, sum(qty - qty_picked - qty_short - qty_cancelled)::int AS open
          FROM pick_task_lines WHERE warehouse_id = ${warehouseId} AND status = 'open' AND sku_id = ANY(${skuIds}::text[])
          GROUP BY bin_id, sku_id, lot) a
    LEFT JOIN bin_stock bs ON bs.warehouse_id = ${warehouseId} AND bs.bin_id = a.bin_id AND bs.sku_id = a.sku_id AND bs.lot = a.lot AND bs.state = 'available'
    WHERE a.open > coalesce(bs.qty, 0)
    LIMIT 1`.execute(tx);
  const bad = r.rows[0];
  if (bad) {
    throw new AppError('conflict', 'bin_over_allocated', `Bin stock changed while allocating: ${bad.open} unit(s) promised from a bin holding ${bad.qty}; try again`, { ...bad });
  }
}
