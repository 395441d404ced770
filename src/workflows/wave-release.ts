import { withTx, type Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { canAccessWarehouse, type Principal } from '../modules/auth/index.js';
import { getWave, pickLines, releaseWave, type PickLineView, type WaveCriteria, type WaveView } from '../modules/fulfillment/index.js';
import { getWarehouse } from '../modules/warehouse/index.js';
import { pickListPdf } from '../documents/pick-list.js';
import { warehouseFor, type Caller } from './stock-commands.js';

export interface WaveRequest extends WaveCriteria {
  warehouse_id: string;
}

/** Releases a wave in a warehouse the caller may see, in one transaction; returns it with tasks and progress. */
export async function createWave(db: Db, caller: Caller, req: WaveRequest, now?: Date): Promise<WaveView> {
  const waveId = await withTx(db, async (tx) => {
    const wh = await warehouseFor(tx, caller, req.warehouse_id);
    const house = await getWarehouse(tx, wh);
    // A 3PL runs its own floor: its work leaves as X12 940s (workflows/edi.ts), never in our waves.
    if (house.type === 'external') throw new AppError('unprocessable', 'warehouse_is_external', `Warehouse ${house.code} is an external (3PL) warehouse: its orders go to the partner over EDI, not into waves`, { warehouse_id: wh });
    const r = await releaseWave(tx, { ...req, warehouse_id: wh, actor: caller.id, now });
    return r.wave_id!;
  });
  return getWave(db, waveId);
}

/** A wave, if the caller's scope covers its warehouse (404 otherwise). */
export async function getWaveFor(db: Db, caller: Caller, id: string): Promise<WaveView> {
  const wave = await getWave(db, id);
  if (!canAccessWarehouse(caller as Principal, wave.warehouse_id)) throw new AppError('not_found', 'wave_not_found', `Wave ${id} was not found`, { wave_id: id });
  return wave;
}

/** The wave's pick list as PDF (tasks in order, lines in path order, Code 128 barcodes). */
export async function pickListFor(db: Db, caller: Caller, id: string): Promise<Buffer> {
  const wave = await getWaveFor(db, caller, id);
  const wh = await getWarehouse(db, wave.warehouse_id);
  const lines = new Map<string, PickLineView[]>();
  for (const l of await pickLines(db, wave.tasks.map((t) => t.id))) lines.set(l.task_id, [...(lines.get(l.task_id) ?? []), l]);
  return pickListPdf({ wave, warehouse: { code: wh.code, name: wh.name }, lines });
}
