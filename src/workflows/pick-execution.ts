import { withTx, type Db, type Tx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { emit } from '../events/outbox.js';
import { canAccessWarehouse, type Principal } from '../modules/auth/index.js';
import {
  addFulfillmentWork, addTaskLines, assertMayWork, claimTask, getTaskRow, getTaskView, linesForScan, loadFreeStock, lockAllocation, lockLines, openLines, recordPicked,
  recordPickException, recordShort, reduceWork, resolveScannedItem, settlePickProgress, take, taskLine, assertNotOverAllocated,
  type PickLineRow, type PickTaskRow, type PickTaskView,
} from '../modules/fulfillment/index.js';
import { adjustStock, availabilityFor, listBinStock, moveStock } from '../modules/inventory/index.js';
import { getOrderLines, lockOrder, recordOrderEvent } from '../modules/orders/index.js';
import { getBin } from '../modules/warehouse/index.js';
import { allocateOrder } from './allocate-order.js';
import { openReservations, releaseUnits } from './inventory-port.js';
import { stagingBinId } from './staging.js';

/**
 * Pick execution as a scanner drives it: claim a task, confirm picks by scanning bin and item, report shorts.
 * Each call is one transaction: task bookkeeping and the stock move (pick bin → staging bin) commit together.
 */

const supervisor = (p: Principal): boolean => p.role === 'admin' || p.role === 'ops';

/** A task the caller may see (other warehouses' tasks answer 404). */
async function taskFor(tx: Tx, p: Principal, id: string): Promise<PickTaskRow> {
  const task = await getTaskRow(tx, id);
  if (!canAccessWarehouse(p, task.warehouse_id)) throw new AppError('not_found', 'pick_task_not_found', `Pick task ${id} was not found`, { task_id: id });
  return task;
}

/** Claims the caller's next pick task in a warehouse (or returns the one they already hold). */
export async function claimPickTask(db: Db, p: Principal, warehouseId: string): Promise<PickTaskView & { resumed: boolean }> {
  return withTx(db, async (tx) => {
    if (!(await tx.selectFrom('warehouses').select('id').where('id', '=', warehouseId).executeTakeFirst()) || !canAccessWarehouse(p, warehouseId)) {
      throw new AppError('not_found', 'warehouse_not_found', `Warehouse ${warehouseId} was not found`, { warehouse: warehouseId });
    }
    const claimed = await claimTask(tx, warehouseId, p.id);
    return { ...(await getTaskView(tx, claimed.id)), resumed: claimed.resumed };
  });
}

/** A pick task with its lines, next line first. */
export async function getPickTaskFor(db: Db, p: Principal, id: string): Promise<PickTaskView> {
  const view = await getTaskView(db, id);
  if (!canAccessWarehouse(p, view.warehouse_id)) throw new AppError('not_found', 'pick_task_not_found', `Pick task ${id} was not found`, { task_id: id });
  return view;
}

export interface ConfirmRequest {
  bin: string;
  sku_or_barcode: string;
  qty: number;
  line_id?: string | undefined;
}

export interface PickResult {
  /** Where the units go: the line, its order's slot (tote) and how many. */
  puts: { line_id: string; fulfillment_order_id: string; slot: number | null; qty: number }[];
  task: PickTaskView;
}

/** Orders of the lines locked first (id order): the lock order every order workflow follows. */
async function lockOrdersOf(tx: Tx, lines: PickLineRow[]): Promise<void> {
  for (const id of [...new Set(lines.map((l) => l.order_id))].sort()) await lockOrder(tx, id);
}

/** Records `qty` picked over the lines in path order and moves the units pick bin → staging. */
async function pickUnits(tx: Tx, task: PickTaskRow, lines: PickLineRow[], qty: number, actor: string): Promise<PickResult['puts']> {
  const puts: PickResult['puts'] = [];
  let left = qty;
  for (const l of lines) {
    if (left === 0) break;
    const q = Math.min(left, l.remaining);
    if (q <= 0) continue;
    if (!(await recordPicked(tx, l.id, q))) throw new AppError('conflict', 'over_pick', 'This pick changed meanwhile; scan again', { line_id: l.id });
    puts.push({ line_id: l.id, fulfillment_order_id: l.fulfillment_order_id, slot: l.slot, qty: q });
    left -= q;
  }
  const first = lines[0]!;
  await moveStock(tx, { warehouse_id: task.warehouse_id, sku_id: first.sku_id, qty, from_bin_id: first.bin_id, to_bin_id: await stagingBinId(tx, task.warehouse_id), lot: first.lot, reference: task.id, actor });
  await emit(tx, { type: 'pick.confirmed', aggregateType: 'pick_task', aggregateId: task.id, payload: { warehouse_id: task.warehouse_id, sku_id: first.sku_id, bin_id: first.bin_id, lot: first.lot, qty, puts }, actor });
  return puts;
}

/**
 * Confirms a pick: the scanned bin and item must be those of an open line (422 `wrong_bin` / `wrong_item`), the
 * quantity no more than is still needed there (422 `over_pick`). Without line_id a batch pick fills the slots of
 * every order needing that item from that bin, in path order.
 */
export async function confirmPick(db: Db, p: Principal, taskId: string, req: ConfirmRequest): Promise<PickResult> {
  return withTx(db, async (tx) => {
    const task = await taskFor(tx, p, taskId);
    assertMayWork(task, p.id, supervisor(p));
    const bin = await getBin(tx, task.warehouse_id, req.bin).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'bin_not_found') return undefined;
      throw err;
    });
    const item = await resolveScannedItem(tx, req.sku_or_barcode);
    const scanned = await linesForScan(tx, task.id, { line_id: req.line_id, bin_id: bin?.id ?? null, bin: req.bin, sku_id: item?.id ?? null, item: req.sku_or_barcode });
    await lockOrdersOf(tx, scanned);
    const lines = (await lockLines(tx, scanned)).filter((l) => l.status === 'open');
    const need = lines.reduce((s, l) => s + l.remaining, 0);
    if (req.qty > need) {
      const first = scanned[0]!;
      const msg = need === 0 ? `Nothing more of ${first.sku} is needed from bin ${first.bin}; put the ${req.qty} back.` : `Too many: only ${need} more of ${first.sku} ${need === 1 ? 'is' : 'are'} needed from bin ${first.bin}; put ${req.qty - need} back.`;
      throw new AppError('unprocessable', 'over_pick', msg, { needed: need, confirmed: req.qty, sku: first.sku, bin: first.bin });
    }
    const puts = await pickUnits(tx, task, lines, req.qty, p.id);
    await settlePickProgress(tx, { fulfillment_order_ids: lines.map((l) => l.fulfillment_order_id), task_ids: [task.id] }, p.id);
    return { puts, task: await getTaskView(tx, task.id) };
  });
}

