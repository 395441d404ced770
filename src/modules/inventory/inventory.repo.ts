import { sql } from 'kysely';
import { prepared, type Executor } from '../../db/database.js';
import type { InventoryLedgerTable } from '../../db/tables/inventory.js';
import type { Insertable } from 'kysely';
import type { LedgerState, LevelChange, Location } from './inventory.types.js';

/**
 * The inventory module's SQL. Counters change only through the guarded statements here: a guard in the
 * WHERE clause, zero rows back = not enough. Callers lock stock_levels rows before bin_stock rows, each
 * kind in (warehouse_id, sku_id[, bin, lot]) order, so concurrent commands do not deadlock.
 */

const LEVEL_RETURNING = sql`sku_id, warehouse_id, on_hand, reserved, damaged, quarantine, in_transit`;

/** The stock_levels column that holds a state's quantity. */
export const levelColumn = (state: LedgerState): 'on_hand' | 'damaged' | 'quarantine' | 'in_transit' =>
  state === 'available' ? 'on_hand' : state;

/** Adds units to a state's counter, creating the level row when it is missing. */
export async function addToLevel(tx: Executor, skuId: string, warehouseId: string, state: LedgerState, qty: number): Promise<LevelChange> {
  const col = sql.ref(levelColumn(state));
  const r = await sql<LevelChange>`
    INSERT INTO stock_levels AS s (sku_id, warehouse_id, ${col}) VALUES (${skuId}, ${warehouseId}, ${qty})
    ON CONFLICT (sku_id, warehouse_id) DO UPDATE SET ${col} = s.${col} + EXCLUDED.${col}, updated_at = now()
    RETURNING ${LEVEL_RETURNING}`.execute(tx);
  return r.rows[0]!;
}

/**
 * Takes units out of a state's counter. Available units that are reserved cannot be taken:
 * the guard is `on_hand - reserved >= qty`. Returns undefined when there are not enough.
 */
export async function takeFromLevel(tx: Executor, skuId: string, warehouseId: string, state: LedgerState, qty: number): Promise<LevelChange | undefined> {
  const r =
    state === 'available'
      ? await sql<LevelChange>`
          UPDATE stock_levels SET on_hand = on_hand - ${qty}, updated_at = now()
          WHERE sku_id = ${skuId} AND warehouse_id = ${warehouseId} AND on_hand - reserved >= ${qty}
          RETURNING ${LEVEL_RETURNING}`.execute(tx)
      : await sql<LevelChange>`
          UPDATE stock_levels SET ${sql.ref(levelColumn(state))} = ${sql.ref(levelColumn(state))} - ${qty}, updated_at = now()
          WHERE sku_id = ${skuId} AND warehouse_id = ${warehouseId} AND ${sql.ref(levelColumn(state))} >= ${qty}
          RETURNING ${LEVEL_RETURNING}`.execute(tx);
  return r.rows[0];
}

/** Moves units between two states of one level row in one guarded statement (available → damaged needs unreserved units). */
export async function shiftLevelState(tx: Executor, skuId: string, warehouseId: string, from: LedgerState, to: LedgerState, qty: number): Promise<LevelChange | undefined> {
  const f = sql.ref(levelColumn(from));
  const t = sql.ref(levelColumn(to));
  const guard = from === 'available' ? sql`on_hand - reserved >= ${qty}` : sql`${f} >= ${qty}`;
  const r = await sql<LevelChange>`
    UPDATE stock_levels SET ${f} = ${f} - ${qty}, ${t} = ${t} + ${qty}, updated_at = now()
    WHERE sku_id = ${skuId} AND warehouse_id = ${warehouseId} AND ${guard}
    RETURNING ${LEVEL_RETURNING}`.execute(tx);
  return r.rows[0];
}

/** The reserve guard: `reserved += qty` only while `on_hand - reserved >= qty`. */
export async function reserveLevel(tx: Executor, skuId: string, warehouseId: string, qty: number): Promise<LevelChange | undefined> {
  const r = await sql<LevelChange>`
    UPDATE stock_levels SET reserved = reserved + ${qty}, updated_at = now()
    WHERE sku_id = ${skuId} AND warehouse_id = ${warehouseId} AND on_hand - reserved >= ${qty}
    RETURNING ${LEVEL_RETURNING}`.execute(tx);
  return r.rows[0];
}

export interface HotReservation {
  ids: string[];
  ref: string;
  ref_lines: string[];
  qtys: number[];
  sku_id: string;
  warehouse_id: string;
  total: number;
  actor: string | null;
  /** Outbox ids and the stock.reserved payload, made by the caller; stock.changed's payload is built from the updated row. */
  reserved_event: { id: string; payload: unknown };
  changed_event_id: string;
}

