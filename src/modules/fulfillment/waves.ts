import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { emit } from '../../events/outbox.js';
import { assertNotOverAllocated, giveBack, loadFreeStock, lockAllocation, take, type Allocation } from './allocation.js';
import { layoutFor, planPath, type Layout } from './pick-path.js';
import type { PickTaskSummary, UnreleasedLine, WaveCriteria, WaveStrategy, WaveView } from './fulfillment.types.js';

/** Wave release: choose fulfillment orders, allocate their bins, cut pick tasks in path order — one transaction. */

const PRIORITY_RANK: Record<string, number> = { urgent: 0, high: 1, normal: 2, low: 3 };
/** A wave without max_orders still stops here: a bigger wave would only hold the floor's work hostage. */
export const MAX_WAVE_ORDERS = 5000;
export const DEFAULT_ORDERS_PER_TASK = 10;

/** The next carrier cut-off after `now`: today's cut-off in the warehouse's time zone, or tomorrow's once it passed. */
export function nextCutoff(now: Date, timeZone: string, cutoff: string): Date {
  const [hh, mm] = cutoff.split(':').map(Number) as [number, number];
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hourCycle: 'h23' }).formatToParts(now).map((p) => [p.type, p.value]),
  );
  for (let addDays = 0; addDays < 3; addDays++) {
    const at = localToUtc(Number(parts.year), Number(parts.month) - 1, Number(parts.day) + addDays, hh, mm, timeZone);
    if (at.getTime() > now.getTime()) return at;
  }
  throw new Error('unreachable: a cut-off within three days');
}

