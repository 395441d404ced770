import type { Executor } from '../../db/database.js';
import { emit } from '../../events/outbox.js';
import { AppError } from '../../shared/errors.js';
import { ulid } from '../../shared/ids.js';

/** The packing catalog of a warehouse: carton sizes (inner dimensions), what each may hold, and its own weight. */

export interface CartonView {
  id: string;
  warehouse_id: string;
  code: string;
  length_mm: number;
  width_mm: number;
  height_mm: number;
  max_weight_g: number;
  tare_weight_g: number;
  active: boolean;
}

export interface CartonInput {
  code: string;
  length_mm: number;
  width_mm: number;
  height_mm: number;
  max_weight_g: number;
  tare_weight_g?: number | undefined;
}

export type CartonErrorCode = 'carton_not_found' | 'carton_exists';

const COLUMNS = ['id', 'warehouse_id', 'code', 'length_mm', 'width_mm', 'height_mm', 'max_weight_g', 'tare_weight_g', 'active'] as const;

/** Adds a carton to a warehouse's catalog; the code is unique within the warehouse. Emits `carton.created`. */
export async function createCarton(tx: Executor, warehouseId: string, input: CartonInput, actor?: string): Promise<CartonView> {
  const row = await tx
    .insertInto('cartons')
    .values({
      id: `ctn_${ulid()}`,
      warehouse_id: warehouseId,
      code: input.code,
      length_mm: input.length_mm,
      width_mm: input.width_mm,
      height_mm: input.height_mm,
      max_weight_g: input.max_weight_g,
      tare_weight_g: input.tare_weight_g ?? 0,
    })
    .onConflict((oc) => oc.columns(['warehouse_id', 'code']).doNothing())
    .returning(COLUMNS)
    .executeTakeFirst();
  if (!row) throw new AppError('conflict', 'carton_exists', `Carton ${input.code} already exists in this warehouse`, { code: input.code, warehouse_id: warehouseId });
  await emit(tx, { type: 'carton.created', aggregateType: 'warehouse', aggregateId: warehouseId, payload: { ...row }, actor });
  return row;
}

/** The active cartons of a warehouse, smallest inner volume first (with `includeInactive`, retired ones too). */
export async function listCartons(db: Executor, warehouseId: string, opts: { includeInactive?: boolean } = {}): Promise<CartonView[]> {
  let q = db.selectFrom('cartons').select(COLUMNS).where('warehouse_id', '=', warehouseId);
  if (!opts.includeInactive) q = q.where('active', '=', true);
  const rows = await q.orderBy('code').execute();
  return rows.sort((a, b) => a.length_mm * a.width_mm * a.height_mm - b.length_mm * b.width_mm * b.height_mm || a.code.localeCompare(b.code));
}

/** A carton of a warehouse by id or code; throws `carton_not_found`. */
export async function getCarton(db: Executor, warehouseId: string, idOrCode: string): Promise<CartonView> {
  const row = await db
    .selectFrom('cartons')
    .select(COLUMNS)
    .where('warehouse_id', '=', warehouseId)
    .where((eb) => eb.or([eb('id', '=', idOrCode), eb('code', '=', idOrCode)]))
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', 'carton_not_found', `Carton ${idOrCode} was not found in this warehouse`, { carton: idOrCode, warehouse_id: warehouseId });
  return row;
}

/**
 * Takes a carton out of (or back into) use. Packages already packed in it keep their record; it is only no
 * longer offered. Emits `carton.deactivated` / `carton.activated` when the flag changes.
 */
export async function setCartonActive(tx: Executor, warehouseId: string, idOrCode: string, active: boolean, actor?: string): Promise<CartonView> {
  const current = await getCarton(tx, warehouseId, idOrCode);
  const row = await tx
    .updateTable('cartons')
    .set({ active, updated_at: new Date() })
    .where('id', '=', current.id)
    .where('active', '=', !active)
    .returning(COLUMNS)
    .executeTakeFirst();
  if (!row) return current;
  await emit(tx, { type: active ? 'carton.activated' : 'carton.deactivated', aggregateType: 'warehouse', aggregateId: warehouseId, payload: { carton_id: row.id, code: row.code }, actor });
  return row;
}
