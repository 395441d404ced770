import type { Executor } from '../../db/database.js';
import type { EventInput } from '../../events/outbox.js';
import { binNotFound, binUnderCount, binWrongWarehouse, invalidInput } from './inventory.errors.js';
import { binWarehouses, binsUnderCount, kitIds, skuCodes } from './inventory.repo.js';
import type { LevelChange } from './inventory.types.js';

/** Checks shared by the commands: they run inside the command's transaction, before any write. */

export const MAX_QTY = 1_000_000_000;

/** A quantity must be a positive whole number (the HTTP schema says so too; services do not trust callers). */
export function assertQty(qty: number, path = 'qty'): void {
  if (!Number.isSafeInteger(qty) || qty < 1 || qty > MAX_QTY) {
    throw invalidInput('validation_failed', `${path} must be a whole number from 1 to ${MAX_QTY}`, { [path]: qty });
  }
}

export const normLot = (lot: string | undefined | null): string => lot ?? '';

/** Every bin exists and belongs to the warehouse (a bin of another warehouse is `bin_wrong_warehouse`). */
export async function assertBinsIn(db: Executor, warehouseId: string, binIds: (string | null | undefined)[]): Promise<void> {
  const ids = [...new Set(binIds.filter((b): b is string => !!b))];
  if (ids.length === 0) return;
  const owners = await binWarehouses(db, ids);
  for (const id of ids) {
    const owner = owners.get(id);
    if (!owner) throw binNotFound(id, warehouseId);
    if (owner !== warehouseId) throw binWrongWarehouse(id, warehouseId);
  }
}

/** No bin is in an open cycle count: counted bins are blocked for picking, moves, receipts and adjustments. */
export async function assertNotUnderCount(db: Executor, binIds: (string | null | undefined)[]): Promise<void> {
  const blocked = await binsUnderCount(db, [...new Set(binIds.filter((b): b is string => !!b))]);
  if (blocked.length > 0) throw binUnderCount(blocked.sort());
}

/** Kits have no stock of their own: their components do. */
export async function assertNotKits(db: Executor, skuIds: string[]): Promise<void> {
  const kits = await kitIds(db, skuIds);
  if (kits.length > 0) {
    const codes = await skuCodes(db, kits);
    throw invalidInput('sku_is_kit', `${kits.map((k) => codes.get(k) ?? k).join(', ')} is a kit; stock is kept for its components`, { skus: kits.map((k) => codes.get(k) ?? k) });
  }
}

/** The SKU's code for a message (falls back to the id). */
export async function skuLabel(db: Executor, skuId: string): Promise<string> {
  return (await skuCodes(db, [skuId])).get(skuId) ?? skuId;
}

/**
 * `stock.changed`: the new figures of one SKU × warehouse, for channel sync and dashboards.
 * Only the last figures of each level in a command matter, so callers pass one change per level.
 */
export function stockChanged(levels: Iterable<LevelChange>, actor?: string): EventInput[] {
  const latest = new Map<string, LevelChange>();
  for (const l of levels) latest.set(`${l.warehouse_id}|${l.sku_id}`, l);
  return [...latest.values()].map((l) => ({
    type: 'stock.changed',
    aggregateType: 'sku',
    aggregateId: l.sku_id,
    payload: {
      sku_id: l.sku_id,
      warehouse_id: l.warehouse_id,
      on_hand: l.on_hand,
      reserved: l.reserved,
      available: l.on_hand - l.reserved,
      damaged: l.damaged,
      quarantine: l.quarantine,
      in_transit: l.in_transit,
    },
    actor,
  }));
}

/** Sort key for deterministic lock order of level rows. */
export const levelKey = (warehouseId: string, skuId: string): string => `${warehouseId}\u0000${skuId}`;

/** Sort key for deterministic lock order of bin rows. */
export const binKey = (l: { warehouse_id: string; bin_id: string | null; sku_id: string; lot: string; state: string }): string =>
  [l.warehouse_id, l.bin_id ?? '', l.sku_id, l.lot, l.state].join('\u0000');