/** The UTC instant of a wall-clock time in a time zone (two passes settle daylight-saving offsets). */
function localToUtc(y: number, m: number, d: number, hh: number, mm: number, timeZone: string): Date {
  const wall = Date.UTC(y, m, d, hh, mm);
  let guess = wall;
  for (let i = 0; i < 2; i++) guess = wall - offsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

function offsetMs(at: Date, timeZone: string): number {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' }).formatToParts(at).map((x) => [x.type, x.value]),
  );
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

interface Candidate {
  id: string;
  order_id: string;
  priority: string;
  due: boolean;
  lines: { order_line_id: string; sku_id: string; sku: string; qty: number }[];
}

export interface ReleaseInput extends WaveCriteria {
  warehouse_id: string;
  actor?: string | undefined;
  now?: Date | undefined;
}

export interface ReleaseResult {
  wave_id: string | null;
  released: number;
  unreleased: UnreleasedLine[];
}

/**
 * Releases a wave: eligible pending fulfillment orders (order not on hold or cancelled, every line reserved)
 * in the order "due before the next carrier cut-off, priority, dispatch_by, age", within the limits and
 * filters; each is allocated bins whole or not at all (what cannot get a bin stays pending, with the reason);
 * pick tasks are cut by strategy and ordered by pick path. Emits `wave.released` and `fulfillment_order.released`.
 * Nothing eligible → 422 `nothing_to_release` (the reasons in details).
 */
export async function releaseWave(tx: Executor, input: ReleaseInput): Promise<ReleaseResult> {
  await lockAllocation(tx, input.warehouse_id);
  const wh = await tx.selectFrom('warehouses').select(['timezone', 'cutoff_time']).where('id', '=', input.warehouse_id).executeTakeFirstOrThrow();
  const now = input.now ?? new Date();
  const cutoff = wh.cutoff_time ? nextCutoff(now, wh.timezone, wh.cutoff_time) : null;
  const zoneId = input.zone ? await zoneIdOf(tx, input.warehouse_id, input.zone) : undefined;
  const candidates = await eligible(tx, input, cutoff);
  const pool = await loadFreeStock(tx, input.warehouse_id, [...new Set(candidates.flatMap((c) => c.lines.map((l) => l.sku_id)))], { zoneId });

  const accepted: { fo: Candidate; allocations: Allocation[] }[] = [];
  const unreleased: UnreleasedLine[] = [];
  let lines = 0;
  let units = 0;
  const maxOrders = Math.min(input.max_orders ?? MAX_WAVE_ORDERS, MAX_WAVE_ORDERS);
  for (const fo of candidates) {
    if (accepted.length >= maxOrders) break;
    const foUnits = fo.lines.reduce((s, l) => s + l.qty, 0);
    // A fulfillment order too big for what is left of the limits waits for the next wave; smaller ones may still fit.
    if ((input.max_lines !== undefined && lines + fo.lines.length > input.max_lines) || (input.max_units !== undefined && units + foUnits > input.max_units)) continue;
    const got: Allocation[] = [];
    const missing: UnreleasedLine[] = [];
    for (const l of fo.lines) {
      const t = take(pool, l.sku_id, l.qty);
      if (t.got < l.qty) {
        missing.push({
          fulfillment_order_id: fo.id, order_id: fo.order_id, order_line_id: l.order_line_id, sku_id: l.sku_id, sku: l.sku, qty: l.qty - t.got, reason: 'no_free_bin_stock',
          message: `${l.qty - t.got} of ${l.qty} unit(s) of ${l.sku} have no free pickable bin${input.zone ? ` in zone ${input.zone}` : ''} (stock unplaced, in a non-pickable or counted bin, or promised to other picks)`,
        });
      }
      got.push(...t.allocations.map((a) => ({ ...a, order_line_id: l.order_line_id })));
    }
    if (missing.length > 0) {
      giveBack(pool, got);
      unreleased.push(...missing);
      continue;
    }
    accepted.push({ fo, allocations: got });
    lines += fo.lines.length;
    units += foUnits;
  }
  if (accepted.length === 0) {
    throw new AppError('unprocessable', 'nothing_to_release', candidates.length === 0 ? 'No fulfillment order of this warehouse is ready for a wave' : 'None of the eligible fulfillment orders could be given bins', { unreleased: unreleased.slice(0, 100) });
  }
  const waveId = newId('wave');
  const criteria: WaveCriteria = { strategy: input.strategy, max_orders: input.max_orders, max_lines: input.max_lines, max_units: input.max_units, carrier: input.carrier, zone: input.zone, single_line_only: input.single_line_only, cutoff_before: input.cutoff_before, orders_per_task: input.orders_per_task };
  await tx.insertInto('waves').values({ id: waveId, warehouse_id: input.warehouse_id, strategy: input.strategy, criteria: JSON.stringify({ ...criteria, next_cutoff: cutoff }), unreleased: JSON.stringify(unreleased), orders: accepted.length, lines, units, created_by: input.actor ?? null }).execute();
  const tasks = await writeTasks(tx, waveId, input.warehouse_id, input.strategy, accepted, input.orders_per_task ?? DEFAULT_ORDERS_PER_TASK);
  const foIds = accepted.map((a) => a.fo.id);
  const moved = await sql<{ id: string }>`
    UPDATE fulfillment_orders SET status = 'released', wave_id = ${waveId}, released_at = now(), updated_at = now()
    WHERE id = ANY(${foIds}::text[]) AND status = 'pending' RETURNING id`.execute(tx);
  if (moved.rows.length !== foIds.length) throw new AppError('conflict', 'wave_conflict', 'Fulfillment orders changed while releasing the wave; try again', {});
  await assertNotOverAllocated(tx, input.warehouse_id, [...new Set(accepted.flatMap((a) => a.allocations.map((x) => x.sku_id)))]);
  await emit(tx, [
    { type: 'wave.released', aggregateType: 'wave', aggregateId: waveId, payload: { warehouse_id: input.warehouse_id, strategy: input.strategy, orders: accepted.length, lines, units, tasks, unreleased: unreleased.length }, actor: input.actor },
    ...accepted.map((a) => ({ type: 'fulfillment_order.released', aggregateType: 'fulfillment_order', aggregateId: a.fo.id, payload: { order_id: a.fo.order_id, warehouse_id: input.warehouse_id, wave_id: waveId }, actor: input.actor })),
  ]);
  return { wave_id: waveId, released: accepted.length, unreleased };
}

async function zoneIdOf(tx: Executor, warehouseId: string, code: string): Promise<string> {
  const z = await tx.selectFrom('zones').select('id').where('warehouse_id', '=', warehouseId).where('code', '=', code).executeTakeFirst();
  if (!z) throw new AppError('not_found', 'zone_not_found', `Zone ${code} was not found in this warehouse`, { zone: code });
  return z.id;
}

/**
 * Pending fulfillment orders that may be released, best first, locked (others' locked rows are skipped: a
 * concurrent cancellation or wave has them). Every open line must be covered by the order's open reservation
 * at this warehouse (shared with its other unshipped work there).
 */
async function eligible(tx: Executor, input: ReleaseInput, cutoff: Date | null): Promise<Candidate[]> {
  const scan = Math.min(MAX_WAVE_ORDERS, input.max_orders !== undefined ? input.max_orders * 4 + 200 : MAX_WAVE_ORDERS);
  const carrier = input.carrier ? `${input.carrier.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const fos = await sql<{ id: string; order_id: string; priority: string; due: boolean }>`
    SELECT f.id, f.order_id, f.priority, (${cutoff}::timestamptz IS NOT NULL AND f.dispatch_by IS NOT NULL AND f.dispatch_by <= ${cutoff}::timestamptz) AS due
    FROM fulfillment_orders f JOIN orders o ON o.id = f.order_id
    WHERE f.warehouse_id = ${input.warehouse_id} AND f.status = 'pending'
      AND o.status NOT IN ('pending', 'on_hold', 'cancelled', 'closed')
      AND NOT EXISTS (SELECT 1 FROM order_holds h WHERE h.order_id = o.id AND h.status = 'open')
      ${input.cutoff_before ? sql`AND f.dispatch_by < ${input.cutoff_before}::timestamptz` : sql``}
      ${carrier ? sql`AND o.shipping_method ILIKE ${carrier}` : sql``}
      AND EXISTS (SELECT 1 FROM fulfillment_order_lines l WHERE l.fulfillment_order_id = f.id AND l.qty > l.qty_cancelled)
      ${input.single_line_only ? sql`AND (SELECT count(DISTINCT l.order_line_id) FROM fulfillment_order_lines l WHERE l.fulfillment_order_id = f.id AND l.qty > l.qty_cancelled) = 1` : sql``}
      AND NOT EXISTS (
        SELECT 1 FROM (
          SELECT l.order_line_id, l.sku_id, sum(l.qty - l.qty_cancelled) AS work
          FROM fulfillment_orders f2 JOIN fulfillment_order_lines l ON l.fulfillment_order_id = f2.id
          WHERE f2.order_id = f.order_id AND f2.warehouse_id = f.warehouse_id AND f2.status NOT IN ('shipped', 'cancelled')
          GROUP BY l.order_line_id, l.sku_id) w
        WHERE w.work > (SELECT coalesce(sum(r.qty), 0) FROM reservations r
                        WHERE r.ref = f.order_id AND r.ref_line = w.order_line_id AND r.sku_id = w.sku_id AND r.warehouse_id = f.warehouse_id AND r.status = 'open'))
    ORDER BY 4 DESC, CASE f.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END,
             f.dispatch_by NULLS LAST, o.placed_at, f.created_at, f.id
    LIMIT ${scan}
    FOR UPDATE OF f SKIP LOCKED`.execute(tx);
  if (fos.rows.length === 0) return [];
  const lines = await sql<{ fulfillment_order_id: string; order_line_id: string; sku_id: string; sku: string; qty: number }>`
    SELECT l.fulfillment_order_id, l.order_line_id, l.sku_id, s.sku, l.qty - l.qty_cancelled AS qty
    FROM fulfillment_order_lines l JOIN skus s ON s.id = l.sku_id
    WHERE l.fulfillment_order_id = ANY(${fos.rows.map((f) => f.id)}::text[]) AND l.qty > l.qty_cancelled
    ORDER BY l.fulfillment_order_id, l.order_line_id, l.sku_id`.execute(tx);
  const byFo = new Map<string, Candidate['lines']>();
  for (const l of lines.rows) {
    const list = byFo.get(l.fulfillment_order_id) ?? [];
    list.push({ order_line_id: l.order_line_id, sku_id: l.sku_id, sku: l.sku, qty: l.qty });
    byFo.set(l.fulfillment_order_id, list);
  }
  return fos.rows.map((f) => ({ ...f, lines: byFo.get(f.id) ?? [] }));
}

interface TaskPlan {
  zone_id: string | null;
  rank: number;
  lines: (Allocation & { order_line_id: string; fulfillment_order_id: string; slot: number | null })[];
}

/** Cuts pick tasks by strategy, orders each task's lines by pick path, and writes them. Returns the number of tasks. */
async function writeTasks(tx: Executor, waveId: string, warehouseId: string, strategy: WaveStrategy, accepted: { fo: Candidate; allocations: Allocation[] }[], perTask: number): Promise<number> {
  const rows = (a: (typeof accepted)[number], slot: number | null) =>
    a.allocations.map((x) => ({ ...x, order_line_id: (x as Allocation & { order_line_id: string }).order_line_id, fulfillment_order_id: a.fo.id, slot }));
  const rank = (a: (typeof accepted)[number]) => PRIORITY_RANK[a.fo.priority] ?? 2;
  let plans: TaskPlan[];
  if (strategy === 'single') {
    plans = accepted.map((a) => ({ zone_id: null, rank: rank(a), lines: rows(a, null) }));
  } else if (strategy === 'batch') {
    plans = [];
    for (let i = 0; i < accepted.length; i += perTask) {
      const chunk = accepted.slice(i, i + perTask);
      plans.push({ zone_id: null, rank: Math.min(...chunk.map(rank)), lines: chunk.flatMap((a, j) => rows(a, j + 1)) });
    }
  } else {
    // Zone picking: one task per zone; each order keeps one slot number across zones so its totes meet at consolidation.
    const byZone = new Map<string, TaskPlan>();
    accepted.forEach((a, j) => {
      for (const l of rows(a, j + 1)) {
        const key = l.zone_id ?? '';
        const plan = byZone.get(key) ?? { zone_id: l.zone_id, rank: 3, lines: [] };
        plan.rank = Math.min(plan.rank, rank(a));
        plan.lines.push(l);
        byZone.set(key, plan);
      }
    });
    plans = [...byZone.values()];
  }
  const layout = await warehouseLayout(tx, warehouseId);
  const taskRows: { id: string; seq: number; zone_id: string | null; rank: number; path_m: number | null; model: string }[] = [];
  const lineCols = { id: [] as string[], task: [] as string[], seq: [] as number[], fo: [] as string[], ol: [] as string[], sku: [] as string[], bin: [] as string[], lot: [] as string[], slot: [] as (number | null)[], qty: [] as number[] };
  plans.forEach((p, i) => {
    const taskId = newId('pick');
    const path = planPath(p.lines.map((l) => ({ ...l, code: l.bin })), layout);
    taskRows.push({ id: taskId, seq: i + 1, zone_id: p.zone_id, rank: p.rank, path_m: path.length_m, model: path.model });
    path.ordered.forEach((l, k) => {
      lineCols.id.push(newId('pkl'));
      lineCols.task.push(taskId);
      lineCols.seq.push(k + 1);
      lineCols.fo.push(l.fulfillment_order_id);
      lineCols.ol.push(l.order_line_id);
      lineCols.sku.push(l.sku_id);
      lineCols.bin.push(l.bin_id);
      lineCols.lot.push(l.lot);
      lineCols.slot.push(l.slot);
      lineCols.qty.push(l.qty);
    });
  });
  await sql`
    INSERT INTO pick_tasks (id, wave_id, warehouse_id, seq, strategy, zone_id, priority_rank, path_m, path_model)
    SELECT t.id, ${waveId}, ${warehouseId}, t.seq, ${strategy}, t.zone_id, t.rank, t.path_m, t.model
    FROM unnest(${taskRows.map((t) => t.id)}::text[], ${taskRows.map((t) => t.seq)}::int[], ${taskRows.map((t) => t.zone_id)}::text[],
                ${taskRows.map((t) => t.rank)}::int[], ${taskRows.map((t) => t.path_m)}::float8[], ${taskRows.map((t) => t.model)}::text[]) AS t(id, seq, zone_id, rank, path_m, model)`.execute(tx);
  await insertTaskLines(tx, warehouseId, lineCols);
  return taskRows.length;
}

/** Bulk insert of pick task lines from parallel columns. */
export async function insertTaskLines(
  tx: Executor,
  warehouseId: string,
  c: { id: string[]; task: string[]; seq: number[]; fo: string[]; ol: string[]; sku: string[]; bin: string[]; lot: string[]; slot: (number | null)[]; qty: number[] },
): Promise<void> {
  if (c.id.length === 0) return;
  await sql`
    INSERT INTO pick_task_lines (id, task_id, seq, warehouse_id, fulfillment_order_id, order_line_id, sku_id, bin_id, lot, slot, qty)
    SELECT l.id, l.task, l.seq, ${warehouseId}, l.fo, l.ol, l.sku, l.bin, l.lot, l.slot, l.qty
    FROM unnest(${c.id}::text[], ${c.task}::text[], ${c.seq}::int[], ${c.fo}::text[], ${c.ol}::text[], ${c.sku}::text[], ${c.bin}::text[],
                ${c.lot}::text[], ${c.slot}::int[], ${c.qty}::int[]) AS l(id, task, seq, fo, ol, sku, bin, lot, slot, qty)`.execute(tx);
}

/** The warehouse's pick-path geometry: its deepest position places the back cross-aisle. */
export async function warehouseLayout(db: Executor, warehouseId: string): Promise<Layout> {
  const r = await sql<{ depth: number | null }>`SELECT max(position)::int AS depth FROM bins WHERE warehouse_id = ${warehouseId}`.execute(db);
  return layoutFor(r.rows[0]?.depth ?? 0);
}

/** A wave with its tasks, progress and what it could not release (throws `wave_not_found`). */
export async function getWave(db: Executor, id: string): Promise<WaveView> {
  const [w] = await waveViews(db, { ids: [id], scope: null, limit: 1 });
  if (!w) throw new AppError('not_found', 'wave_not_found', `Wave ${id} was not found`, { wave_id: id });
  return w;
}

/** Waves of warehouses in scope, newest first, with progress. */
export async function listWaves(db: Executor, filter: { scope: string[] | null; warehouse_id?: string | undefined; status?: string | undefined; limit: number; cursor?: string | undefined }): Promise<{ data: WaveView[]; next_cursor: string | null }> {
  const rows = await waveViews(db, { ...filter, limit: filter.limit + 1 });
  const page = rows.slice(0, filter.limit);
  return { data: page, next_cursor: rows.length > filter.limit ? page.at(-1)!.id : null };
}

async function waveViews(db: Executor, f: { ids?: string[]; scope: string[] | null; warehouse_id?: string | undefined; status?: string | undefined; limit: number; cursor?: string | undefined }): Promise<WaveView[]> {
  let q = db.selectFrom('waves').selectAll().orderBy('id', 'desc').limit(f.limit);
  if (f.ids) q = q.where('id', 'in', f.ids);
  if (f.scope !== null) q = q.where('warehouse_id', 'in', f.scope.length > 0 ? f.scope : ['']);
  if (f.warehouse_id) q = q.where('warehouse_id', '=', f.warehouse_id);
  if (f.status) q = q.where('status', '=', f.status as never);
  if (f.cursor) q = q.where('id', '<', f.cursor);
  const waves = await q.execute();
  if (waves.length === 0) return [];
  const ids = waves.map((w) => w.id);
  const tasks = await sql<PickTaskSummary & { wave_id: string; units_cancelled: number }>`
    SELECT t.wave_id, t.id, t.seq, t.status, z.code AS zone, t.picker, t.path_m, t.path_model,
           count(l.id)::int AS lines, coalesce(sum(l.qty), 0)::int AS units, coalesce(sum(l.qty_picked), 0)::int AS units_picked,
           coalesce(sum(l.qty_short), 0)::int AS units_short, coalesce(sum(l.qty_cancelled), 0)::int AS units_cancelled
    FROM pick_tasks t LEFT JOIN zones z ON z.id = t.zone_id LEFT JOIN pick_task_lines l ON l.task_id = t.id
    WHERE t.wave_id = ANY(${ids}::text[]) GROUP BY t.id, z.code ORDER BY t.wave_id, t.seq`.execute(db);
  const fos = await db.selectFrom('fulfillment_orders').select(['id', 'wave_id']).where('wave_id', 'in', ids).orderBy('id').execute();
  return waves.map((w) => {
    const own = tasks.rows.filter((t) => t.wave_id === w.id);
    const sum = (k: 'units' | 'units_picked' | 'units_short' | 'units_cancelled') => own.reduce((s, t) => s + t[k], 0);
    const finished = sum('units_picked') + sum('units_short') + sum('units_cancelled');
    const { criteria, unreleased, ...rest } = w;
    const { next_cutoff: _n, ...crit } = criteria as WaveCriteria & { next_cutoff?: unknown };
    return {
      ...rest,
      criteria: crit,
      unreleased: unreleased as UnreleasedLine[],
      progress: {
        tasks: own.length,
        tasks_done: own.filter((t) => t.status === 'done' || t.status === 'cancelled').length,
        units: sum('units'), units_picked: sum('units_picked'), units_short: sum('units_short'), units_cancelled: sum('units_cancelled'),
        percent: sum('units') === 0 ? 100 : Math.floor((finished * 100) / sum('units')),
      },
      fulfillment_order_ids: fos.filter((f) => f.wave_id === w.id).map((f) => f.id),
      tasks: own.map(({ wave_id: _w, units_cancelled: _c, ...t }) => t),
    };
  });
}
