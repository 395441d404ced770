import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { emit } from '../../events/outbox.js';
import { newId } from '../../shared/ids.js';
import { pgCode, PG } from '../../shared/errors.js';
import { binUnderCount, conflictWith, countNotFound, insufficientStock, invalidInput, invalidTransition } from './inventory.errors.js';
import { assertBinsIn, assertNotUnderCount, binKey, levelKey, normLot, skuLabel, stockChanged, MAX_QTY } from './inventory.guards.js';
import { addToBin, addToLevel, appendLedger, findLevel, takeFromBin, takeFromLevel, type LedgerRow } from './inventory.repo.js';
import type { CountView, LevelChange, VarianceLine } from './inventory.types.js';

/**
 * Cycle counts: open a count for some bins (they are blocked for picking, moves, receipts and adjustments
 * until it ends) → record counted quantities per bin → variance report → post (adjustments with reason
 * `count`) or cancel. Counts cover available stock; damaged and quarantined units are not counted here.
 */

/** A count with its bins; throws count_not_found. */
export async function getCount(db: Executor, id: string): Promise<CountView> {
  const c = await db.selectFrom('cycle_counts').select(['id', 'warehouse_id', 'status', 'created_at', 'posted_at']).where('id', '=', id).executeTakeFirst();
  if (!c) throw countNotFound(id);
  const bins = await db
    .selectFrom('cycle_count_bins as cb')
    .innerJoin('bins as b', 'b.id', 'cb.bin_id')
    .select(['cb.bin_id', 'b.code as bin', 'cb.counted_at'])
    .where('cb.count_id', '=', id)
    .orderBy('b.walk_sequence')
    .orderBy('b.code')
    .execute();
  return { ...(c as Omit<CountView, 'bins'>), bins };
}

/** A count in a list: its bins counted so far, without the bins themselves. */
export interface CountSummary {
  id: string;
  warehouse_id: string;
  status: 'open' | 'posted' | 'cancelled';
  bins: number;
  bins_counted: number;
  created_by: string | null;
  created_at: Date;
  posted_at: Date | null;
}

