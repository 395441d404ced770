import { withTx, type Db, type Executor } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { canAccessWarehouse, type Principal } from '../modules/auth/index.js';
import { kitComponents, resolveSkus } from '../modules/catalog/index.js';
import { getBin, getWarehouse } from '../modules/warehouse/index.js';
import * as inventory from '../modules/inventory/index.js';
import type { AdjustReason, ReserveMode, StockState } from '../modules/inventory/index.js';

/**
 * Stock commands as the API and the CLI give them: SKU, warehouse and bin codes (or ids) are resolved
 * through catalog and warehouse, kits are expanded into their components, the caller's warehouse scope is
 * checked, then the inventory command runs — all in one transaction.
 */

export type Caller = Pick<Principal, 'id' | 'warehouseIds'>;

/** A warehouse the caller may see; outside the scope it does not exist for them (404, same as unknown). */
export async function warehouseFor(tx: Executor, caller: Caller, ref: string): Promise<string> {
  const wh = await getWarehouse(tx, ref);
  if (!canAccessWarehouse(caller as Principal, wh.id)) throw new AppError('not_found', 'warehouse_not_found', `Warehouse ${ref} was not found`, { warehouse: ref });
  return wh.id;
}

/** Ids of SKU codes (or ids); an unknown one is sku_not_found. */
export async function skuIdsFor(tx: Executor, refs: string[]): Promise<Map<string, { id: string; sku: string; is_kit: boolean }>> {
  const found = await resolveSkus(tx, refs);
  for (const r of refs) if (!found.has(r)) throw new AppError('not_found', 'sku_not_found', `SKU ${r} was not found`, { sku: r });
  return found;
}

/**
 * A bin of the warehouse by code or id. A bin id of another warehouse is passed on, so the inventory
 * command reports it as bin_wrong_warehouse rather than unknown.
 */
export async function binFor(tx: Executor, warehouseId: string, ref: string | undefined | null): Promise<string | null> {
  if (ref === undefined || ref === null) return null;
  try {
    return (await getBin(tx, warehouseId, ref)).id;
  } catch (err) {
    if (err instanceof AppError && err.code === 'bin_not_found' && /^bin_[0-9a-z]+$/.test(ref)) return ref;
    throw err;
  }
}

export interface ReceiveRequest {
  warehouse_id: string;
  lines: { sku: string; qty: number; bin?: string | undefined; lot?: string | undefined; expires_on?: string | undefined; state?: StockState | undefined }[];
  reference?: string | undefined;
}

/** Receives goods into a warehouse. */
export async function receiveStock(db: Db, caller: Caller, req: ReceiveRequest) {
  return withTx(db, async (tx) => {
    const wh = await warehouseFor(tx, caller, req.warehouse_id);
    const skus = await skuIdsFor(tx, req.lines.map((l) => l.sku));
    const lines = [];
    for (const l of req.lines) {
      lines.push({ sku_id: skus.get(l.sku)!.id, qty: l.qty, bin_id: await binFor(tx, wh, l.bin), lot: l.lot, expires_on: l.expires_on, state: l.state });
    }
    return inventory.receiveStock(tx, { warehouse_id: wh, lines, reference: req.reference, actor: caller.id });
  });
}

export interface AdjustRequest {
  warehouse_id: string;
  sku: string;
  bin?: string | undefined;
  lot?: string | undefined;
  state?: StockState | undefined;
  delta: number;
  reason: AdjustReason;
  note?: string | undefined;
  reference?: string | undefined;
}

/** Adjusts stock with a reason. */
export async function adjustStock(db: Db, caller: Caller, req: AdjustRequest) {
  return withTx(db, async (tx) => {
    const wh = await warehouseFor(tx, caller, req.warehouse_id);
    const sku = (await skuIdsFor(tx, [req.sku])).get(req.sku)!;
    const r = await inventory.adjustStock(tx, { warehouse_id: wh, sku_id: sku.id, bin_id: await binFor(tx, wh, req.bin), lot: req.lot, state: req.state, delta: req.delta, reason: req.reason, note: req.note, reference: req.reference, actor: caller.id });
    return { sku: sku.sku, ...r };
  });
}

export interface MoveRequest {
  warehouse_id: string;
  sku: string;
  qty: number;
  from_bin?: string | undefined;
  to_bin?: string | undefined;
  lot?: string | undefined;
  from_state?: StockState | undefined;
  to_state?: StockState | undefined;
  reference?: string | undefined;
}