/**
 * The hot path: one SKU × warehouse, all or nothing, in ONE statement — the guarded update, the reservation
 * rows, their ledger rows and the two outbox events (stock.reserved, stock.changed; the same columns
 * `emit` writes). Every insert reads the update's result, so when the guard fails nothing is written, and the
 * statement is atomic even outside a transaction. The level row stays locked only until the caller commits;
 * one round trip instead of five is what lets a single hot SKU take well over a thousand reservations a second.
 * Returns the new level, or undefined when there is not enough.
 */
export async function reserveHot(tx: Executor, r: HotReservation): Promise<(LevelChange & { created_at: Date }) | undefined> {
  const res = await sql<LevelChange & { created_at: Date }>`${prepared('inventory_reserve_hot')}
    WITH upd AS (
      UPDATE stock_levels SET reserved = reserved + ${r.total}, updated_at = now()
      WHERE sku_id = ${r.sku_id} AND warehouse_id = ${r.warehouse_id} AND on_hand - reserved >= ${r.total}
      RETURNING sku_id, warehouse_id, on_hand, reserved, damaged, quarantine, in_transit, updated_at),
    lines AS (SELECT * FROM unnest(${r.ids}::text[], ${r.ref_lines}::text[], ${r.qtys}::int[]) AS l(id, ref_line, qty)),
    res AS (
      INSERT INTO reservations (id, ref, ref_line, sku_id, warehouse_id, qty, created_at, updated_at)
      SELECT l.id, ${r.ref}, l.ref_line, upd.sku_id, upd.warehouse_id, l.qty, upd.updated_at, upd.updated_at FROM upd, lines l),
    led AS (
      INSERT INTO inventory_ledger (type, sku_id, warehouse_id, delta, reserved_delta, reference, actor)
      SELECT 'reserve', upd.sku_id, upd.warehouse_id, 0, l.qty, ${r.ref}, ${r.actor} FROM upd, lines l),
    evt AS (
      INSERT INTO outbox (id, type, aggregate_type, aggregate_id, payload, actor)
      SELECT ${r.reserved_event.id}, 'stock.reserved', 'reservation', ${r.ref}, ${JSON.stringify(r.reserved_event.payload)}::jsonb, ${r.actor} FROM upd
      UNION ALL
      SELECT ${r.changed_event_id}, 'stock.changed', 'sku', upd.sku_id,
             jsonb_build_object('sku_id', upd.sku_id, 'warehouse_id', upd.warehouse_id, 'on_hand', upd.on_hand, 'reserved', upd.reserved,
                                'available', upd.on_hand - upd.reserved, 'damaged', upd.damaged, 'quarantine', upd.quarantine, 'in_transit', upd.in_transit),
             ${r.actor} FROM upd)
    SELECT sku_id, warehouse_id, on_hand, reserved, damaged, quarantine, in_transit, updated_at AS created_at FROM upd`.execute(tx);
  return res.rows[0];
}

/** Gives back reserved units (`reserved >= qty` guard). */
export async function unreserveLevel(tx: Executor, skuId: string, warehouseId: string, qty: number): Promise<LevelChange | undefined> {
  const r = await sql<LevelChange>`
    UPDATE stock_levels SET reserved = reserved - ${qty}, updated_at = now()
    WHERE sku_id = ${skuId} AND warehouse_id = ${warehouseId} AND reserved >= ${qty}
    RETURNING ${LEVEL_RETURNING}`.execute(tx);
  return r.rows[0];
}

/** Ships reserved units: on_hand and reserved both go down (`reserved >= qty` guard; on_hand >= reserved by CHECK). */
export async function commitLevel(tx: Executor, skuId: string, warehouseId: string, qty: number): Promise<LevelChange | undefined> {
  const r = await sql<LevelChange>`
    UPDATE stock_levels SET on_hand = on_hand - ${qty}, reserved = reserved - ${qty}, updated_at = now()
    WHERE sku_id = ${skuId} AND warehouse_id = ${warehouseId} AND reserved >= ${qty}
    RETURNING ${LEVEL_RETURNING}`.execute(tx);
  return r.rows[0];
}

/** The level row, or undefined (for error details and views). */
export async function findLevel(db: Executor, skuId: string, warehouseId: string): Promise<LevelChange | undefined> {
  return db
    .selectFrom('stock_levels')
    .select(['sku_id', 'warehouse_id', 'on_hand', 'reserved', 'damaged', 'quarantine', 'in_transit'])
    .where('sku_id', '=', skuId)
    .where('warehouse_id', '=', warehouseId)
    .executeTakeFirst();
}

/** Puts units in a bin (or the unplaced pool); keeps the earliest receipt time and the known expiry of the lot. */
export async function addToBin(tx: Executor, loc: Location, qty: number, expiresOn: string | null): Promise<void> {
  await sql`
    INSERT INTO bin_stock AS b (warehouse_id, bin_id, sku_id, lot, state, qty, expires_on)
    VALUES (${loc.warehouse_id}, ${loc.bin_id}, ${loc.sku_id}, ${loc.lot}, ${loc.state}, ${qty}, ${expiresOn})
    ON CONFLICT (warehouse_id, bin_id, sku_id, lot, state) DO UPDATE
      SET qty = b.qty + EXCLUDED.qty, expires_on = COALESCE(b.expires_on, EXCLUDED.expires_on), updated_at = now()`.execute(tx);
}