/** Counts of the warehouses in scope, newest first, paged by id (`cursor` = the last id of the previous page). */
export async function listCounts(
  db: Executor,
  input: { scope?: string[] | null | undefined; status?: CountSummary['status'] | undefined; warehouse_id?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<{ data: CountSummary[]; next_cursor: string | null }> {
  let q = db
    .selectFrom('cycle_counts as c')
    .select(['c.id', 'c.warehouse_id', 'c.status', 'c.created_by', 'c.created_at', 'c.posted_at'])
    .select((eb) => [
      eb.selectFrom('cycle_count_bins as cb').select(sql<number>`count(*)::int`.as('n')).whereRef('cb.count_id', '=', 'c.id').as('bins'),
      eb.selectFrom('cycle_count_bins as cb').select(sql<number>`count(*)::int`.as('n')).whereRef('cb.count_id', '=', 'c.id').where('cb.counted_at', 'is not', null).as('bins_counted'),
    ])
    .orderBy('c.id', 'desc')
    .limit(input.limit + 1);
  if (input.status) q = q.where('c.status', '=', input.status);
  if (input.warehouse_id) q = q.where('c.warehouse_id', '=', input.warehouse_id);
  if (input.scope) q = q.where('c.warehouse_id', 'in', input.scope.length > 0 ? input.scope : ['']);
  if (input.cursor) q = q.where('c.id', '<', input.cursor);
  const rows = (await q.execute()) as CountSummary[];
  const data = rows.slice(0, input.limit);
  return { data, next_cursor: rows.length > input.limit ? data.at(-1)!.id : null };
}

/** Opens a count for bins of one warehouse; a bin can be in one open count at a time. Emits `count.opened`. */
export async function openCount(tx: Executor, input: { warehouse_id: string; bin_ids: string[]; actor?: string | undefined }): Promise<CountView> {
  const bins = [...new Set(input.bin_ids)].sort();
  if (bins.length === 0) throw invalidInput('validation_failed', 'A count needs at least one bin');
  await assertBinsIn(tx, input.warehouse_id, bins);
  await assertNotUnderCount(tx, bins);
  const id = newId('cnt');
  await tx.insertInto('cycle_counts').values({ id, warehouse_id: input.warehouse_id, created_by: input.actor ?? null, posted_at: null }).execute();
  try {
    await tx.insertInto('cycle_count_bins').values(bins.map((bin_id) => ({ count_id: id, warehouse_id: input.warehouse_id, bin_id, counted_at: null }))).execute();
  } catch (err) {
    // Another count took one of the bins since the check above.
    if (pgCode(err) === PG.uniqueViolation) throw binUnderCount(bins);
    throw err;
  }
  // Wait for picks already running in these bins to finish; from here on they are blocked.
  await tx.selectFrom('bin_stock').select('qty').where('bin_id', 'in', bins).orderBy('bin_id').forUpdate().execute();
  await emit(tx, { type: 'count.opened', aggregateType: 'cycle_count', aggregateId: id, payload: { warehouse_id: input.warehouse_id, bin_ids: bins }, actor: input.actor });
  return getCount(tx, id);
}

/** Locks the count for a change and checks it is still open. */
async function lockOpenCount(tx: Executor, id: string, action: 'counted' | 'posted' | 'cancelled'): Promise<{ warehouse_id: string }> {
  const c = await tx.selectFrom('cycle_counts').select(['warehouse_id', 'status']).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!c) throw countNotFound(id);
  if (c.status === 'posted' && action === 'posted') throw conflictWith('count_already_posted', `Cycle count ${id} was already posted`, { count_id: id });
  if (c.status !== 'open') throw invalidTransition('Cycle count', id, c.status, action);
  return c;
}

/**
 * Records what was found in one bin of the count: the lines are the bin's whole content (a SKU and lot not
 * listed counts as zero). Recording a bin again replaces its earlier count.
 */
export async function recordCount(tx: Executor, id: string, input: { bin_id: string; lines: { sku_id: string; lot?: string | undefined; qty: number }[]; actor?: string | undefined }): Promise<CountView> {
  await lockOpenCount(tx, id, 'counted');
  const inCount = await tx.selectFrom('cycle_count_bins').select('bin_id').where('count_id', '=', id).where('bin_id', '=', input.bin_id).executeTakeFirst();
  if (!inCount) throw invalidInput('bin_not_in_count', `Bin ${input.bin_id} is not part of cycle count ${id}`, { bin_id: input.bin_id, count_id: id });
  const merged = new Map<string, { sku_id: string; lot: string; counted: number }>();
  for (const [i, l] of input.lines.entries()) {
    if (!Number.isSafeInteger(l.qty) || l.qty < 0 || l.qty > MAX_QTY) throw invalidInput('validation_failed', `lines.${i}.qty must be a whole number from 0 to ${MAX_QTY}`);
    const k = `${l.sku_id}\u0000${normLot(l.lot)}`;
    const m = merged.get(k) ?? { sku_id: l.sku_id, lot: normLot(l.lot), counted: 0 };
    m.counted += l.qty;
    merged.set(k, m);
  }
  await tx.deleteFrom('cycle_count_lines').where('count_id', '=', id).where('bin_id', '=', input.bin_id).execute();
  if (merged.size > 0) {
    await tx.insertInto('cycle_count_lines').values([...merged.values()].map((m) => ({ count_id: id, bin_id: input.bin_id, sku_id: m.sku_id, lot: m.lot, counted: m.counted, expected: null, variance: null }))).execute();
  }
  await tx.updateTable('cycle_count_bins').set({ counted_at: new Date() }).where('count_id', '=', id).where('bin_id', '=', input.bin_id).execute();
  await emit(tx, { type: 'count.recorded', aggregateType: 'cycle_count', aggregateId: id, payload: { bin_id: input.bin_id, lines: [...merged.values()] }, actor: input.actor });
  return getCount(tx, id);
}

/**
 * The variance report: per bin × SKU × lot, the system's quantity, the counted one (null while the bin is
 * not counted) and the difference. For a posted count, what was recorded when it was posted.
 */
export async function countVariance(db: Executor, id: string, lock = false): Promise<{ count: CountView; lines: VarianceLine[] }> {
  const count = await getCount(db, id);
  if (count.status === 'posted') {
    const r = await sql<VarianceLine>`
      SELECT l.bin_id, b.code AS bin, l.sku_id, k.sku, l.lot, l.expected, l.counted, l.variance
      FROM cycle_count_lines l JOIN bins b ON b.id = l.bin_id JOIN skus k ON k.id = l.sku_id
      WHERE l.count_id = ${id} ORDER BY b.walk_sequence, b.code, k.sku, l.lot`.execute(db);
    return { count, lines: r.rows };
  }
  // System quantities are read live (the bins are blocked, so they cannot move while counted); when posting, locked.
  const system = await sql<{ bin_id: string; sku_id: string; lot: string; qty: number }>`
    SELECT bs.bin_id, bs.sku_id, bs.lot, bs.qty FROM bin_stock bs
    WHERE bs.bin_id IN (SELECT bin_id FROM cycle_count_bins WHERE count_id = ${id}) AND bs.state = 'available' AND bs.qty > 0
    ORDER BY bs.bin_id, bs.sku_id, bs.lot ${lock ? sql`FOR UPDATE` : sql``}`.execute(db);
  const counted = await db.selectFrom('cycle_count_lines').select(['bin_id', 'sku_id', 'lot', 'counted']).where('count_id', '=', id).execute();
  const countedBins = new Set(count.bins.filter((b) => b.counted_at !== null).map((b) => b.bin_id));
  const rows = new Map<string, { bin_id: string; sku_id: string; lot: string; expected: number; counted: number | null }>();
  const key = (b: string, s: string, l: string) => `${b}\u0000${s}\u0000${l}`;
  for (const s of system.rows) rows.set(key(s.bin_id, s.sku_id, s.lot), { bin_id: s.bin_id, sku_id: s.sku_id, lot: s.lot, expected: s.qty, counted: countedBins.has(s.bin_id) ? 0 : null });
  for (const c of counted) {
    const r = rows.get(key(c.bin_id, c.sku_id, c.lot)) ?? { bin_id: c.bin_id, sku_id: c.sku_id, lot: c.lot, expected: 0, counted: 0 };
    r.counted = c.counted;
    rows.set(key(c.bin_id, c.sku_id, c.lot), r);
  }
  const binCodes = new Map(count.bins.map((b) => [b.bin_id, b.bin]));
  const skus = await db.selectFrom('skus').select(['id', 'sku']).where('id', 'in', [...new Set([...rows.values()].map((r) => r.sku_id)), '']).execute();
  const skuCode = new Map(skus.map((s) => [s.id, s.sku]));
  const order = new Map(count.bins.map((b, i) => [b.bin_id, i]));
  const lines = [...rows.values()]
    .map((r) => ({ bin_id: r.bin_id, bin: binCodes.get(r.bin_id) ?? r.bin_id, sku_id: r.sku_id, sku: skuCode.get(r.sku_id) ?? r.sku_id, lot: r.lot, expected: r.expected, counted: r.counted, variance: r.counted === null ? null : r.counted - r.expected }))
    .sort((a, b) => (order.get(a.bin_id)! - order.get(b.bin_id)!) || a.sku.localeCompare(b.sku) || a.lot.localeCompare(b.lot));
  return { count, lines };
}

/**
 * Posts a count: every variance becomes an adjustment with reason `count` (ledger type `count`), the
 * report is recorded, and the bins are released. Every bin must have been counted. A shortfall that would
 * take reserved units fails with insufficient_stock (release or reallocate first). Posting twice is
 * count_already_posted. Emits `count.posted` and `stock.changed`.
 */
export async function postCount(tx: Executor, id: string, actor?: string): Promise<{ count: CountView; lines: VarianceLine[] }> {
  const { warehouse_id } = await lockOpenCount(tx, id, 'posted');
  const report = await countVariance(tx, id, true);
  const uncounted = report.count.bins.filter((b) => b.counted_at === null);
  if (uncounted.length > 0) throw conflictWith('count_incomplete', `Bin(s) ${uncounted.map((b) => b.bin).join(', ')} have not been counted`, { bins: uncounted.map((b) => b.bin) });
  const changes = report.lines.filter((l) => l.variance !== 0);

  // Level rows first (net per SKU, in key order), then the bin rows (in key order).
  const net = new Map<string, { sku_id: string; delta: number }>();
  for (const c of changes) {
    const k = levelKey(warehouse_id, c.sku_id);
    const n = net.get(k) ?? { sku_id: c.sku_id, delta: 0 };
    n.delta += c.variance!;
    net.set(k, n);
  }
  const levels: LevelChange[] = [];
  for (const k of [...net.keys()].sort()) {
    const n = net.get(k)!;
    if (n.delta > 0) levels.push(await addToLevel(tx, n.sku_id, warehouse_id, 'available', n.delta));
    else if (n.delta < 0) {
      const level = await takeFromLevel(tx, n.sku_id, warehouse_id, 'available', -n.delta);
      if (!level) {
        const cur = await findLevel(tx, n.sku_id, warehouse_id);
        throw insufficientStock({ sku: await skuLabel(tx, n.sku_id), warehouse_id, requested: -n.delta, available: cur ? cur.on_hand - cur.reserved : 0 });
      }
      levels.push(level);
    } else {
      const cur = await findLevel(tx, n.sku_id, warehouse_id);
      if (cur) levels.push(cur);
    }
  }
  const loc = (c: VarianceLine) => ({ warehouse_id, bin_id: c.bin_id, sku_id: c.sku_id, lot: c.lot, state: 'available' as const });
  for (const c of [...changes].sort((a, b) => binKey(loc(a)).localeCompare(binKey(loc(b))))) {
    if (c.variance! > 0) await addToBin(tx, loc(c), c.variance!, null);
    else if (!(await takeFromBin(tx, loc(c), -c.variance!))) throw new Error(`bin ${c.bin_id} changed while it was being counted`);
  }
  const ledger: LedgerRow[] = changes.map((c) => ({ type: 'count', sku_id: c.sku_id, warehouse_id, bin_id: c.bin_id, lot: c.lot, state: 'available', delta: c.variance!, reason: 'count', reference: id, actor: actor ?? null }));
  await appendLedger(tx, ledger);

  // Record the report: every line, with what the system had and the difference.
  await tx.deleteFrom('cycle_count_lines').where('count_id', '=', id).execute();
  if (report.lines.length > 0) {
    await tx.insertInto('cycle_count_lines').values(report.lines.map((l) => ({ count_id: id, bin_id: l.bin_id, sku_id: l.sku_id, lot: l.lot, counted: l.counted!, expected: l.expected, variance: l.variance }))).execute();
  }
  await tx.updateTable('cycle_count_bins').set({ open: false }).where('count_id', '=', id).execute();
  await tx.updateTable('cycle_counts').set({ status: 'posted', posted_at: new Date(), updated_at: new Date() }).where('id', '=', id).execute();
  await emit(tx, [
    { type: 'count.posted', aggregateType: 'cycle_count', aggregateId: id, payload: { warehouse_id, adjustments: changes.map((c) => ({ bin_id: c.bin_id, sku_id: c.sku_id, lot: c.lot, delta: c.variance })) }, actor },
    ...stockChanged(levels.filter((l) => (net.get(levelKey(l.warehouse_id, l.sku_id))?.delta ?? 0) !== 0), actor),
  ]);
  return countVariance(tx, id);
}

/** Cancels an open count; its bins are released and nothing is adjusted. */
export async function cancelCount(tx: Executor, id: string, actor?: string): Promise<CountView> {
  await lockOpenCount(tx, id, 'cancelled');
  await tx.updateTable('cycle_count_bins').set({ open: false }).where('count_id', '=', id).execute();
  await tx.updateTable('cycle_counts').set({ status: 'cancelled', updated_at: new Date() }).where('id', '=', id).execute();
  await emit(tx, { type: 'count.cancelled', aggregateType: 'cycle_count', aggregateId: id, payload: {}, actor });
  return getCount(tx, id);
}