/** Moves units bin → bin (putaway when from_bin is absent) and/or between states. */
export async function moveStock(db: Db, caller: Caller, req: MoveRequest) {
  return withTx(db, async (tx) => {
    const wh = await warehouseFor(tx, caller, req.warehouse_id);
    const sku = (await skuIdsFor(tx, [req.sku])).get(req.sku)!;
    const r = await inventory.moveStock(tx, {
      warehouse_id: wh, sku_id: sku.id, qty: req.qty, from_bin_id: await binFor(tx, wh, req.from_bin), to_bin_id: await binFor(tx, wh, req.to_bin),
      lot: req.lot, from_state: req.from_state, to_state: req.to_state, reference: req.reference, actor: caller.id,
    });
    return { sku: sku.sku, ...r };
  });
}

export interface ReserveRequest {
  ref: string;
  mode?: ReserveMode | undefined;
  lines: { ref_line?: string | undefined; sku: string; warehouse_id: string; qty: number }[];
}

/** Resolves reserve lines: codes to ids, kits to their components (qty × component qty, same ref_line). */
export async function reserveLinesFor(tx: Executor, caller: Caller, lines: ReserveRequest['lines']) {
  const skus = await skuIdsFor(tx, lines.map((l) => l.sku));
  const kits = await kitComponents(tx, [...new Set(lines.map((l) => skus.get(l.sku)!).filter((s) => s.is_kit).map((s) => s.id))]);
  const whs = new Map<string, string>();
  const out: inventory.ReserveInput['lines'] = [];
  for (const [i, l] of lines.entries()) {
    const wh = whs.get(l.warehouse_id) ?? (await warehouseFor(tx, caller, l.warehouse_id));
    whs.set(l.warehouse_id, wh);
    const sku = skus.get(l.sku)!;
    const refLine = l.ref_line ?? String(i + 1);
    if (!sku.is_kit) {
      out.push({ ref_line: refLine, sku_id: sku.id, sku: sku.sku, warehouse_id: wh, qty: l.qty });
      continue;
    }
    const parts = kits.get(sku.id) ?? [];
    if (parts.length === 0) throw new AppError('invalid', 'validation_failed', `Kit ${sku.sku} has no components`, { sku: sku.sku });
    for (const c of parts) out.push({ ref_line: refLine, sku_id: c.sku_id, sku: c.sku, warehouse_id: wh, qty: l.qty * c.qty });
  }
  return out;
}

/** Reserves stock for a reference (an order, an integration's id), kits as their components. */
export async function reserveStock(db: Db, caller: Caller, req: ReserveRequest) {
  return withTx(db, async (tx) => inventory.reserveStock(tx, { ref: req.ref, mode: req.mode, lines: await reserveLinesFor(tx, caller, req.lines), actor: caller.id }));
}

/** A reservation the caller may see (outside the scope: reservation_not_found). */
async function reservationFor(tx: Executor, caller: Caller, id: string) {
  const r = await inventory.getReservation(tx, id);
  if (!canAccessWarehouse(caller as Principal, r.warehouse_id)) throw new AppError('not_found', 'reservation_not_found', `Reservation ${id} was not found`, { reservation_id: id });
  return r;
}

/** Releases reservations by id (or part of one), or all open ones of a ref within the caller's scope. */
export async function releaseStock(db: Db, caller: Caller, req: { reservation_ids?: string[] | undefined; ref?: string | undefined; ref_line?: string | undefined; qty?: number | undefined }) {
  return withTx(db, async (tx) => {
    if (req.reservation_ids) for (const id of req.reservation_ids) await reservationFor(tx, caller, id);
    if (req.ref !== undefined && caller.warehouseIds !== null) {
      const open = await inventory.listReservations(tx, { ref: req.ref, status: 'open' });
      if (open.some((r) => !canAccessWarehouse(caller as Principal, r.warehouse_id))) throw new AppError('not_found', 'reservation_not_found', `Reservation ${req.ref} was not found`, { reservation_id: req.ref });
    }
    return inventory.releaseReservations(tx, { ...req, actor: caller.id });
  });
}

/** Commit on ship for one reservation, with picks by bin code (or FEFO when absent). */
export async function commitStock(db: Db, caller: Caller, id: string, req: { qty?: number | undefined; picks?: { bin?: string | undefined; lot?: string | undefined; qty: number }[] | undefined; reference?: string | undefined }) {
  return withTx(db, async (tx) => {
    const r = await reservationFor(tx, caller, id);
    const picks = req.picks ? await Promise.all(req.picks.map(async (p) => ({ bin_id: await binFor(tx, r.warehouse_id, p.bin), lot: p.lot, qty: p.qty }))) : undefined;
    return inventory.commitReservation(tx, { reservation_id: id, qty: req.qty, picks, reference: req.reference, actor: caller.id });
  });
}

/** A reservation by id within the caller's scope. */
export async function getReservationFor(db: Db, caller: Caller, id: string) {
  return reservationFor(db, caller, id);
}
