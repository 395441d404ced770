import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { emit } from '../../events/outbox.js';
import { insertTaskLines, warehouseLayout } from './waves.js';
import { planPath } from './pick-path.js';
import type { Allocation } from './allocation.js';
import type { PickExceptionView, PickLineView, PickTaskView } from './fulfillment.types.js';

/**
 * Pick execution bookkeeping: claiming tasks, recording picks and shorts on task lines, and moving fulfillment
 * orders, tasks and waves forward. Stock moves are the workflow's (inventory module), in the same transaction.
 * Lock order everywhere: order → fulfillment order → pick task → pick task line → wave.
 */

const OPEN = sql`(l.qty - l.qty_picked - l.qty_short - l.qty_cancelled)`;

export interface TaskRow {
  id: string;
  wave_id: string;
  warehouse_id: string;
  status: 'open' | 'in_progress' | 'done' | 'cancelled';
  picker: string | null;
}

export interface LineRow {
  id: string;
  task_id: string;
  seq: number;
  fulfillment_order_id: string;
  order_id: string;
  order_line_id: string;
  sku_id: string;
  sku: string;
  bin_id: string;
  bin: string;
  lot: string;
  slot: number | null;
  qty: number;
  remaining: number;
  status: 'open' | 'done' | 'cancelled';
}

/** A task row (throws `pick_task_not_found`). */
export async function getTaskRow(db: Executor, taskId: string): Promise<TaskRow> {
  const t = await db.selectFrom('pick_tasks').select(['id', 'wave_id', 'warehouse_id', 'status', 'picker']).where('id', '=', taskId).executeTakeFirst();
  if (!t) throw new AppError('not_found', 'pick_task_not_found', `Pick task ${taskId} was not found`, { task_id: taskId });
  return t;
}

/**
 * Claims the picker's next task in a warehouse: the task they already hold, else the most urgent open one
 * (`FOR UPDATE SKIP LOCKED`: two pickers never get the same task). Throws 404 `nothing_to_pick` when none waits.
 */
export async function claimTask(tx: Executor, warehouseId: string, picker: string): Promise<{ id: string; resumed: boolean }> {
  const held = await tx.selectFrom('pick_tasks').select('id').where('warehouse_id', '=', warehouseId).where('status', '=', 'in_progress').where('picker', '=', picker).orderBy('claimed_at').executeTakeFirst();
  if (held) return { id: held.id, resumed: true };
  const r = await sql<{ id: string; wave_id: string }>`
    UPDATE pick_tasks SET status = 'in_progress', picker = ${picker}, claimed_at = now(), updated_at = now()
    WHERE id = (SELECT id FROM pick_tasks WHERE warehouse_id = ${warehouseId} AND status = 'open'
                ORDER BY priority_rank, created_at, seq, id LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING id, wave_id`.execute(tx);
  const task = r.rows[0];
  if (!task) throw new AppError('not_found', 'nothing_to_pick', 'No pick task is waiting in this warehouse', { warehouse_id: warehouseId });
  await sql`UPDATE waves SET status = 'picking', updated_at = now() WHERE id = ${task.wave_id} AND status = 'released'`.execute(tx);
  await emit(tx, { type: 'pick_task.claimed', aggregateType: 'pick_task', aggregateId: task.id, payload: { wave_id: task.wave_id, warehouse_id: warehouseId, picker }, actor: picker });
  return { id: task.id, resumed: false };
}

/** A picker may work a task they claimed; a supervisor (admin/ops) may work any claimed task. */
export function assertMayWork(task: TaskRow, actor: string, supervisor: boolean): void {
  if (task.status === 'open') throw new AppError('conflict', 'task_not_claimed', 'Claim this pick task before picking from it', { task_id: task.id });
  if (task.status !== 'in_progress') throw new AppError('conflict', 'nothing_to_pick', `This pick task is ${task.status === 'done' ? 'finished' : 'cancelled'}; claim the next one`, { task_id: task.id, status: task.status });
  if (task.picker !== actor && !supervisor) throw new AppError('conflict', 'task_claimed_by_other', 'Another picker is working this task', { task_id: task.id });
}

const lineQuery = () => sql<LineRow>`
  SELECT l.id, l.task_id, l.seq, l.fulfillment_order_id, f.order_id, l.order_line_id, l.sku_id, s.sku, l.bin_id, b.code AS bin, l.lot, l.slot, l.qty,
         ${OPEN}::int AS remaining, l.status
  FROM pick_task_lines l JOIN fulfillment_orders f ON f.id = l.fulfillment_order_id JOIN skus s ON s.id = l.sku_id JOIN bins b ON b.id = l.bin_id`;

