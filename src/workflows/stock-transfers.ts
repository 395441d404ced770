import { withTx, type Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { canAccessWarehouse, type Principal } from '../modules/auth/index.js';
import * as inventory from '../modules/inventory/index.js';
import { binFor, skuIdsFor, warehouseFor, type Caller } from './stock-commands.js';

/**
 * Transfers between warehouses and cycle counts as the API gives them (codes resolved, scope checked),
 * one transaction each. A transfer is created, shipped and cancelled by its source warehouse's staff
 * and received by its destination's; a key scoped to either may read it.
 */

const inScope = (caller: Caller, wh: string): boolean => canAccessWarehouse(caller as Principal, wh);

async function transferFor(db: Db, caller: Caller, id: string, side: 'from' | 'to' | 'either'): Promise<inventory.TransferView> {
  const t = await inventory.getTransfer(db, id);
  const ok = side === 'from' ? inScope(caller, t.from_warehouse_id) : side === 'to' ? inScope(caller, t.to_warehouse_id) : inScope(caller, t.from_warehouse_id) || inScope(caller, t.to_warehouse_id);
  if (!ok) throw new AppError('not_found', 'transfer_not_found', `Transfer ${id} was not found`, { transfer_id: id });
  return t;
}

/** Creates a transfer (reserving its units at the source). */
export async function createTransfer(db: Db, caller: Caller, req: { from_warehouse_id: string; to_warehouse_id: string; lines: { sku: string; qty: number }[]; reference?: string | undefined }) {
  return withTx(db, async (tx) => {
    const from = await warehouseFor(tx, caller, req.from_warehouse_id);
    // The destination need not be in the caller's scope: a store may send stock to any warehouse.
    const to = await warehouseFor(tx, { ...caller, warehouseIds: null }, req.to_warehouse_id);
    const skus = await skuIdsFor(tx, req.lines.map((l) => l.sku));
    return inventory.createTransfer(tx, { from_warehouse_id: from, to_warehouse_id: to, lines: req.lines.map((l) => ({ sku_id: skus.get(l.sku)!.id, sku: skus.get(l.sku)!.sku, qty: l.qty })), reference: req.reference, actor: caller.id });
  });
}

/** A transfer the caller may see. */
export const getTransferFor = (db: Db, caller: Caller, id: string) => transferFor(db, caller, id, 'either');

/** Ships a transfer from its source. */
export async function shipTransfer(db: Db, caller: Caller, id: string) {
  return withTx(db, async (tx) => {
    await transferFor(tx, caller, id, 'from');
    return inventory.shipTransfer(tx, id, caller.id);
  });
}

/** Receives (part of) a transfer at its destination; `close` records what is missing as discrepancies. */
export async function receiveTransfer(db: Db, caller: Caller, id: string, req: { lines?: { sku: string; qty: number; bin?: string | undefined; lot?: string | undefined; expires_on?: string | undefined }[] | undefined; close?: boolean | undefined }) {
  return withTx(db, async (tx) => {
    const t = await transferFor(tx, caller, id, 'to');
    const lines = req.lines ?? [];
    const skus = await skuIdsFor(tx, lines.map((l) => l.sku));
    const resolved = [];
    for (const l of lines) resolved.push({ sku_id: skus.get(l.sku)!.id, qty: l.qty, bin_id: await binFor(tx, t.to_warehouse_id, l.bin), lot: l.lot, expires_on: l.expires_on });
    return inventory.receiveTransfer(tx, id, { lines: resolved, close: req.close, actor: caller.id });
  });
}

/** Cancels a transfer that has not shipped. */
export async function cancelTransfer(db: Db, caller: Caller, id: string) {
  return withTx(db, async (tx) => {
    await transferFor(tx, caller, id, 'from');
    return inventory.cancelTransfer(tx, id, caller.id);
  });
}

async function countFor(db: Db, caller: Caller, id: string): Promise<inventory.CountView> {
  const c = await inventory.getCount(db, id);
  if (!inScope(caller, c.warehouse_id)) throw new AppError('not_found', 'count_not_found', `Cycle count ${id} was not found`, { count_id: id });
  return c;
}

/** Opens a cycle count for bins (codes or ids) of a warehouse. */
export async function openCount(db: Db, caller: Caller, req: { warehouse_id: string; bins: string[] }) {
  return withTx(db, async (tx) => {
    const wh = await warehouseFor(tx, caller, req.warehouse_id);
    const bins: string[] = [];
    for (const b of req.bins) bins.push((await binFor(tx, wh, b))!);
    return inventory.openCount(tx, { warehouse_id: wh, bin_ids: bins, actor: caller.id });
  });
}

/** A cycle count the caller may see. */
export const getCountFor = countFor;

/** Records the counted content of one bin. */
export async function recordCount(db: Db, caller: Caller, id: string, req: { bin: string; lines: { sku: string; lot?: string | undefined; qty: number }[] }) {
  return withTx(db, async (tx) => {
    const c = await countFor(tx, caller, id);
    const bin = (await binFor(tx, c.warehouse_id, req.bin))!;
    const skus = await skuIdsFor(tx, req.lines.map((l) => l.sku));
    return inventory.recordCount(tx, id, { bin_id: bin, lines: req.lines.map((l) => ({ sku_id: skus.get(l.sku)!.id, lot: l.lot, qty: l.qty })), actor: caller.id });
  });
}

/** The variance report of a count. */
export async function countVariance(db: Db, caller: Caller, id: string) {
  await countFor(db, caller, id);
  return inventory.countVariance(db, id);
}

/** Posts a count: its variances become adjustments with reason `count`. */
export async function postCount(db: Db, caller: Caller, id: string) {
  return withTx(db, async (tx) => {
    await countFor(tx, caller, id);
    return inventory.postCount(tx, id, caller.id);
  });
}

/** Cancels an open count. */
export async function cancelCount(db: Db, caller: Caller, id: string) {
  return withTx(db, async (tx) => {
    await countFor(tx, caller, id);
    return inventory.cancelCount(tx, id, caller.id);
  });
}
