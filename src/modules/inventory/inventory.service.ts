import type { Executor } from '../../db/database.js';
import { emit } from '../../events/outbox.js';
import { insufficientBinStock, insufficientStock, invalidInput } from './inventory.errors.js';
import { assertBinsIn, assertNotKits, assertNotUnderCount, assertQty, binKey, levelKey, normLot, skuLabel, stockChanged, MAX_QTY } from './inventory.guards.js';
import { addToBin, addToLevel, appendLedger, binExpiry, binQty, findLevel, levelColumn, shiftLevelState, takeFromBin, takeFromLevel, type LedgerRow } from './inventory.repo.js';
import type { AdjustInput, LedgerType, LevelChange, Location, MoveInput, ReceiveInput, StockState } from './inventory.types.js';

/** Receipts, adjustments and moves: each one transaction of guarded updates, ledger rows and events. */

export interface ReceiveResult {
  warehouse_id: string;
  reference: string | null;
  lines: { sku_id: string; bin_id: string | null; lot: string; state: StockState; qty: number; expires_on: string | null }[];
  levels: LevelChange[];
}

/** Puts received units into bins (or unplaced, awaiting putaway); emits `stock.received` and `stock.changed`. */
export async function receiveStock(tx: Executor, input: ReceiveInput): Promise<ReceiveResult> {
  if (input.lines.length === 0) throw invalidInput('validation_failed', 'A receipt needs at least one line');
  input.lines.forEach((l, i) => assertQty(l.qty, `lines.${i}.qty`));
  const lines = input.lines.map((l) => ({
    sku_id: l.sku_id,
    bin_id: l.bin_id ?? null,
    lot: normLot(l.lot),
    state: l.state ?? 'available',
    qty: l.qty,
    expires_on: l.expires_on ?? null,
  }));
  await assertNotKits(tx, lines.map((l) => l.sku_id));
  await assertBinsIn(tx, input.warehouse_id, lines.map((l) => l.bin_id));
  await assertNotUnderCount(tx, lines.map((l) => l.bin_id));

  // Levels first (in key order), then bins (in key order): the lock order every command follows.
  const byLevel = new Map<string, { sku_id: string; state: StockState; qty: number }>();
  for (const l of lines) {
    const k = `${levelKey(input.warehouse_id, l.sku_id)}\u0000${l.state}`;
    const g = byLevel.get(k) ?? { sku_id: l.sku_id, state: l.state, qty: 0 };
    g.qty += l.qty;
    if (g.qty > MAX_QTY) throw invalidInput('validation_failed', `At most ${MAX_QTY} units of one SKU per receipt`);
    byLevel.set(k, g);
  }
  const levels: LevelChange[] = [];
  for (const k of [...byLevel.keys()].sort()) {
    const g = byLevel.get(k)!;
    levels.push(await addToLevel(tx, g.sku_id, input.warehouse_id, g.state, g.qty));
  }
  const located = lines.map((l) => ({ ...l, warehouse_id: input.warehouse_id }));
  for (const l of [...located].sort((a, b) => binKey(a).localeCompare(binKey(b)))) {
    await addToBin(tx, l, l.qty, l.expires_on);
  }
  await appendLedger(
    tx,
    lines.map((l) => ({ type: 'receipt', sku_id: l.sku_id, warehouse_id: input.warehouse_id, bin_id: l.bin_id, lot: l.lot, state: l.state, delta: l.qty, reference: input.reference ?? null, actor: input.actor ?? null, reason: null })),
  );
  await emit(tx, [
    { type: 'stock.received', aggregateType: 'warehouse', aggregateId: input.warehouse_id, payload: { warehouse_id: input.warehouse_id, reference: input.reference ?? null, lines }, actor: input.actor },
    ...stockChanged(levels, input.actor),
  ]);
  return { warehouse_id: input.warehouse_id, reference: input.reference ?? null, lines, levels };
}

export interface ApplyOptions {
  type: LedgerType;
  reason: string | null;
  reference: string | null;
  actor: string | null;
  expiresOn?: string | null | undefined;
}

/**
 * Changes the quantity at one location and its level by `delta` (level row first, then the bin row),
 * writing the ledger row. Throws insufficient_stock / insufficient_bin_stock when a guard fails.
 */
export async function applyDelta(tx: Executor, loc: Location, delta: number, opts: ApplyOptions): Promise<LevelChange> {
  let level: LevelChange | undefined;
  if (delta > 0) {
    level = await addToLevel(tx, loc.sku_id, loc.warehouse_id, loc.state, delta);
    await addToBin(tx, loc, delta, opts.expiresOn ?? null);
  } else {
    level = await takeFromLevel(tx, loc.sku_id, loc.warehouse_id, loc.state, -delta);
    if (!level) {
      const current = await findLevel(tx, loc.sku_id, loc.warehouse_id);
      const available = !current ? 0 : loc.state === 'available' ? current.on_hand - current.reserved : current[levelColumn(loc.state)];
      throw insufficientStock({ sku: await skuLabel(tx, loc.sku_id), warehouse_id: loc.warehouse_id, requested: -delta, available, state: loc.state });
    }
    if (!(await takeFromBin(tx, loc, -delta))) {
      throw insufficientBinStock({ sku: await skuLabel(tx, loc.sku_id), warehouse_id: loc.warehouse_id, bin_id: loc.bin_id, lot: loc.lot, requested: -delta, available: await binQty(tx, loc) });
    }
  }
  await appendLedger(tx, [{ type: opts.type, sku_id: loc.sku_id, warehouse_id: loc.warehouse_id, bin_id: loc.bin_id, lot: loc.lot, state: loc.state, delta, reason: opts.reason, reference: opts.reference, actor: opts.actor }]);
  return level;
}