/** Open lines of a task in path order. */
export async function openLines(db: Executor, taskId: string): Promise<LineRow[]> {
  const r = await sql<LineRow>`${lineQuery()} WHERE l.task_id = ${taskId} AND l.status = 'open' ORDER BY l.seq, l.id`.execute(db);
  return r.rows;
}

/** One line of a task (throws `pick_line_not_found`). */
export async function taskLine(db: Executor, taskId: string, lineId: string): Promise<LineRow> {
  const r = await sql<LineRow>`${lineQuery()} WHERE l.task_id = ${taskId} AND l.id = ${lineId}`.execute(db);
  if (!r.rows[0]) throw new AppError('not_found', 'pick_line_not_found', `Pick task ${taskId} has no line ${lineId}`, { line_id: lineId });
  return r.rows[0];
}

/**
 * The open lines a scan confirms: the given line, or every open line at the scanned bin for the scanned item (in
 * path order, so a batch pick fills its slots in turn). Wrong bin or item → 422 `wrong_bin` / `wrong_item` with a
 * sentence for the picker.
 */
export async function linesForScan(db: Executor, taskId: string, scan: { line_id?: string | undefined; bin_id: string | null; bin: string; sku_id: string | null; item: string }): Promise<LineRow[]> {
  const open = await openLines(db, taskId);
  let targets: LineRow[];
  if (scan.line_id) {
    const line = await taskLine(db, taskId, scan.line_id);
    if (line.status !== 'open') throw new AppError('conflict', 'nothing_to_pick', 'This pick is already done; go on with the next one', { line_id: line.id });
    targets = [line];
  } else {
    if (open.length === 0) throw new AppError('conflict', 'nothing_to_pick', 'Everything on this task is picked; claim the next task', { task_id: taskId });
    targets = open.filter((l) => l.bin_id === scan.bin_id);
  }
  const expected = targets[0] ?? open[0]!;
  if (targets.length === 0 || targets[0]!.bin_id !== scan.bin_id) {
    const what = scan.bin_id ? `you scanned bin ${scan.bin}` : `${scan.bin} is not a bin of this warehouse`;
    throw new AppError('unprocessable', 'wrong_bin', `Wrong bin: ${what}. Go to bin ${expected.bin} for this pick.`, { scanned: scan.bin, expected_bin: expected.bin, line_id: expected.id });
  }
  const forItem = targets.filter((l) => l.sku_id === scan.sku_id);
  if (forItem.length === 0) {
    const skus = [...new Set(targets.map((l) => l.sku))].join(' or ');
    const what = scan.sku_id ? `you scanned ${scan.item}` : `${scan.item} is not an item we know`;
    throw new AppError('unprocessable', 'wrong_item', `Wrong item: ${what}, but this pick from bin ${expected.bin} is ${skus}.`, { scanned: scan.item, expected_sku: skus, bin: expected.bin });
  }
  // Lines of one lot at a time: a pick moves one bin × lot.
  return forItem.filter((l) => l.lot === forItem[0]!.lot);
}

/** Locks the lines' fulfillment orders, their task, then the lines (each kind in id order) and re-reads them. */
export async function lockLines(tx: Executor, lines: LineRow[]): Promise<LineRow[]> {
  if (lines.length === 0) return [];
  const fos = [...new Set(lines.map((l) => l.fulfillment_order_id))].sort();
  const tasks = [...new Set(lines.map((l) => l.task_id))].sort();
  const ids = lines.map((l) => l.id).sort();
  await sql`SELECT id FROM fulfillment_orders WHERE id = ANY(${fos}::text[]) ORDER BY id FOR NO KEY UPDATE`.execute(tx);
  await sql`SELECT id FROM pick_tasks WHERE id = ANY(${tasks}::text[]) ORDER BY id FOR NO KEY UPDATE`.execute(tx);
  await sql`SELECT id FROM pick_task_lines WHERE id = ANY(${ids}::text[]) ORDER BY id FOR NO KEY UPDATE`.execute(tx);
  const r = await sql<LineRow>`${lineQuery()} WHERE l.id = ANY(${ids}::text[]) ORDER BY l.seq, l.id`.execute(tx);
  return r.rows;
}

