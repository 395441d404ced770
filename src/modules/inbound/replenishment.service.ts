import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { emit } from '../../events/outbox.js';
import { AppError } from '../../shared/errors.js';
import { ulid } from '../../shared/ids.js';
import type { ReplenishmentRuleView, ReplenishmentTaskView } from './inbound.types.js';

/**
 * Replenishment: min/max rules per pick-face bin × SKU, and tasks that move units from reserve bins to a pick
 * face that fell below its min. Reads bins, bin contents and open pick allocations (pick_task_lines) to plan;
 * the units themselves move only through inventory's move command (in the workflow).
 */

/** Creates or changes the min/max of a pick face × SKU. Emits `replenishment_rule.set`. */
export async function setReplenishmentRule(
  tx: Executor,
  input: { warehouse_id: string; bin_id: string; sku_id: string; min_qty: number; max_qty: number; active?: boolean | undefined },
  actor?: string,
): Promise<ReplenishmentRuleView> {
  if (input.min_qty >= input.max_qty) {
    throw new AppError('invalid', 'rule_invalid', `min_qty (${input.min_qty}) must be below max_qty (${input.max_qty})`, { min_qty: input.min_qty, max_qty: input.max_qty }, [{ path: 'body.min_qty', message: 'must be below max_qty' }]);
  }
  const bin = await tx.selectFrom('bins').select(['pickable', 'code']).where('id', '=', input.bin_id).where('warehouse_id', '=', input.warehouse_id).executeTakeFirst();
  if (bin && !bin.pickable) {
    throw new AppError('unprocessable', 'rule_invalid', `Bin ${bin.code} is not pickable: replenishment fills pick faces from reserve bins`, { bin: bin.code });
  }
  const values = { warehouse_id: input.warehouse_id, bin_id: input.bin_id, sku_id: input.sku_id, min_qty: input.min_qty, max_qty: input.max_qty, active: input.active ?? true, updated_by: actor ?? null };
  await tx
    .insertInto('replenishment_rules')
    .values(values)
    .onConflict((oc) => oc.columns(['bin_id', 'sku_id']).doUpdateSet({ min_qty: values.min_qty, max_qty: values.max_qty, active: values.active, updated_by: values.updated_by, updated_at: new Date() }))
    .execute();
  await emit(tx, { type: 'replenishment_rule.set', aggregateType: 'warehouse', aggregateId: input.warehouse_id, payload: { bin_id: input.bin_id, sku_id: input.sku_id, min_qty: input.min_qty, max_qty: input.max_qty, active: values.active }, actor });
  return (await listReplenishmentRules(tx, { warehouse_id: input.warehouse_id, bin_id: input.bin_id, sku_id: input.sku_id }))[0]!;
}

/** Rules of a warehouse (optionally one bin × SKU), by bin code then SKU. */
export async function listReplenishmentRules(db: Executor, f: { warehouse_id: string; bin_id?: string | undefined; sku_id?: string | undefined }): Promise<ReplenishmentRuleView[]> {
  let q = db
    .selectFrom('replenishment_rules as r')
    .innerJoin('bins as b', 'b.id', 'r.bin_id')
    .innerJoin('skus as s', 's.id', 'r.sku_id')
    .select(['r.warehouse_id', 'r.bin_id', 'b.code as bin', 'r.sku_id', 's.sku', 'r.min_qty', 'r.max_qty', 'r.active', 'r.updated_by', 'r.updated_at'])
    .where('r.warehouse_id', '=', f.warehouse_id)
    .orderBy('b.code')
    .orderBy('s.sku');
  if (f.bin_id) q = q.where('r.bin_id', '=', f.bin_id);
  if (f.sku_id) q = q.where('r.sku_id', '=', f.sku_id);
  return q.execute();
}

/** Warehouses with active rules (what the background job walks). */
export async function warehousesWithRules(db: Executor): Promise<string[]> {
  const r = await db.selectFrom('replenishment_rules').select('warehouse_id').distinct().where('active', '=', true).orderBy('warehouse_id').execute();
  return r.map((x) => x.warehouse_id);
}

interface Need {
  bin_id: string;
  sku_id: string;
  min_qty: number;
  max_qty: number;
  available: number;
  room: number | null;
}

/** Open pick allocations of a bin (× lot) for a SKU: units a released wave will take from there. */
const PROMISED = (binCol: string, skuCol: string, lotCol: string | null) =>
  sql`coalesce((SELECT sum(p.qty - p.qty_picked - p.qty_short - p.qty_cancelled) FROM pick_task_lines p
                WHERE p.status = 'open' AND p.bin_id = ${sql.ref(binCol)} AND p.sku_id = ${sql.ref(skuCol)} ${lotCol ? sql`AND p.lot = ${sql.ref(lotCol)}` : sql``}), 0)`;

/**
 * Pick faces below min with no open task: available = units in the bin minus what open pick tasks will take
 * from it; room = what its capacity still allows.
 */
