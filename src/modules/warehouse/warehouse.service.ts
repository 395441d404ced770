import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { emit } from '../../events/outbox.js';
import type { BinInput, BinView, WarehouseInput, WarehousePatch, WarehouseView } from './warehouse.types.js';

const WH_COLUMNS = ['id', 'code', 'name', 'address', 'lat', 'lng', 'timezone', 'cutoff_time', 'type', 'active', 'routing_priority', 'created_at'] as const;

/** True when the IANA time zone name is known to this runtime. */
export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function toWarehouse(r: Record<string, unknown>): WarehouseView {
  const v = r as unknown as WarehouseView;
  return { ...v, cutoff_time: v.cutoff_time ? String(v.cutoff_time).slice(0, 5) : null };
}

/** Creates a warehouse; emits `warehouse.created`. */
export async function createWarehouse(tx: Executor, input: WarehouseInput, actor?: string): Promise<WarehouseView> {
  if (!isValidTimezone(input.timezone)) {
    throw new AppError('invalid', 'invalid_timezone', `Unknown time zone ${input.timezone}; use an IANA name such as Asia/Kolkata`, { timezone: input.timezone });
  }
  if ((input.lat === undefined) !== (input.lng === undefined)) {
    throw new AppError('invalid', 'validation_failed', 'Give both lat and lng, or neither', {}, [{ path: 'body.lat', message: 'lat and lng go together' }]);
  }
  const row = await tx
    .insertInto('warehouses')
    .values({
      id: newId('wh'),
      code: input.code,
      name: input.name,
      address: JSON.stringify(input.address) as never,
      postal_code: input.address.postal_code,
      country: input.address.country,
      lat: input.lat ?? null,
      lng: input.lng ?? null,
      timezone: input.timezone,
      cutoff_time: input.cutoff_time ?? null,
      type: input.type ?? 'own',
      ...(input.routing_priority !== undefined ? { routing_priority: input.routing_priority } : {}),
    })
    .onConflict((oc) => oc.column('code').doNothing())
    .returning(WH_COLUMNS)
    .executeTakeFirst();
  if (!row) throw new AppError('conflict', 'warehouse_exists', `Warehouse ${input.code} already exists`, { code: input.code });
  await emit(tx, { type: 'warehouse.created', aggregateType: 'warehouse', aggregateId: row.id, payload: { code: row.code, name: row.name }, actor });
  return toWarehouse(row);
}

/**
 * Changes a warehouse's operating settings (name, cut-off, routing priority, active); emits `warehouse.updated`
 * with what changed. Deactivating it only stops new routing to it: the caller re-routes its open work.
 */
export async function updateWarehouse(tx: Executor, id: string, patch: WarehousePatch, actor?: string): Promise<{ before: WarehouseView; after: WarehouseView }> {
  const before = await tx.selectFrom('warehouses').select(WH_COLUMNS).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!before) throw new AppError('not_found', 'warehouse_not_found', `Warehouse ${id} was not found`, { warehouse: id });
  const set: Record<string, unknown> = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.cutoff_time !== undefined) set.cutoff_time = patch.cutoff_time;
  if (patch.routing_priority !== undefined) set.routing_priority = patch.routing_priority;
  if (patch.active !== undefined) set.active = patch.active;
  if (Object.keys(set).length === 0) return { before: toWarehouse(before), after: toWarehouse(before) };
  const after = await tx.updateTable('warehouses').set({ ...set, updated_at: new Date() }).where('id', '=', id).returning(WH_COLUMNS).executeTakeFirstOrThrow();
  await emit(tx, { type: 'warehouse.updated', aggregateType: 'warehouse', aggregateId: id, payload: { code: after.code, changes: set }, actor });
  return { before: toWarehouse(before), after: toWarehouse(after) };
}

/** A warehouse by id or code, or undefined. */
export async function findWarehouse(db: Executor, idOrCode: string): Promise<WarehouseView | undefined> {
  const row = await db
    .selectFrom('warehouses')
    .select(WH_COLUMNS)
    .where((eb) => eb.or([eb('id', '=', idOrCode), eb('code', '=', idOrCode)]))
    .executeTakeFirst();
  return row ? toWarehouse(row) : undefined;
}

/** A warehouse by id or code; throws `warehouse_not_found`. */
export async function getWarehouse(db: Executor, idOrCode: string): Promise<WarehouseView> {
  const wh = await findWarehouse(db, idOrCode);
  if (!wh) throw new AppError('not_found', 'warehouse_not_found', `Warehouse ${idOrCode} was not found`, { warehouse: idOrCode });
  return wh;
}

/** Warehouses, optionally limited to a scope (null = all). */
export async function listWarehouses(db: Executor, scope: string[] | null): Promise<WarehouseView[]> {
  let q = db.selectFrom('warehouses').select(WH_COLUMNS).orderBy('code');
  if (scope !== null) q = q.where('id', 'in', scope.length > 0 ? scope : ['']);
  return (await q.execute()).map(toWarehouse);
}

