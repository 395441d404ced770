import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { emit } from '../../events/outbox.js';
import { newId } from '../../shared/ids.js';
import { conflictWith, insufficientStock, invalidInput, transferInvalidState, transferNotFound } from './inventory.errors.js';
import { assertBinsIn, assertNotKits, assertNotUnderCount, assertQty, binKey, normLot, skuLabel, stockChanged, MAX_QTY } from './inventory.guards.js';
import { addToBin, addToLevel, appendLedger, shiftLevelState, takeFromLevel, type LedgerRow } from './inventory.repo.js';
import { commitUnits, releaseReservations, reserveStock } from './inventory.reserve.js';
import type { LevelChange, TransferLineInput, TransferReceiveLine, TransferView } from './inventory.types.js';

/**
 * Transfers between warehouses: create (the source's stock is reserved) → ship (it leaves the source and
 * is in transit, counted at the destination) → receive, in parts (it arrives in the destination's bins).
 * Closing records what never arrived as a discrepancy.
 */

type Status = TransferView['status'];

/** Which statuses each action may start from. */
export const TRANSFER_TRANSITIONS: Record<'ship' | 'receive' | 'cancel', readonly Status[]> = {
  ship: ['created'],
  receive: ['shipped', 'partially_received'],
  cancel: ['created'],
};