async function needs(tx: Executor, warehouseId: string): Promise<Need[]> {
  const r = await sql<Need>`
    SELECT bin_id, r_sku AS sku_id, min_qty, max_qty, (held - promised)::int AS available,
           CASE WHEN capacity_units IS NULL THEN NULL ELSE (capacity_units - used)::int END AS room
    FROM (
      SELECT r.bin_id, r.sku_id AS r_sku, r.min_qty, r.max_qty, b.capacity_units,
             coalesce((SELECT sum(s.qty) FROM bin_stock s WHERE s.bin_id = r.bin_id AND s.sku_id = r.sku_id AND s.state = 'available'), 0) AS held,
             coalesce((SELECT sum(s.qty) FROM bin_stock s WHERE s.bin_id = r.bin_id), 0) AS used,
             ${PROMISED('r.bin_id', 'r.sku_id', null)} AS promised
      FROM replenishment_rules r JOIN bins b ON b.id = r.bin_id
      WHERE r.warehouse_id = ${warehouseId} AND r.active AND b.active
        AND NOT EXISTS (SELECT 1 FROM replenishment_tasks t WHERE t.bin_id = r.bin_id AND t.sku_id = r.sku_id AND t.status = 'open')
    ) x
    WHERE held - promised < min_qty
    ORDER BY bin_id, r_sku`.execute(tx);
  return r.rows;
}

interface Source {
  bin_id: string;
  lot: string;
  free: number;
}

/**
 * Reserve stock of a SKU, in FEFO then FIFO order: available units in active, non-pickable bins that are not
 * excluded (the staging bin) nor under count, less what open pick tasks and open replenishment tasks already
 * plan to take from them.
 */
async function sources(tx: Executor, warehouseId: string, skuId: string, excludeCodes: string[]): Promise<Source[]> {
  const r = await sql<Source>`
    SELECT bin_id, lot, free::int AS free FROM (
      SELECT s.bin_id, s.lot, s.expires_on, s.received_at, b.walk_sequence, b.code,
             s.qty - ${PROMISED('s.bin_id', 's.sku_id', 's.lot')}
               - coalesce((SELECT sum(l.qty - l.moved_qty) FROM replenishment_task_lines l JOIN replenishment_tasks t ON t.id = l.task_id
                           WHERE t.status = 'open' AND t.sku_id = s.sku_id AND l.from_bin_id = s.bin_id AND l.lot = s.lot), 0) AS free
      FROM bin_stock s JOIN bins b ON b.id = s.bin_id
      WHERE s.warehouse_id = ${warehouseId} AND s.sku_id = ${skuId} AND s.state = 'available' AND s.qty > 0
        AND NOT b.pickable AND b.active AND b.code <> ALL(${excludeCodes}::text[])
        AND NOT EXISTS (SELECT 1 FROM cycle_count_bins c WHERE c.bin_id = b.id AND c.open)
    ) x
    WHERE free > 0
    ORDER BY expires_on NULLS LAST, received_at, walk_sequence, code, lot`.execute(tx);
  return r.rows;
}

/**
 * Plans replenishment for one warehouse: for each pick face below its min without an open task, a task that
 * brings it up to max (within its capacity) from reserve stock, FEFO/FIFO. The partial unique index on open
 * tasks makes a second planner's duplicate a no-op. Emits `replenishment_task.created` per task.
 */