/** Takes units from a bin (`qty >= n` guard); returns the row's expiry, or undefined when it holds too few. */
export async function takeFromBin(tx: Executor, loc: Location, qty: number): Promise<{ expires_on: string | null } | undefined> {
  const r = await sql<{ expires_on: string | null }>`
    UPDATE bin_stock SET qty = qty - ${qty}, updated_at = now()
    WHERE warehouse_id = ${loc.warehouse_id} AND bin_id IS NOT DISTINCT FROM ${loc.bin_id} AND sku_id = ${loc.sku_id}
      AND lot = ${loc.lot} AND state = ${loc.state} AND qty >= ${qty}
    RETURNING expires_on`.execute(tx);
  return r.rows[0];
}

/** Units in one bin location (0 when there is no row). */
export async function binQty(db: Executor, loc: Location): Promise<number> {
  const r = await sql<{ qty: number }>`
    SELECT qty FROM bin_stock WHERE warehouse_id = ${loc.warehouse_id} AND bin_id IS NOT DISTINCT FROM ${loc.bin_id}
      AND sku_id = ${loc.sku_id} AND lot = ${loc.lot} AND state = ${loc.state}`.execute(db);
  return r.rows[0]?.qty ?? 0;
}

/** The expiry recorded for one bin location's lot, if any. */
export async function binExpiry(db: Executor, loc: Location): Promise<string | null> {
  const r = await sql<{ expires_on: string | null }>`
    SELECT expires_on FROM bin_stock WHERE warehouse_id = ${loc.warehouse_id} AND bin_id IS NOT DISTINCT FROM ${loc.bin_id}
      AND sku_id = ${loc.sku_id} AND lot = ${loc.lot} AND state = ${loc.state}`.execute(db);
  return r.rows[0]?.expires_on ?? null;
}

export interface PickCandidate {
  bin_id: string | null;
  lot: string;
  qty: number;
  expires_on: string | null;
}

/**
 * Available units of a SKU in a warehouse in the order they should leave: pickable bins first, then
 * earliest expiry (FEFO), earliest receipt (FIFO), walk sequence; unplaced stock last. Bins under count are
 * skipped. The rows are locked, in that order.
 */
export async function lockPickCandidates(tx: Executor, warehouseId: string, skuId: string): Promise<PickCandidate[]> {
  const r = await sql<PickCandidate>`
    SELECT bs.bin_id, bs.lot, bs.qty, bs.expires_on
    FROM bin_stock bs LEFT JOIN bins b ON b.id = bs.bin_id
    WHERE bs.warehouse_id = ${warehouseId} AND bs.sku_id = ${skuId} AND bs.state = 'available' AND bs.qty > 0
      AND NOT EXISTS (SELECT 1 FROM cycle_count_bins c WHERE c.bin_id = bs.bin_id AND c.open)
    ORDER BY (bs.bin_id IS NULL), (b.pickable IS NOT TRUE), bs.expires_on NULLS LAST, bs.received_at, b.walk_sequence, bs.bin_id, bs.lot
    FOR UPDATE OF bs`.execute(tx);
  return r.rows;
}

/** The bins among these that are in an open cycle count. */
export async function binsUnderCount(db: Executor, binIds: string[]): Promise<string[]> {
  if (binIds.length === 0) return [];
  const rows = await db.selectFrom('cycle_count_bins').select('bin_id').where('bin_id', 'in', binIds).where('open', '=', true).execute();
  return rows.map((r) => r.bin_id);
}

/** Each bin's warehouse (bins that do not exist are absent). */
export async function binWarehouses(db: Executor, binIds: string[]): Promise<Map<string, string>> {
  if (binIds.length === 0) return new Map();
  const rows = await db.selectFrom('bins').select(['id', 'warehouse_id']).where('id', 'in', binIds).execute();
  return new Map(rows.map((r) => [r.id, r.warehouse_id]));
}

/** SKU codes by id, for messages and views. */
export async function skuCodes(db: Executor, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('skus').select(['id', 'sku']).where('id', 'in', [...new Set(ids)]).execute();
  return new Map(rows.map((r) => [r.id, r.sku]));
}

/** Kit SKUs among these ids (kits have no stock of their own). */
export async function kitIds(db: Executor, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('skus').select('id').where('id', 'in', [...new Set(ids)]).where('is_kit', '=', true).execute();
  return rows.map((r) => r.id);
}

export type LedgerRow = Insertable<InventoryLedgerTable>;

/** Appends rows to the ledger (never updated or deleted; a trigger refuses both). */
export async function appendLedger(tx: Executor, rows: LedgerRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.insertInto('inventory_ledger').values(rows).execute();
}