export interface ShortRequest {
  qty_found: number;
  line_id?: string | undefined;
}

export interface ShortResult extends PickResult {
  exception: { id: string; missing: number; reallocated: number; rerouted: number; deferred: number };
}

/**
 * A short pick: the picker found only `qty_found` of what a line still needs at its bin. Those are picked; the
 * missing units are adjusted out of that bin (reason `lost`). Units the warehouse's unreserved stock cannot cover are
 * released from the order's reservation and routed again (another warehouse, or backordered); the others stay
 * reserved here and are picked from another bin with free stock (new lines join this task) or, when none has any,
 * wait in a new pending fulfillment order for a later wave. Recorded as a pick exception (`pick.short`).
 */
export async function shortPick(db: Db, p: Principal, taskId: string, req: ShortRequest): Promise<ShortResult> {
  return withTx(db, async (tx) => {
    const task = await taskFor(tx, p, taskId);
    assertMayWork(task, p.id, supervisor(p));
    const target = req.line_id ? await taskLine(tx, task.id, req.line_id) : (await openLines(tx, task.id))[0];
    if (!target) throw new AppError('conflict', 'nothing_to_pick', 'Everything on this task is picked; claim the next task', { task_id: task.id });
    await lockOrdersOf(tx, [target]);
    const [line] = await lockLines(tx, [target]);
    if (!line || line.status !== 'open') throw new AppError('conflict', 'nothing_to_pick', 'This pick is already done; go on with the next one', { line_id: target.id });
    if (req.qty_found >= line.remaining) {
      throw new AppError('unprocessable', 'use_confirm', `${req.qty_found} found covers the ${line.remaining} needed: confirm the pick instead of reporting a short`, { needed: line.remaining, found: req.qty_found });
    }
    const puts = req.qty_found > 0 ? await pickUnits(tx, task, [line], req.qty_found, p.id) : [];
    const missing = line.remaining - req.qty_found;
    if (!(await recordShort(tx, line.id, missing))) throw new AppError('conflict', 'nothing_to_pick', 'This pick changed meanwhile; look at the task again', { line_id: line.id });

    // Another bin of this warehouse first; only what neither its free bin stock nor its unreserved units can cover leaves.
    await lockAllocation(tx, task.warehouse_id);
    const pool = await loadFreeStock(tx, task.warehouse_id, [line.sku_id]);
    const elsewhere = (pool.get(line.sku_id) ?? []).filter((s) => !(s.bin_id === line.bin_id && s.lot === line.lot)).reduce((s, x) => s + x.free, 0);
    const slack = (await availabilityFor(tx, [line.sku_id])).find((a) => a.warehouse_id === task.warehouse_id)?.available ?? 0;
    // Units the warehouse's unreserved stock cannot cover leave it; the rest stay reserved here: picked from another
    // bin now when one has free stock, else deferred to a later wave (they are unplaced, in reserve or promised).
    const rerouted = Math.max(0, missing - slack);
    const reallocated = Math.min(missing - rerouted, elsewhere);
    const deferred = missing - rerouted - reallocated;
    if (rerouted > 0) await releaseShare(tx, line, task.warehouse_id, rerouted, p.id);
    if (rerouted + deferred > 0) await reduceWork(tx, line.fulfillment_order_id, line.order_line_id, line.sku_id, rerouted + deferred);
    if (deferred > 0) await deferWork(tx, line, task.warehouse_id, deferred, p.id);
    await writeOffMissing(tx, task, line, missing, p.id);
    const alloc = take(pool, line.sku_id, reallocated, (s) => s.bin_id === line.bin_id && s.lot === line.lot);
    await addTaskLines(tx, task, line, alloc.allocations);
    await assertNotOverAllocated(tx, task.warehouse_id, [line.sku_id]);
    const exceptionId = await recordPickException(tx, { task, line, qty_expected: line.remaining, qty_found: req.qty_found, qty_missing: missing, qty_reallocated: reallocated, qty_rerouted: rerouted, qty_deferred: deferred, picker: p.id });
    await settlePickProgress(tx, { fulfillment_order_ids: [line.fulfillment_order_id], task_ids: [task.id] }, p.id);
    if (rerouted > 0) await rerouteShortfall(tx, line, rerouted, p.id);
    return { puts, exception: { id: exceptionId, missing, reallocated, rerouted, deferred }, task: await getTaskView(tx, task.id) };
  });
}