/**
 * Creates bins in a warehouse (one or many in one transaction); a zone named by code is created when missing.
 * All-or-nothing: one bad or duplicate bin fails the whole batch.
 */
export async function createBins(tx: Executor, warehouseId: string, bins: BinInput[], actor?: string): Promise<BinView[]> {
  const seen = new Set<string>();
  for (const b of bins) {
    if (seen.has(b.code)) throw new AppError('invalid', 'bin_exists', `Bin ${b.code} appears twice in the request`, { code: b.code });
    seen.add(b.code);
  }
  const zoneCodes = [...new Set(bins.map((b) => b.zone).filter((z): z is string => !!z))];
  const zoneIds = new Map<string, string>();
  if (zoneCodes.length > 0) {
    await tx
      .insertInto('zones')
      .values(zoneCodes.map((code) => ({ id: newId('zone'), warehouse_id: warehouseId, code, name: null })))
      .onConflict((oc) => oc.columns(['warehouse_id', 'code']).doNothing())
      .execute();
    const zones = await tx.selectFrom('zones').select(['id', 'code']).where('warehouse_id', '=', warehouseId).where('code', 'in', zoneCodes).execute();
    for (const z of zones) zoneIds.set(z.code, z.id);
  }
  const rows = await tx
    .insertInto('bins')
    .values(
      bins.map((b) => ({
        id: newId('bin'),
        warehouse_id: warehouseId,
        zone_id: b.zone ? zoneIds.get(b.zone)! : null,
        code: b.code,
        walk_sequence: b.walk_sequence ?? 0,
        capacity_units: b.capacity_units ?? null,
        pickable: b.pickable ?? true,
        aisle: b.aisle ?? null,
        position: b.position ?? null,
      })),
    )
    .onConflict((oc) => oc.columns(['warehouse_id', 'code']).doNothing())
    .returning(['id', 'code'])
    .execute();
  if (rows.length !== bins.length) {
    const created = new Set(rows.map((r) => r.code));
    const dup = bins.filter((b) => !created.has(b.code)).map((b) => b.code);
    throw new AppError('conflict', 'bin_exists', `Bin(s) already exist in this warehouse: ${dup.slice(0, 10).join(', ')}`, { codes: dup });
  }
  await emit(tx, { type: 'bins.created', aggregateType: 'warehouse', aggregateId: warehouseId, payload: { count: rows.length, codes: rows.slice(0, 100).map((r) => r.code) }, actor });
  return listBins(tx, warehouseId, { codes: rows.map((r) => r.code) });
}

/** Bins of a warehouse in walk order. */
export async function listBins(db: Executor, warehouseId: string, filter: { codes?: string[]; zone?: string } = {}): Promise<BinView[]> {
  let q = db
    .selectFrom('bins as b')
    .leftJoin('zones as z', 'z.id', 'b.zone_id')
    .select(['b.id', 'b.warehouse_id', 'b.code', 'z.code as zone', 'b.zone_id', 'b.walk_sequence', 'b.capacity_units', 'b.pickable', 'b.active', 'b.aisle', 'b.position'])
    .where('b.warehouse_id', '=', warehouseId)
    .orderBy('b.walk_sequence')
    .orderBy('b.code');
  if (filter.codes) q = q.where('b.code', 'in', filter.codes.length > 0 ? filter.codes : ['']);
  if (filter.zone) q = q.where('z.code', '=', filter.zone);
  return q.execute();
}

/** A bin by id, or by code within a warehouse; throws `bin_not_found`. */
export async function getBin(db: Executor, warehouseId: string, idOrCode: string): Promise<BinView> {
  const [bin] = await db
    .selectFrom('bins as b')
    .leftJoin('zones as z', 'z.id', 'b.zone_id')
    .select(['b.id', 'b.warehouse_id', 'b.code', 'z.code as zone', 'b.zone_id', 'b.walk_sequence', 'b.capacity_units', 'b.pickable', 'b.active', 'b.aisle', 'b.position'])
    .where('b.warehouse_id', '=', warehouseId)
    .where((eb) => eb.or([eb('b.id', '=', idOrCode), eb('b.code', '=', idOrCode)]))
    .execute();
  if (!bin) throw new AppError('not_found', 'bin_not_found', `Bin ${idOrCode} was not found in warehouse ${warehouseId}`, { bin: idOrCode, warehouse_id: warehouseId });
  return bin;
}

/** Counts of bins per warehouse (for dashboards and the demo). */
export async function countBins(db: Executor): Promise<Record<string, number>> {
  const rows = await sql<{ warehouse_id: string; n: number }>`select warehouse_id, count(*)::int as n from bins group by warehouse_id`.execute(db);
  return Object.fromEntries(rows.rows.map((r) => [r.warehouse_id, r.n]));
}
