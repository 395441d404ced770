import { withTx, type Db, type Executor } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { canAccessWarehouse, type Principal } from '../modules/auth/index.js';
import * as inventory from '../modules/inventory/index.js';
import * as inbound from '../modules/inbound/index.js';
import type { ReplenishmentTaskView } from '../modules/inbound/index.js';
import { binFor, skuIdsFor, warehouseFor, type Caller } from './stock-commands.js';
import { STAGING_BIN_CODE } from './staging.js';

/**
 * Replenishment: the planner (the `replenish` job of `tandem work`, or on demand) turns pick faces below their
 * min into tasks; confirming a task moves the units reserve → pick face with the inventory move command.
 */

/** Plans replenishment in every warehouse with rules (or one), one transaction per warehouse. */
export async function runReplenishment(db: Db, opts: { warehouse_id?: string | undefined } = {}): Promise<{ created: number; tasks: string[]; no_stock: { warehouse_id: string; bin_id: string; sku_id: string }[] }> {
  const warehouses = opts.warehouse_id ? [opts.warehouse_id] : await inbound.warehousesWithRules(db);
  const tasks: string[] = [];
  const noStock: { warehouse_id: string; bin_id: string; sku_id: string }[] = [];
  for (const wh of warehouses) {
    const r = await withTx(db, (tx) => inbound.planReplenishment(tx, wh, { exclude_bin_codes: [STAGING_BIN_CODE] }));
    tasks.push(...r.created);
    noStock.push(...r.no_stock.map((n) => ({ warehouse_id: wh, ...n })));
  }
  return { created: tasks.length, tasks, no_stock: noStock };
}

/** Runs the planner now for one warehouse of the caller's. */
export async function runReplenishmentFor(db: Db, caller: Caller, warehouseRef: string) {
  const wh = await warehouseFor(db, caller, warehouseRef);
  const r = await runReplenishment(db, { warehouse_id: wh });
  const tasks: ReplenishmentTaskView[] = [];
  for (const id of r.tasks) tasks.push(await inbound.getReplenishmentTask(db, id));
  return { created: r.created, tasks, no_stock: r.no_stock };
}

export interface RuleRequest {
  warehouse_id: string;
  bin: string;
  sku: string;
  min_qty: number;
  max_qty: number;
  active?: boolean | undefined;
}

/** Sets the min/max of a pick face × SKU. */
export async function setReplenishmentRule(db: Db, caller: Caller, req: RuleRequest) {
  return withTx(db, async (tx) => {
    const wh = await warehouseFor(tx, caller, req.warehouse_id);
    const sku = (await skuIdsFor(tx, [req.sku])).get(req.sku)!;
    if (sku.is_kit) throw new AppError('unprocessable', 'sku_is_kit', `${sku.sku} is a kit: set rules for its components`, { sku: sku.sku });
    const binId = (await binFor(tx, wh, req.bin))!;
    return inbound.setReplenishmentRule(tx, { warehouse_id: wh, bin_id: binId, sku_id: sku.id, min_qty: req.min_qty, max_qty: req.max_qty, active: req.active }, caller.id);
  });
}

/** Rules of one of the caller's warehouses. */
export async function listRulesFor(db: Db, caller: Caller, warehouseRef: string) {
  return inbound.listReplenishmentRules(db, { warehouse_id: await warehouseFor(db, caller, warehouseRef) });
}

/** Tasks of one of the caller's warehouses. */
export async function listTasksFor(db: Db, caller: Caller, f: { warehouse_id: string; status?: 'open' | 'done' | 'cancelled' | undefined; limit: number }) {
  return inbound.listReplenishmentTasks(db, { ...f, warehouse_id: await warehouseFor(db, caller, f.warehouse_id) });
}

async function taskFor(db: Executor, caller: Caller, id: string, lock: boolean): Promise<ReplenishmentTaskView> {
  const task = await inbound.getReplenishmentTask(db, id, { lock });
  if (!canAccessWarehouse(caller as Principal, task.warehouse_id)) throw new AppError('not_found', 'replenishment_task_not_found', `Replenishment task ${id} was not found`, { task: id });
  return task;
}

/** A task the caller may see. */
export async function getTaskFor(db: Db, caller: Caller, id: string) {
  return taskFor(db, caller, id, false);
}

/**
 * Confirms a task: the units (all planned, or `qty` of them, taken line by line in FEFO order) move from the
 * reserve bins to the pick face. Units a released wave still has to pick from a reserve bin are not moved away
 * from under it (409 `source_promised`); the operator confirms fewer or cancels.
 */
export async function confirmReplenishment(db: Db, caller: Caller, id: string, req: { qty?: number | undefined }) {
  return withTx(db, async (tx) => {
    const task = await taskFor(tx, caller, id, true);
    if (task.status !== 'open') throw new AppError('conflict', 'invalid_transition', `Replenishment task ${id} is ${task.status}`, { task: id, status: task.status });
    if (req.qty !== undefined && req.qty > task.qty) {
      throw new AppError('unprocessable', 'over_confirm', `The task moves ${task.qty} units; ${req.qty} is more`, { task: id, planned: task.qty, requested: req.qty });
    }
    let left = req.qty ?? task.qty;
    const moved: { line_no: number; qty: number }[] = [];
    for (const line of task.lines) {
      if (left === 0) break;
      const qty = Math.min(left, line.qty);
      await inventory.moveStock(tx, { warehouse_id: task.warehouse_id, sku_id: task.sku_id, qty, from_bin_id: line.from_bin_id, to_bin_id: task.bin_id, lot: line.lot, reference: task.id, actor: caller.id });
      const promised = await inbound.promisedUnits(tx, line.from_bin_id, task.sku_id, line.lot);
      const [after] = await inventory.listBinStock(tx, { warehouse_id: task.warehouse_id, sku_id: task.sku_id, bin_id: line.from_bin_id, state: 'available', include_empty: true }).then((rows) => rows.filter((r) => r.lot === line.lot));
      if ((after?.qty ?? 0) < promised) {
        throw new AppError('conflict', 'source_promised', `Bin ${line.from_bin} must keep ${promised} units for open pick tasks; confirm fewer units`, { task: id, bin: line.from_bin, lot: line.lot, promised, left: after?.qty ?? 0 });
      }
      moved.push({ line_no: line.line_no, qty });
      left -= qty;
    }
    return inbound.closeReplenishmentTask(tx, task, { status: 'done', moved }, caller.id);
  });
}

/** Cancels an open task (nothing moves); the next planner run may create a fresh one. */
export async function cancelReplenishment(db: Db, caller: Caller, id: string) {
  return withTx(db, async (tx) => inbound.closeReplenishmentTask(tx, await taskFor(tx, caller, id, true), { status: 'cancelled' }, caller.id));
}