/** Records picked units on a line (guarded: never beyond what is still open); returns false when too many. */
export async function recordPicked(tx: Executor, lineId: string, qty: number): Promise<boolean> {
  const r = await sql`
    UPDATE pick_task_lines l SET qty_picked = l.qty_picked + ${qty}, updated_at = now(),
      status = CASE WHEN ${OPEN} - ${qty} = 0 THEN 'done' ELSE 'open' END
    WHERE l.id = ${lineId} AND l.status = 'open' AND ${OPEN} >= ${qty}`.execute(tx);
  return Number(r.numAffectedRows ?? 0) === 1;
}

/** Records the rest of a line as short (missing units); the line is done. */
export async function recordShort(tx: Executor, lineId: string, qty: number): Promise<boolean> {
  const r = await sql`
    UPDATE pick_task_lines l SET qty_short = l.qty_short + ${qty}, status = 'done', updated_at = now()
    WHERE l.id = ${lineId} AND l.status = 'open' AND ${OPEN} = ${qty}`.execute(tx);
  return Number(r.numAffectedRows ?? 0) === 1;
}

/** Lowers a fulfillment order line's quantity: units this warehouse will no longer ship (re-routed after a short). */
export async function reduceWork(tx: Executor, foId: string, orderLineId: string, skuId: string, qty: number): Promise<void> {
  const r = await sql`
    UPDATE fulfillment_order_lines SET qty = qty - ${qty}
    WHERE fulfillment_order_id = ${foId} AND order_line_id = ${orderLineId} AND sku_id = ${skuId} AND qty - qty_cancelled >= ${qty}`.execute(tx);
  if (Number(r.numAffectedRows ?? 0) !== 1) throw new AppError('conflict', 'invalid_transition', 'The fulfillment order line has fewer open units than the short', { fulfillment_order_id: foId, order_line_id: orderLineId });
}

/** Adds re-allocated picks to a task (after its path so far), keeping the order line's slot. */
export async function addTaskLines(tx: Executor, task: TaskRow, from: LineRow, allocations: Allocation[]): Promise<string[]> {
  if (allocations.length === 0) return [];
  const max = await sql<{ seq: number }>`SELECT coalesce(max(seq), 0)::int AS seq FROM pick_task_lines WHERE task_id = ${task.id}`.execute(tx);
  const path = planPath(allocations.map((a) => ({ ...a, code: a.bin })), await warehouseLayout(tx, task.warehouse_id));
  const ids = path.ordered.map(() => newId('pkl'));
  await insertTaskLines(tx, task.warehouse_id, {
    id: ids, task: ids.map(() => task.id), seq: ids.map((_, i) => max.rows[0]!.seq + i + 1), fo: ids.map(() => from.fulfillment_order_id),
    ol: ids.map(() => from.order_line_id), sku: path.ordered.map((a) => a.sku_id), bin: path.ordered.map((a) => a.bin_id), lot: path.ordered.map((a) => a.lot),
    slot: ids.map(() => from.slot), qty: path.ordered.map((a) => a.qty),
  });
  return ids;
}

export interface ShortRecord {
  task: TaskRow;
  line: LineRow;
  qty_expected: number;
  qty_found: number;
  qty_missing: number;
  qty_reallocated: number;
  qty_rerouted: number;
  qty_deferred: number;
  picker: string;
}

/** Stores a short pick for the supervisor and emits `pick.short`. */
export async function recordPickException(tx: Executor, s: ShortRecord): Promise<string> {
  const id = newId('pex');
  await tx.insertInto('pick_exceptions').values({
    id, warehouse_id: s.task.warehouse_id, task_id: s.task.id, task_line_id: s.line.id, fulfillment_order_id: s.line.fulfillment_order_id, order_id: s.line.order_id,
    sku_id: s.line.sku_id, bin_id: s.line.bin_id, lot: s.line.lot, qty_expected: s.qty_expected, qty_found: s.qty_found, qty_missing: s.qty_missing,
    qty_reallocated: s.qty_reallocated, qty_rerouted: s.qty_rerouted, qty_deferred: s.qty_deferred, picker: s.picker,
  }).execute();
  await emit(tx, {
    type: 'pick.short', aggregateType: 'pick_task', aggregateId: s.task.id,
    payload: { exception_id: id, warehouse_id: s.task.warehouse_id, order_id: s.line.order_id, fulfillment_order_id: s.line.fulfillment_order_id, sku_id: s.line.sku_id, bin_id: s.line.bin_id, lot: s.line.lot, expected: s.qty_expected, found: s.qty_found, missing: s.qty_missing, reallocated: s.qty_reallocated, rerouted: s.qty_rerouted, deferred: s.qty_deferred },
    actor: s.picker,
  });
  return id;
}