/** Adjusts stock at a bin (or the unplaced pool) by a signed delta with a reason; reserved units cannot be adjusted away. */
export async function adjustStock(tx: Executor, input: AdjustInput): Promise<{ level: LevelChange; delta: number }> {
  if (!Number.isSafeInteger(input.delta) || input.delta === 0 || Math.abs(input.delta) > MAX_QTY) {
    throw invalidInput('validation_failed', `delta must be a non-zero whole number from -${MAX_QTY} to ${MAX_QTY}`, { delta: input.delta });
  }
  const loc: Location = { warehouse_id: input.warehouse_id, bin_id: input.bin_id ?? null, sku_id: input.sku_id, lot: normLot(input.lot), state: input.state ?? 'available' };
  await assertNotKits(tx, [loc.sku_id]);
  await assertBinsIn(tx, loc.warehouse_id, [loc.bin_id]);
  await assertNotUnderCount(tx, [loc.bin_id]);
  const level = await applyDelta(tx, loc, input.delta, { type: 'adjustment', reason: input.reason, reference: input.reference ?? null, actor: input.actor ?? null, expiresOn: input.expires_on });
  await emit(tx, [
    { type: 'stock.adjusted', aggregateType: 'warehouse', aggregateId: loc.warehouse_id, payload: { ...loc, delta: input.delta, reason: input.reason, note: input.note ?? null, reference: input.reference ?? null }, actor: input.actor },
    ...stockChanged([level], input.actor),
  ]);
  return { level, delta: input.delta };
}

/**
 * Moves units from one bin to another (bin_id null = unplaced), optionally changing their state
 * (available → damaged or quarantine and back). A state change moves the level counters in the same guarded statement.
 */
export async function moveStock(tx: Executor, input: MoveInput): Promise<{ level: LevelChange | undefined; from: Location; to: Location; qty: number }> {
  assertQty(input.qty);
  const lot = normLot(input.lot);
  const from: Location = { warehouse_id: input.warehouse_id, bin_id: input.from_bin_id, sku_id: input.sku_id, lot, state: input.from_state ?? 'available' };
  const to: Location = { ...from, bin_id: input.to_bin_id, state: input.to_state ?? input.from_state ?? 'available' };
  if (from.bin_id === to.bin_id && from.state === to.state) throw invalidInput('validation_failed', 'A move needs a different bin or a different state');
  await assertNotKits(tx, [input.sku_id]);
  await assertBinsIn(tx, input.warehouse_id, [from.bin_id, to.bin_id]);
  await assertNotUnderCount(tx, [from.bin_id, to.bin_id]);

  let level: LevelChange | undefined;
  if (from.state !== to.state) {
    level = await shiftLevelState(tx, input.sku_id, input.warehouse_id, from.state, to.state, input.qty);
    if (!level) {
      const current = await findLevel(tx, input.sku_id, input.warehouse_id);
      const available = !current ? 0 : from.state === 'available' ? current.on_hand - current.reserved : current[levelColumn(from.state)];
      throw insufficientStock({ sku: await skuLabel(tx, input.sku_id), warehouse_id: input.warehouse_id, requested: input.qty, available, state: from.state });
    }
  }
  // Refuse early when the source cannot cover the move (the guarded take below still decides under concurrency).
  const held = await binQty(tx, from);
  if (held < input.qty) throw insufficientBinStock({ sku: await skuLabel(tx, input.sku_id), warehouse_id: input.warehouse_id, bin_id: from.bin_id, lot, requested: input.qty, available: held });
  // The lot's expiry travels with it. The two bin rows are then touched in key order; adding first is safe
  // because a failed take rolls the whole move back.
  const expires = await binExpiry(tx, from);
  const take = async (): Promise<void> => {
    if (!(await takeFromBin(tx, from, input.qty))) {
      throw insufficientBinStock({ sku: await skuLabel(tx, input.sku_id), warehouse_id: input.warehouse_id, bin_id: from.bin_id, lot, requested: input.qty, available: await binQty(tx, from) });
    }
  };
  if (binKey(from) < binKey(to)) {
    await take();
    await addToBin(tx, to, input.qty, expires);
  } else {
    await addToBin(tx, to, input.qty, expires);
    await take();
  }
  const rows: LedgerRow[] = [
    { type: 'move', sku_id: input.sku_id, warehouse_id: input.warehouse_id, bin_id: from.bin_id, lot, state: from.state, delta: -input.qty, reference: input.reference ?? null, actor: input.actor ?? null, reason: null },
    { type: 'move', sku_id: input.sku_id, warehouse_id: input.warehouse_id, bin_id: to.bin_id, lot, state: to.state, delta: input.qty, reference: input.reference ?? null, actor: input.actor ?? null, reason: null },
  ];
  await appendLedger(tx, rows);
  await emit(tx, [
    { type: 'stock.moved', aggregateType: 'warehouse', aggregateId: input.warehouse_id, payload: { sku_id: input.sku_id, qty: input.qty, lot, from: { bin_id: from.bin_id, state: from.state }, to: { bin_id: to.bin_id, state: to.state } }, actor: input.actor },
    ...(level ? stockChanged([level], input.actor) : []),
  ]);
  return { level, from, to, qty: input.qty };
}