/** A transfer with its lines; throws transfer_not_found. */
export async function getTransfer(db: Executor, id: string): Promise<TransferView> {
  const t = await db
    .selectFrom('transfers')
    .select(['id', 'from_warehouse_id', 'to_warehouse_id', 'status', 'reference', 'created_at', 'shipped_at', 'closed_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!t) throw transferNotFound(id);
  const lines = await db
    .selectFrom('transfer_lines as l')
    .innerJoin('skus as k', 'k.id', 'l.sku_id')
    .select(['l.line_no', 'l.sku_id', 'k.sku', 'l.qty', 'l.shipped', 'l.received', 'l.discrepancy'])
    .where('l.transfer_id', '=', id)
    .orderBy('l.line_no')
    .execute();
  return { ...(t as Omit<TransferView, 'lines'>), lines };
}

/** Transfers touching the warehouses in scope, newest first. */
export async function listTransfers(db: Executor, input: { scope?: string[] | null | undefined; status?: Status | undefined; warehouse_id?: string | undefined; limit: number }): Promise<Omit<TransferView, 'lines'>[]> {
  let q = db
    .selectFrom('transfers')
    .select(['id', 'from_warehouse_id', 'to_warehouse_id', 'status', 'reference', 'created_at', 'shipped_at', 'closed_at'])
    .orderBy('id', 'desc')
    .limit(input.limit);
  if (input.status) q = q.where('status', '=', input.status);
  if (input.warehouse_id) q = q.where((eb) => eb.or([eb('from_warehouse_id', '=', input.warehouse_id!), eb('to_warehouse_id', '=', input.warehouse_id!)]));
  if (input.scope) {
    const s = input.scope.length > 0 ? input.scope : [''];
    q = q.where((eb) => eb.or([eb('from_warehouse_id', 'in', s), eb('to_warehouse_id', 'in', s)]));
  }
  return (await q.execute()) as Omit<TransferView, 'lines'>[];
}

/** Locks the transfer and checks that `action` may start from its status. */
async function lockTransfer(tx: Executor, id: string, action: keyof typeof TRANSFER_TRANSITIONS): Promise<{ from_warehouse_id: string; to_warehouse_id: string; status: Status }> {
  const t = await tx.selectFrom('transfers').select(['from_warehouse_id', 'to_warehouse_id', 'status']).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!t) throw transferNotFound(id);
  if (!TRANSFER_TRANSITIONS[action].includes(t.status)) throw transferInvalidState(id, t.status, action === 'ship' ? 'shipped' : action === 'receive' ? 'received' : 'cancelled');
  return t;
}

/** Creates a transfer and reserves its units at the source (all or nothing); emits `transfer.created`. */
export async function createTransfer(
  tx: Executor,
  input: { from_warehouse_id: string; to_warehouse_id: string; lines: TransferLineInput[]; reference?: string | undefined; actor?: string | undefined },
): Promise<TransferView> {
  if (input.from_warehouse_id === input.to_warehouse_id) throw invalidInput('validation_failed', 'A transfer goes from one warehouse to another');
  if (input.lines.length === 0) throw invalidInput('validation_failed', 'A transfer needs at least one line');
  input.lines.forEach((l, i) => assertQty(l.qty, `lines.${i}.qty`));
  const bySku = new Map<string, { qty: number; sku: string | undefined }>();
  for (const l of input.lines) {
    const g = bySku.get(l.sku_id) ?? { qty: 0, sku: l.sku };
    g.qty += l.qty;
    if (g.qty > MAX_QTY) throw invalidInput('validation_failed', `At most ${MAX_QTY} units of one SKU per transfer`);
    bySku.set(l.sku_id, g);
  }
  await assertNotKits(tx, [...bySku.keys()]);
  const id = newId('trf');
  await tx.insertInto('transfers').values({ id, from_warehouse_id: input.from_warehouse_id, to_warehouse_id: input.to_warehouse_id, reference: input.reference ?? null, created_by: input.actor ?? null, shipped_at: null, closed_at: null }).execute();
  const lines = [...bySku.keys()].sort().map((sku_id, i) => ({ transfer_id: id, line_no: i + 1, sku_id, qty: bySku.get(sku_id)!.qty }));
  await tx.insertInto('transfer_lines').values(lines).execute();
  await reserveStock(tx, { ref: id, lines: lines.map((l) => ({ ref_line: String(l.line_no), sku_id: l.sku_id, warehouse_id: input.from_warehouse_id, qty: l.qty, sku: bySku.get(l.sku_id)!.sku })), actor: input.actor });
  await emit(tx, { type: 'transfer.created', aggregateType: 'transfer', aggregateId: id, payload: { from_warehouse_id: input.from_warehouse_id, to_warehouse_id: input.to_warehouse_id, lines: lines.map((l) => ({ line_no: l.line_no, sku_id: l.sku_id, qty: l.qty })) }, actor: input.actor });
  return getTransfer(tx, id);
}

/**
 * Ships a transfer: each line's reservation is committed at the source (bins chosen FEFO) and the units
 * become in transit at the destination. Emits `transfer.shipped` and `stock.changed`.
 */
export async function shipTransfer(tx: Executor, id: string, actor?: string): Promise<TransferView> {
  const t = await lockTransfer(tx, id, 'ship');
  const reservations = await tx.selectFrom('reservations').select(['id', 'ref_line', 'sku_id', 'qty']).where('ref', '=', id).where('status', '=', 'open').orderBy('sku_id').execute();
  const levels: LevelChange[] = [];
  const shipped: { sku_id: string; qty: number }[] = [];
  for (const r of reservations) {
    const c = await commitUnits(tx, { reservation_id: r.id, reference: id, actor }, 'transfer_out');
    levels.push(c.level);
    shipped.push({ sku_id: r.sku_id, qty: c.committed });
  }
  const ledger: LedgerRow[] = [];
  for (const s of shipped) {
    await addToLevel(tx, s.sku_id, t.to_warehouse_id, 'in_transit', s.qty);
    await tx.updateTable('transfer_lines').set({ shipped: s.qty }).where('transfer_id', '=', id).where('sku_id', '=', s.sku_id).execute();
    ledger.push({ type: 'transfer_in_transit', sku_id: s.sku_id, warehouse_id: t.to_warehouse_id, bin_id: null, state: 'in_transit', delta: s.qty, reference: id, actor: actor ?? null, reason: null });
  }
  await appendLedger(tx, ledger);
  await tx.updateTable('transfers').set({ status: 'shipped', shipped_at: new Date(), updated_at: new Date() }).where('id', '=', id).execute();
  await emit(tx, [
    { type: 'transfer.shipped', aggregateType: 'transfer', aggregateId: id, payload: { from_warehouse_id: t.from_warehouse_id, to_warehouse_id: t.to_warehouse_id, lines: shipped }, actor },
    ...stockChanged(levels, actor),
  ]);
  return getTransfer(tx, id);
}

/**
 * Receives shipped units at the destination, in one or several receipts. Receiving more than is
 * outstanding on a line is refused. When every line is in, or with `close`, the transfer is received and
 * whatever did not arrive is recorded per line as a discrepancy (it leaves in-transit stock).
 */
export async function receiveTransfer(tx: Executor, id: string, input: { lines: TransferReceiveLine[]; close?: boolean | undefined; actor?: string | undefined }): Promise<TransferView> {
  const t = await lockTransfer(tx, id, 'receive');
  if (input.lines.length === 0 && !input.close) throw invalidInput('validation_failed', 'Receive at least one line, or close the transfer');
  input.lines.forEach((l, i) => assertQty(l.qty, `lines.${i}.qty`));
  const wh = t.to_warehouse_id;
  const lines = input.lines.map((l) => ({ ...l, bin_id: l.bin_id ?? null, lot: normLot(l.lot), expires_on: l.expires_on ?? null }));
  await assertBinsIn(tx, wh, lines.map((l) => l.bin_id));
  await assertNotUnderCount(tx, lines.map((l) => l.bin_id));
  const actor = input.actor ?? null;

  const bySku = new Map<string, number>();
  for (const l of lines) bySku.set(l.sku_id, (bySku.get(l.sku_id) ?? 0) + l.qty);
  const levels: LevelChange[] = [];
  const ledger: LedgerRow[] = [];
  for (const sku of [...bySku.keys()].sort()) {
    const qty = bySku.get(sku)!;
    const line = await tx
      .updateTable('transfer_lines')
      .set((eb) => ({ received: eb('received', '+', qty) }))
      .where('transfer_id', '=', id)
      .where('sku_id', '=', sku)
      .where(sql<boolean>`received + discrepancy + ${qty} <= shipped`)
      .returning(['shipped', 'received'])
      .executeTakeFirst();
    if (!line) {
      const l = await tx.selectFrom('transfer_lines').select(['shipped', 'received', 'discrepancy']).where('transfer_id', '=', id).where('sku_id', '=', sku).executeTakeFirst();
      const code = await skuLabel(tx, sku);
      if (!l) throw invalidInput('validation_failed', `${code} is not on transfer ${id}`, { sku: code, transfer_id: id });
      throw conflictWith('transfer_over_receipt', `Only ${l.shipped - l.received - l.discrepancy} of ${code} are outstanding on transfer ${id}; ${qty} received`, { sku: code, outstanding: l.shipped - l.received - l.discrepancy, received: qty });
    }
    const level = await shiftLevelState(tx, sku, wh, 'in_transit', 'available', qty);
    if (!level) throw new Error(`in_transit of ${sku} at ${wh} is below what transfer ${id} shipped; run tandem inventory verify`);
    levels.push(level);
    ledger.push({ type: 'transfer_in', sku_id: sku, warehouse_id: wh, bin_id: null, state: 'in_transit', delta: -qty, reference: id, actor, reason: null });
  }
  for (const l of [...lines].sort((a, b) => binKey({ ...a, warehouse_id: wh, state: 'available' }).localeCompare(binKey({ ...b, warehouse_id: wh, state: 'available' })))) {
    await addToBin(tx, { warehouse_id: wh, bin_id: l.bin_id, sku_id: l.sku_id, lot: l.lot, state: 'available' }, l.qty, l.expires_on);
    ledger.push({ type: 'transfer_in', sku_id: l.sku_id, warehouse_id: wh, bin_id: l.bin_id, lot: l.lot, state: 'available', delta: l.qty, reference: id, actor, reason: null });
  }

  const outstanding = await tx.selectFrom('transfer_lines').select(['sku_id', sql<number>`shipped - received - discrepancy`.as('left')]).where('transfer_id', '=', id).orderBy('sku_id').execute();
  const done = outstanding.every((o) => o.left === 0);
  const discrepancies: { sku_id: string; qty: number }[] = [];
  if (input.close && !done) {
    for (const o of outstanding.filter((x) => x.left > 0)) {
      await tx.updateTable('transfer_lines').set((eb) => ({ discrepancy: eb('discrepancy', '+', o.left) })).where('transfer_id', '=', id).where('sku_id', '=', o.sku_id).execute();
      const level = await takeFromLevel(tx, o.sku_id, wh, 'in_transit', o.left);
      if (!level) throw insufficientStock({ sku: await skuLabel(tx, o.sku_id), warehouse_id: wh, requested: o.left, available: 0, state: 'in_transit' });
      levels.push(level);
      ledger.push({ type: 'transfer_discrepancy', sku_id: o.sku_id, warehouse_id: wh, bin_id: null, state: 'in_transit', delta: -o.left, reason: 'not_received', reference: id, actor });
      discrepancies.push({ sku_id: o.sku_id, qty: o.left });
    }
  }
  await appendLedger(tx, ledger);
  const closed = done || !!input.close;
  await tx.updateTable('transfers').set({ status: closed ? 'received' : 'partially_received', closed_at: closed ? new Date() : null, updated_at: new Date() }).where('id', '=', id).execute();
  await emit(tx, [
    { type: 'transfer.received', aggregateType: 'transfer', aggregateId: id, payload: { to_warehouse_id: wh, lines: lines.map((l) => ({ sku_id: l.sku_id, qty: l.qty, bin_id: l.bin_id, lot: l.lot })), closed, discrepancies }, actor: input.actor },
    ...stockChanged(levels, input.actor),
  ]);
  return getTransfer(tx, id);
}

/** Cancels a transfer that has not shipped and releases its reservations. */
export async function cancelTransfer(tx: Executor, id: string, actor?: string): Promise<TransferView> {
  await lockTransfer(tx, id, 'cancel');
  const open = await tx.selectFrom('reservations').select('id').where('ref', '=', id).where('status', '=', 'open').executeTakeFirst();
  if (open) await releaseReservations(tx, { ref: id, actor });
  await tx.updateTable('transfers').set({ status: 'cancelled', closed_at: new Date(), updated_at: new Date() }).where('id', '=', id).execute();
  await emit(tx, { type: 'transfer.cancelled', aggregateType: 'transfer', aggregateId: id, payload: {}, actor });
  return getTransfer(tx, id);
}