/**
 * Moves fulfillment orders, tasks and waves forward after picks, shorts or cancellations: a fulfillment order
 * with open work left is `picking` once anything of it was touched, `picked` when no pick line is open and it has
 * units, `cancelled` when nothing is left to ship; a task with no open line is done (cancelled if nothing was
 * picked); a wave whose tasks are all finished is picked. Emits an event for each change.
 */
export async function settle(tx: Executor, ids: { fulfillment_order_ids: string[]; task_ids: string[] }, actor?: string): Promise<void> {
  const foIds = [...new Set(ids.fulfillment_order_ids)].sort();
  const events: Parameters<typeof emit>[1] & unknown[] = [];
  if (foIds.length > 0) {
    const fos = await sql<{ id: string; order_id: string; warehouse_id: string; status: string; open_lines: number; picked: number; work: number; touched: boolean }>`
      SELECT f.id, f.order_id, f.warehouse_id, f.status,
             (SELECT count(*) FROM pick_task_lines l WHERE l.fulfillment_order_id = f.id AND l.status = 'open')::int AS open_lines,
             (SELECT coalesce(sum(l.qty_picked - l.qty_returned), 0) FROM pick_task_lines l WHERE l.fulfillment_order_id = f.id)::int AS picked,
             (SELECT coalesce(sum(x.qty - x.qty_cancelled), 0) FROM fulfillment_order_lines x WHERE x.fulfillment_order_id = f.id)::int AS work,
             EXISTS (SELECT 1 FROM pick_task_lines l WHERE l.fulfillment_order_id = f.id AND (l.qty_picked > 0 OR l.qty_short > 0)) AS touched
      FROM fulfillment_orders f WHERE f.id = ANY(${foIds}::text[]) AND f.status IN ('pending', 'released', 'picking') ORDER BY f.id`.execute(tx);
    for (const f of fos.rows) {
      const next = f.work === 0 ? 'cancelled' : f.status === 'pending' ? 'pending' : f.open_lines === 0 && f.picked > 0 ? 'picked' : f.touched ? 'picking' : f.status;
      if (next === f.status) continue;
      await sql`UPDATE fulfillment_orders SET status = ${next}, updated_at = now(), picked_at = CASE WHEN ${next} = 'picked' THEN now() ELSE picked_at END WHERE id = ${f.id}`.execute(tx);
      events.push({ type: `fulfillment_order.${next}`, aggregateType: 'fulfillment_order', aggregateId: f.id, payload: { order_id: f.order_id, warehouse_id: f.warehouse_id }, actor });
    }
  }
  const taskIds = [...new Set(ids.task_ids)].sort();
  if (taskIds.length > 0) {
    const done = await sql<{ id: string; wave_id: string; status: string }>`
      UPDATE pick_tasks t SET status = CASE WHEN EXISTS (SELECT 1 FROM pick_task_lines l WHERE l.task_id = t.id AND l.qty_picked > 0) THEN 'done' ELSE 'cancelled' END,
             completed_at = now(), updated_at = now()
      WHERE t.id = ANY(${taskIds}::text[]) AND t.status IN ('open', 'in_progress')
        AND NOT EXISTS (SELECT 1 FROM pick_task_lines l WHERE l.task_id = t.id AND l.status = 'open')
      RETURNING t.id, t.wave_id, t.status`.execute(tx);
    for (const t of done.rows) events.push({ type: t.status === 'done' ? 'pick_task.completed' : 'pick_task.cancelled', aggregateType: 'pick_task', aggregateId: t.id, payload: { wave_id: t.wave_id }, actor });
    const waves = [...new Set(done.rows.map((t) => t.wave_id))].sort();
    if (waves.length > 0) {
      const finished = await sql<{ id: string; status: string }>`
        UPDATE waves w SET status = CASE WHEN EXISTS (SELECT 1 FROM pick_tasks t WHERE t.wave_id = w.id AND t.status = 'done') THEN 'picked' ELSE 'cancelled' END,
               completed_at = now(), updated_at = now()
        WHERE w.id = ANY(${waves}::text[]) AND w.status IN ('released', 'picking')
          AND NOT EXISTS (SELECT 1 FROM pick_tasks t WHERE t.wave_id = w.id AND t.status IN ('open', 'in_progress'))
        RETURNING w.id, w.status`.execute(tx);
      for (const w of finished.rows) events.push({ type: w.status === 'picked' ? 'wave.completed' : 'wave.cancelled', aggregateType: 'wave', aggregateId: w.id, payload: {}, actor });
    }
  }
  if (events.length > 0) await emit(tx, events);
}