export async function planReplenishment(tx: Executor, warehouseId: string, opts: { exclude_bin_codes?: string[] | undefined } = {}): Promise<{ created: string[]; no_stock: { bin_id: string; sku_id: string }[] }> {
  // One planner per warehouse at a time, so two planners never promise the same reserve units to two faces.
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`replenish:${warehouseId}`}))`.execute(tx);
  const created: string[] = [];
  const noStock: { bin_id: string; sku_id: string }[] = [];
  for (const n of await needs(tx, warehouseId)) {
    const want = Math.min(n.max_qty - n.available, n.room ?? Number.MAX_SAFE_INTEGER);
    if (want <= 0) continue;
    const lines: { from_bin_id: string; lot: string; qty: number }[] = [];
    let left = want;
    for (const s of await sources(tx, warehouseId, n.sku_id, opts.exclude_bin_codes ?? [])) {
      if (left === 0) break;
      const qty = Math.min(left, s.free);
      lines.push({ from_bin_id: s.bin_id, lot: s.lot, qty });
      left -= qty;
    }
    if (lines.length === 0) {
      noStock.push({ bin_id: n.bin_id, sku_id: n.sku_id });
      continue;
    }
    const id = `rpl_${ulid()}`;
    const qty = want - left;
    const inserted = await sql<{ id: string }>`
      INSERT INTO replenishment_tasks (id, warehouse_id, bin_id, sku_id, qty) VALUES (${id}, ${warehouseId}, ${n.bin_id}, ${n.sku_id}, ${qty})
      ON CONFLICT (bin_id, sku_id) WHERE status = 'open' DO NOTHING RETURNING id`.execute(tx);
    if (inserted.rows.length === 0) continue;
    await tx.insertInto('replenishment_task_lines').values(lines.map((l, i) => ({ task_id: id, line_no: i + 1, ...l }))).execute();
    await emit(tx, { type: 'replenishment_task.created', aggregateType: 'replenishment_task', aggregateId: id, payload: { warehouse_id: warehouseId, bin_id: n.bin_id, sku_id: n.sku_id, qty, available: n.available, min_qty: n.min_qty, max_qty: n.max_qty, lines } });
    created.push(id);
  }
  return { created, no_stock: noStock };
}

async function tasks(db: Executor, where: { id?: string; warehouse_id?: string; status?: string; limit?: number }, lock = false): Promise<ReplenishmentTaskView[]> {
  let q = db
    .selectFrom('replenishment_tasks as t')
    .select(['t.id', 't.warehouse_id', 't.bin_id', 't.sku_id', 't.qty', 't.moved_qty', 't.status', 't.created_at', 't.closed_at', 't.closed_by'])
    .orderBy('t.id', 'desc');
  if (where.id) q = q.where('t.id', '=', where.id);
  if (where.warehouse_id) q = q.where('t.warehouse_id', '=', where.warehouse_id);
  if (where.status) q = q.where('t.status', '=', where.status as 'open');
  if (where.limit) q = q.limit(where.limit);
  if (lock) q = q.forUpdate();
  const rows = await q.execute();
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const lines = await db
    .selectFrom('replenishment_task_lines as l')
    .innerJoin('bins as b', 'b.id', 'l.from_bin_id')
    .select(['l.task_id', 'l.line_no', 'l.from_bin_id', 'b.code as from_bin', 'l.lot', 'l.qty', 'l.moved_qty'])
    .where('l.task_id', 'in', ids)
    .orderBy('l.task_id')
    .orderBy('l.line_no')
    .execute();
  const names = await db
    .selectFrom('replenishment_tasks as t')
    .innerJoin('bins as b', 'b.id', 't.bin_id')
    .innerJoin('skus as s', 's.id', 't.sku_id')
    .select(['t.id', 'b.code as bin', 's.sku'])
    .where('t.id', 'in', ids)
    .execute();
  return rows.map((r) => {
    const n = names.find((x) => x.id === r.id)!;
    return { ...r, bin: n.bin, sku: n.sku, lines: lines.filter((l) => l.task_id === r.id).map(({ task_id: _t, ...l }) => l) };
  });
}

/** A replenishment task with its source lines; throws `replenishment_task_not_found`. */
export async function getReplenishmentTask(db: Executor, id: string, opts: { lock?: boolean } = {}): Promise<ReplenishmentTaskView> {
  const [t] = await tasks(db, { id }, opts.lock ?? false);
  if (!t) throw new AppError('not_found', 'replenishment_task_not_found', `Replenishment task ${id} was not found`, { task: id });
  return t;
}

/** Tasks of a warehouse, newest first. */
export async function listReplenishmentTasks(db: Executor, f: { warehouse_id: string; status?: 'open' | 'done' | 'cancelled' | undefined; limit: number }): Promise<ReplenishmentTaskView[]> {
  return tasks(db, { warehouse_id: f.warehouse_id, status: f.status, limit: f.limit });
}

/**
 * Closes an open task (the caller locked it and moved the units): `done` with what was moved per line, or
 * `cancelled`. Emits `replenishment_task.completed` or `.cancelled`.
 */
export async function closeReplenishmentTask(tx: Executor, task: ReplenishmentTaskView, outcome: { status: 'done'; moved: { line_no: number; qty: number }[] } | { status: 'cancelled' }, actor?: string): Promise<ReplenishmentTaskView> {
  if (task.status !== 'open') {
    throw new AppError('conflict', 'invalid_transition', `Replenishment task ${task.id} is ${task.status}`, { task: task.id, status: task.status });
  }
  let moved = 0;
  if (outcome.status === 'done') {
    for (const m of outcome.moved) {
      await tx.updateTable('replenishment_task_lines').set({ moved_qty: m.qty }).where('task_id', '=', task.id).where('line_no', '=', m.line_no).execute();
      moved += m.qty;
    }
  }
  await tx.updateTable('replenishment_tasks').set({ status: outcome.status, moved_qty: moved, closed_at: new Date(), closed_by: actor ?? null }).where('id', '=', task.id).where('status', '=', 'open').execute();
  await emit(tx, {
    type: outcome.status === 'done' ? 'replenishment_task.completed' : 'replenishment_task.cancelled', aggregateType: 'replenishment_task', aggregateId: task.id,
    payload: { warehouse_id: task.warehouse_id, bin_id: task.bin_id, sku_id: task.sku_id, planned: task.qty, moved },
    actor,
  });
  return getReplenishmentTask(tx, task.id);
}

/** Open pick allocations on a bin × lot of a SKU (units a released wave will still take from it). */
export async function promisedUnits(db: Executor, binId: string, skuId: string, lot: string): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT coalesce(sum(qty - qty_picked - qty_short - qty_cancelled), 0)::int AS n FROM pick_task_lines
    WHERE status = 'open' AND bin_id = ${binId} AND sku_id = ${skuId} AND lot = ${lot}`.execute(db);
  return r.rows[0]!.n;
}