/** Puts still-reserved units the warehouse cannot pick now into a new pending fulfillment order there. */
async function deferWork(tx: Tx, line: PickLineRow, warehouseId: string, qty: number, actor: string): Promise<void> {
  const order = await lockOrder(tx, line.order_id);
  await addFulfillmentWork(tx, { order_id: order.id, warehouse_id: warehouseId, priority: order.priority, dispatch_by: order.dispatch_by, lines: [{ order_line_id: line.order_line_id, sku_id: line.sku_id, qty }] }, actor);
  await recordOrderEvent(tx, order.id, 'pick_short', `${qty} unit(s) of ${line.sku} missing at bin ${line.bin}; they wait for a later wave in this warehouse`, { sku_id: line.sku_id, bin_id: line.bin_id, qty }, actor);
}

/** Releases units of the order's reservation for the line's SKU at the warehouse. */
async function releaseShare(tx: Tx, line: PickLineRow, warehouseId: string, qty: number, actor: string): Promise<void> {
  let left = qty;
  for (const r of (await openReservations(tx, line.order_id)).filter((x) => x.ref_line === line.order_line_id && x.sku_id === line.sku_id && x.warehouse_id === warehouseId)) {
    const q = Math.min(left, r.qty);
    if (q <= 0) continue;
    await releaseUnits(tx, r.id, q, actor);
    left -= q;
  }
  if (left > 0) throw new AppError('conflict', 'invalid_transition', 'The order holds fewer reserved units than the short', { order_id: line.order_id, missing: left });
}

/** Adjusts the missing units out of the bin (reason lost). A bin under count is left alone: the count will find them missing. */
async function writeOffMissing(tx: Tx, task: PickTaskRow, line: PickLineRow, missing: number, actor: string): Promise<void> {
  const held = (await listBinStock(tx, { warehouse_id: task.warehouse_id, sku_id: line.sku_id, bin_id: line.bin_id })).filter((b) => b.lot === line.lot && b.state === 'available').reduce((s, b) => s + b.qty, 0);
  const qty = Math.min(missing, held);
  if (qty === 0) return;
  try {
    await adjustStock(tx, { warehouse_id: task.warehouse_id, sku_id: line.sku_id, bin_id: line.bin_id, lot: line.lot, delta: -qty, reason: 'lost', note: `short pick on task ${task.id}`, reference: task.id, actor });
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'bin_under_count')) throw err;
  }
}

/** Routes the released units again; a kit's components are not re-routed one by one (the order's kit would split). */
async function rerouteShortfall(tx: Tx, line: PickLineRow, qty: number, actor: string): Promise<void> {
  const order = await lockOrder(tx, line.order_id);
  const orderLine = (await getOrderLines(tx, order.id)).find((l) => l.id === line.order_line_id);
  await recordOrderEvent(tx, order.id, 'pick_short', `${qty} unit(s) of ${line.sku} missing at bin ${line.bin}; routing them again`, { sku_id: line.sku_id, bin_id: line.bin_id, qty }, actor);
  if (orderLine?.sku_id !== line.sku_id) return;
  await allocateOrder(tx, order, actor);
}

/**
 * Puts picked units of cancelled work back: staging → the bin × lot they were picked from. A bin now under count
 * cannot take them; they go to the unplaced pool (awaiting putaway) instead.
 */
export async function restockFromStaging(tx: Tx, moves: { warehouse_id: string; sku_id: string; bin_id: string; lot: string; qty: number; task_id: string }[], actor?: string): Promise<void> {
  for (const m of moves) {
    const staging = await stagingBinId(tx, m.warehouse_id);
    const move = (to: string | null) => moveStock(tx, { warehouse_id: m.warehouse_id, sku_id: m.sku_id, qty: m.qty, from_bin_id: staging, to_bin_id: to, lot: m.lot, reference: m.task_id, actor });
    try {
      await move(m.bin_id);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'bin_under_count')) throw err;
      await move(null);
    }
  }
}