/** A task with its lines: open ones first in path order, then finished ones. */
export async function getTaskView(db: Executor, taskId: string): Promise<PickTaskView> {
  const t = await db.selectFrom('pick_tasks as t').leftJoin('zones as z', 'z.id', 't.zone_id')
    .select(['t.id', 't.wave_id', 't.warehouse_id', 't.seq', 't.strategy', 't.status', 'z.code as zone', 't.picker', 't.path_m', 't.path_model', 't.claimed_at', 't.completed_at'])
    .where('t.id', '=', taskId).executeTakeFirst();
  if (!t) throw new AppError('not_found', 'pick_task_not_found', `Pick task ${taskId} was not found`, { task_id: taskId });
  const items = await pickLines(db, [taskId]);
  const open = items.filter((l) => l.status === 'open');
  return {
    ...t,
    lines: items.length,
    units: items.reduce((s, l) => s + l.qty, 0),
    units_picked: items.reduce((s, l) => s + l.qty_picked, 0),
    units_short: items.reduce((s, l) => s + l.qty_short, 0),
    next_line: open[0] ?? null,
    items: [...open, ...items.filter((l) => l.status !== 'open')],
  };
}

/** Lines of tasks in path order, with bin, SKU and barcode for the scanner and the pick list. */
export async function pickLines(db: Executor, taskIds: string[]): Promise<(PickLineView & { task_id: string })[]> {
  if (taskIds.length === 0) return [];
  const r = await sql<PickLineView & { task_id: string }>`
    SELECT l.task_id, l.id, l.seq, l.status, l.fulfillment_order_id, f.order_id, l.order_line_id, l.slot, l.bin_id, b.code AS bin, b.aisle, b.position,
           l.sku_id, s.sku, s.name, s.gtin, l.lot, l.qty, l.qty_picked, l.qty_short, l.qty_cancelled, ${OPEN}::int AS qty_remaining
    FROM pick_task_lines l JOIN fulfillment_orders f ON f.id = l.fulfillment_order_id JOIN skus s ON s.id = l.sku_id JOIN bins b ON b.id = l.bin_id
    WHERE l.task_id = ANY(${taskIds}::text[]) ORDER BY l.task_id, l.seq, l.id`.execute(db);
  return r.rows;
}

/** Short picks of warehouses, newest first, for the supervisor. */
export async function listPickExceptions(db: Executor, filter: { warehouse_ids: string[] | null; limit: number; before?: string | undefined }): Promise<PickExceptionView[]> {
  let q = db.selectFrom('pick_exceptions as e').innerJoin('skus as s', 's.id', 'e.sku_id').innerJoin('bins as b', 'b.id', 'e.bin_id')
    .select(['e.id', 'e.warehouse_id', 'e.kind', 'e.task_id', 'e.task_line_id', 'e.fulfillment_order_id', 'e.order_id', 'e.sku_id', 's.sku', 'e.bin_id', 'b.code as bin', 'e.lot',
      'e.qty_expected', 'e.qty_found', 'e.qty_missing', 'e.qty_reallocated', 'e.qty_rerouted', 'e.qty_deferred', 'e.picker', 'e.created_at'])
    .orderBy('e.id', 'desc').limit(filter.limit);
  if (filter.warehouse_ids !== null) q = q.where('e.warehouse_id', 'in', filter.warehouse_ids.length > 0 ? filter.warehouse_ids : ['']);
  if (filter.before) q = q.where('e.id', '<', filter.before);
  return q.execute();
}

/** The item a scan names: a SKU code or id, else a GTIN (8, 12, 13 or 14 digits; leading zeros do not matter). */
export async function resolveScannedItem(db: Executor, code: string): Promise<{ id: string; sku: string } | undefined> {
  const direct = await db.selectFrom('skus').select(['id', 'sku']).where((eb) => eb.or([eb('sku', '=', code), eb('id', '=', code)])).executeTakeFirst();
  if (direct || !/^[0-9]{8,14}$/.test(code)) return direct;
  const bare = code.replace(/^0+/, '');
  const variants = [8, 12, 13, 14].filter((n) => n >= bare.length).map((n) => bare.padStart(n, '0'));
  if (variants.length === 0) return undefined;
  return db.selectFrom('skus').select(['id', 'sku']).where('gtin', 'in', variants).executeTakeFirst();
}
