import { sql } from 'kysely';
import { prepared, type Executor } from '../../db/database.js';
import { emit, outboxRows, type EventInput } from '../../events/outbox.js';
import { newId } from '../../shared/ids.js';
import { pgCode, PG } from '../../shared/errors.js';
import { conflictWith, insufficientBinStock, insufficientStock, invalidInput, invalidTransition, reservationNotFound } from './inventory.errors.js';
import { assertBinsIn, assertNotUnderCount, assertQty, binKey, levelKey, normLot, skuLabel, stockChanged, MAX_QTY } from './inventory.guards.js';
import { appendLedger, commitLevel, findLevel, lockPickCandidates, reserveHot, reserveLevel, takeFromBin, unreserveLevel, type LedgerRow } from './inventory.repo.js';
import type { CommitInput, LevelChange, Pick, ReleaseInput, ReservationView, ReserveInput, ReserveResult, ShortLine } from './inventory.types.js';

/** Reservations: holds on available stock per order line × warehouse, released or committed when shipped. */

const RES_COLUMNS = ['id', 'ref', 'ref_line', 'sku_id', 'warehouse_id', 'qty', 'committed_qty', 'released_qty', 'status', 'created_at', 'updated_at'] as const;

interface Line {
  ref_line: string;
  sku_id: string;
  warehouse_id: string;
  qty: number;
  sku: string | undefined;
}

interface Group {
  sku_id: string;
  warehouse_id: string;
  qty: number;
  sku: string | undefined;
  lines: Line[];
}

/** Merges lines of the same ref_line × SKU × warehouse, then groups per SKU × warehouse in lock order. */
export function groupLines(lines: ReserveInput['lines']): Group[] {
  const merged = new Map<string, Line>();
  for (const l of lines) {
    const k = `${l.ref_line}\u0000${l.warehouse_id}\u0000${l.sku_id}`;
    const m = merged.get(k);
    if (m) m.qty += l.qty;
    else merged.set(k, { ref_line: l.ref_line, sku_id: l.sku_id, warehouse_id: l.warehouse_id, qty: l.qty, sku: l.sku });
  }
  const groups = new Map<string, Group>();
  for (const l of merged.values()) {
    const k = levelKey(l.warehouse_id, l.sku_id);
    const g = groups.get(k) ?? { sku_id: l.sku_id, warehouse_id: l.warehouse_id, qty: 0, sku: l.sku, lines: [] };
    g.qty += l.qty;
    g.lines.push(l);
    groups.set(k, g);
  }
  for (const g of groups.values()) {
    if (g.qty > MAX_QTY) throw invalidInput('validation_failed', `At most ${MAX_QTY} units of one SKU per reservation`);
  }
  return [...groups.keys()].sort().map((k) => groups.get(k)!);
}

/** A second open reservation for the same ref × line × SKU × warehouse is reservation_exists. */
function duplicateLine(err: unknown, ref: string): unknown {
  if (pgCode(err) === PG.uniqueViolation && (err as { constraint?: string }).constraint === 'reservations_open_line') {
    return conflictWith('reservation_exists', `${ref} already holds an open reservation for one of these lines; release it or reserve under another line`, { ref });
  }
  return err;
}

async function insertReservations(tx: Executor, ref: string, rows: { id: string; line: Line; qty: number }[]): Promise<ReservationView[]> {
  try {
    return (await tx
      .insertInto('reservations')
      .values(rows.map((r) => ({ id: r.id, ref, ref_line: r.line.ref_line, sku_id: r.line.sku_id, warehouse_id: r.line.warehouse_id, qty: r.qty })))
      .returning(RES_COLUMNS)
      .execute()) as ReservationView[];
  } catch (err) {
    throw duplicateLine(err, ref);
  }
}

async function insufficientFor(tx: Executor, g: Group): Promise<Error> {
  const level = await findLevel(tx, g.sku_id, g.warehouse_id);
  return insufficientStock({ sku: g.sku ?? (await skuLabel(tx, g.sku_id)), warehouse_id: g.warehouse_id, requested: g.qty, available: level ? level.on_hand - level.reserved : 0 });
}

/**
 * Reserves stock for many lines at once. `all_or_nothing` (default) reserves every line or throws
 * insufficient_stock; `partial` reserves what there is and reports the short lines. Lines of the same SKU
 * and warehouse are reserved together by one guarded update; levels are locked in (warehouse, SKU) order.
 * One SKU × warehouse, all or nothing, is a single statement, atomic by itself: `tx` may then be the pool,
 * which keeps the level row locked for the shortest time (no round trip between the update and the commit).
 */
export async function reserveStock(tx: Executor, input: ReserveInput): Promise<ReserveResult> {
  if (input.lines.length === 0) throw invalidInput('validation_failed', 'A reservation needs at least one line');
  input.lines.forEach((l, i) => assertQty(l.qty, `lines.${i}.qty`));
  const groups = groupLines(input.lines);
  const actor = input.actor ?? null;
  const ledger = (res: ReservationView[]): LedgerRow[] =>
    res.map((r) => ({ type: 'reserve', sku_id: r.sku_id, warehouse_id: r.warehouse_id, bin_id: null, delta: 0, reserved_delta: r.qty, reference: input.ref, actor, reason: null }));
  const reservedEvent = (res: { id: string; ref_line: string; sku_id: string; warehouse_id: string; qty: number }[]) => ({
    type: 'stock.reserved',
    aggregateType: 'reservation',
    aggregateId: input.ref,
    payload: { ref: input.ref, reservations: res.map((r) => ({ id: r.id, ref_line: r.ref_line, sku_id: r.sku_id, warehouse_id: r.warehouse_id, qty: r.qty })) },
    actor: input.actor,
  });

  if ((input.mode ?? 'all_or_nothing') === 'all_or_nothing' && groups.length === 1) {
    // The common case (one SKU at one warehouse, however many lines): one statement, see reserveHot.
    const g = groups[0]!;
    const ids = g.lines.map(() => newId('res'));
    const payload = { ref: input.ref, reservations: g.lines.map((l, i) => ({ id: ids[i]!, ref_line: l.ref_line, sku_id: l.sku_id, warehouse_id: l.warehouse_id, qty: l.qty })) };
    let level;
    try {
      level = await reserveHot(tx, {
        ids, ref: input.ref, ref_lines: g.lines.map((l) => l.ref_line), qtys: g.lines.map((l) => l.qty), sku_id: g.sku_id, warehouse_id: g.warehouse_id,
        total: g.qty, actor, reserved_event: { id: newId('evt'), payload }, changed_event_id: newId('evt'),
      });
    } catch (err) {
      throw duplicateLine(err, input.ref);
    }
    if (!level) throw await insufficientFor(tx, g);
    const at = level.created_at;
    return {
      reservations: g.lines.map((l, i) => ({ id: ids[i]!, ref: input.ref, ref_line: l.ref_line, sku_id: g.sku_id, warehouse_id: g.warehouse_id, qty: l.qty, committed_qty: 0, released_qty: 0, status: 'open' as const, created_at: at, updated_at: at })),
      short: [],
    };
  }

  // Every other path takes several statements: they must share a transaction.
  if (!tx.isTransaction) throw new Error('reserveStock needs a transaction for several SKUs, several warehouses or partial mode (one SKU × warehouse, all or nothing, runs as one statement)');
  if ((input.mode ?? 'all_or_nothing') === 'all_or_nothing') {
    // Several levels: the rows that need no lock go first, so the level rows stay locked only for the
    // guarded updates (in lock order), one event insert and the commit. A short group throws and rolls all back.
    const reservations = await insertReservations(tx, input.ref, groups.flatMap((g) => g.lines.map((line) => ({ id: newId('res'), line, qty: line.qty }))));
    await appendLedger(tx, ledger(reservations));
    const levels: LevelChange[] = [];
    for (const g of groups) {
      const level = await reserveLevel(tx, g.sku_id, g.warehouse_id, g.qty);
      if (!level) throw await insufficientFor(tx, g);
      levels.push(level);
    }
    await emit(tx, [reservedEvent(reservations), ...stockChanged(levels, input.actor)]);
    return { reservations, short: [] };
  }

  // Partial: two statements for any number of levels (this is the order path's hot spot): one guarded update
  // of every level row, locked in (warehouse, SKU) order, then the reservations, ledger rows and events at once.
  const taken = await reserveLevelsUpTo(tx, groups);
  const levels: LevelChange[] = [];
  const granted: { id: string; line: Line; qty: number }[] = [];
  const short: ShortLine[] = [];
  for (const g of groups) {
    const level = taken.get(levelKey(g.warehouse_id, g.sku_id));
    let left = level?.taken ?? 0;
    if (level) levels.push(level);
    for (const line of g.lines) {
      const qty = Math.min(left, line.qty);
      left -= qty;
      if (qty > 0) granted.push({ id: newId('res'), line, qty });
      if (qty < line.qty) short.push({ ref_line: line.ref_line, sku_id: line.sku_id, warehouse_id: line.warehouse_id, requested: line.qty, reserved: qty });
    }
  }
  if (granted.length === 0) return { reservations: [], short };
  const planned = granted.map((r) => ({ id: r.id, ref_line: r.line.ref_line, sku_id: r.line.sku_id, warehouse_id: r.line.warehouse_id, qty: r.qty }));
  const reservations = await insertReservedRows(tx, input.ref, actor, granted, [reservedEvent(planned), ...stockChanged(levels, input.actor)]);
  return { reservations, short };
}

/**
 * Takes up to each group's quantity from its level row, all levels in one statement. The subquery locks the rows
 * in (warehouse, SKU) order — byte order, as `groupLines` sorts — and re-reads each at its newest version, so the
 * amount taken is computed from current stock; rows with nothing available are left untouched.
 */
async function reserveLevelsUpTo(tx: Executor, groups: Group[]): Promise<Map<string, LevelChange & { taken: number }>> {
  const r = await sql<LevelChange & { taken: number }>`${prepared('inventory_reserve_up_to')}
    UPDATE stock_levels s SET reserved = s.reserved + t.taken, updated_at = now()
    FROM (SELECT l.sku_id, l.warehouse_id, LEAST(w.qty, l.on_hand - l.reserved) AS taken
          FROM stock_levels l
          JOIN unnest(${groups.map((g) => g.warehouse_id)}::text[], ${groups.map((g) => g.sku_id)}::text[], ${groups.map((g) => g.qty)}::int[]) AS w(warehouse_id, sku_id, qty)
            ON l.warehouse_id = w.warehouse_id AND l.sku_id = w.sku_id
          ORDER BY l.warehouse_id COLLATE "C", l.sku_id COLLATE "C"
          FOR UPDATE OF l) t
    WHERE s.sku_id = t.sku_id AND s.warehouse_id = t.warehouse_id AND t.taken > 0
    RETURNING s.sku_id, s.warehouse_id, s.on_hand, s.reserved, s.damaged, s.quarantine, s.in_transit, t.taken`.execute(tx);
  return new Map(r.rows.map((l) => [levelKey(l.warehouse_id, l.sku_id), l]));
}

/**
 * Reservation rows, their ledger rows and their events in one statement (a data-modifying CTE: one round trip
 * instead of three). The events are built from the rows to insert, which carry everything they describe.
 */
async function insertReservedRows(tx: Executor, ref: string, actor: string | null, rows: { id: string; line: Line; qty: number }[], events: EventInput[]): Promise<ReservationView[]> {
  const out = outboxRows(events);
  try {
    return (
      await sql<ReservationView>`${prepared('inventory_reserve_rows')}
        WITH l AS (SELECT * FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.line.ref_line)}::text[], ${rows.map((r) => r.line.sku_id)}::text[],
                                       ${rows.map((r) => r.line.warehouse_id)}::text[], ${rows.map((r) => r.qty)}::int[]) WITH ORDINALITY AS l(id, ref_line, sku_id, warehouse_id, qty, n)),
        led AS (
          INSERT INTO inventory_ledger (type, sku_id, warehouse_id, delta, reserved_delta, reference, actor)
          SELECT 'reserve', l.sku_id, l.warehouse_id, 0, l.qty, ${ref}, ${actor} FROM l ORDER BY l.n),
        evt AS (
          INSERT INTO outbox (id, type, aggregate_type, aggregate_id, payload, actor)
          SELECT e.id, e.type, e.aggregate_type, e.aggregate_id, e.payload::jsonb, e.actor
          FROM unnest(${out.map((e) => e.id)}::text[], ${out.map((e) => e.type)}::text[], ${out.map((e) => e.aggregate_type)}::text[],
                      ${out.map((e) => e.aggregate_id)}::text[], ${out.map((e) => e.payload)}::text[], ${out.map((e) => e.actor)}::text[]) WITH ORDINALITY
               AS e(id, type, aggregate_type, aggregate_id, payload, actor, n)
          ORDER BY e.n)
        INSERT INTO reservations (id, ref, ref_line, sku_id, warehouse_id, qty)
        SELECT l.id, ${ref}, l.ref_line, l.sku_id, l.warehouse_id, l.qty FROM l ORDER BY l.n
        RETURNING ${sql.join(RES_COLUMNS.map((c) => sql.ref(c)))}`.execute(tx)
    ).rows;
  } catch (err) {
    throw duplicateLine(err, ref);
  }
}

/** Gives back what each level row held for these reservations (level rows in lock order). */
async function unreserve(tx: Executor, released: { sku_id: string; warehouse_id: string; qty: number }[]): Promise<LevelChange[]> {
  const sums = new Map<string, { sku_id: string; warehouse_id: string; qty: number }>();
  for (const r of released) {
    const k = levelKey(r.warehouse_id, r.sku_id);
    const s = sums.get(k) ?? { sku_id: r.sku_id, warehouse_id: r.warehouse_id, qty: 0 };
    s.qty += r.qty;
    sums.set(k, s);
  }
  const levels: LevelChange[] = [];
  for (const k of [...sums.keys()].sort()) {
    const s = sums.get(k)!;
    const level = await unreserveLevel(tx, s.sku_id, s.warehouse_id, s.qty);
    // reserved is the sum of open reservations (checked by verify); a miss here means the counters were corrupted.
    if (!level) throw new Error(`stock_levels.reserved of ${s.sku_id} in ${s.warehouse_id} is below its open reservations; run tandem inventory verify`);
    levels.push(level);
  }
  return levels;
}

/**
 * Releases reservations: by id, or every open one of a ref (and ref_line). With `qty`, releases part of a
 * single reservation. Each reservation is released once, however many callers race for it.
 */
export async function releaseReservations(tx: Executor, input: ReleaseInput): Promise<{ released: (ReservationView & { released_now: number })[] }> {
  const ids = input.reservation_ids ? [...new Set(input.reservation_ids)].sort() : undefined;
  if (!ids === !input.ref) throw invalidInput('validation_failed', 'Give either reservation_ids or ref');
  if (ids && ids.length === 0) throw invalidInput('validation_failed', 'reservation_ids is empty');
  if (input.qty !== undefined) {
    assertQty(input.qty);
    if (!ids || ids.length !== 1) throw invalidInput('validation_failed', 'A partial release (qty) names exactly one reservation');
  }
  const part = input.qty ?? null;
  // The subquery locks each open reservation (re-read at its newest version) and fixes how much to release.
  const target = ids
    ? sql`id IN (${sql.join(ids)})`
    : input.ref_line !== undefined
      ? sql`ref = ${input.ref} AND ref_line = ${input.ref_line}`
      : sql`ref = ${input.ref}`;
  const rows = (
    await sql<ReservationView & { released_now: number }>`
      UPDATE reservations r
      SET qty = r.qty - o.n, released_qty = r.released_qty + o.n, updated_at = now(),
          status = CASE WHEN r.qty - o.n > 0 THEN 'open' WHEN r.committed_qty > 0 THEN 'committed' ELSE 'released' END
      FROM (SELECT id, COALESCE(${part}::int, qty) AS n FROM reservations
            WHERE ${target} AND status = 'open' AND qty >= COALESCE(${part}::int, qty) ORDER BY id FOR UPDATE) o
      WHERE r.id = o.id
      RETURNING r.id, r.ref, r.ref_line, r.sku_id, r.warehouse_id, r.qty, r.committed_qty, r.released_qty, r.status, r.created_at, r.updated_at, o.n AS released_now`.execute(tx)
  ).rows;
  if (ids && rows.length < ids.length) {
    const missing = ids.filter((id) => !rows.some((r) => r.id === id));
    const found = await tx.selectFrom('reservations').select(['id', 'status', 'qty']).where('id', 'in', missing).execute();
    const first = missing[0]!;
    const row = found.find((f) => f.id === first);
    if (!row) throw reservationNotFound(first);
    if (row.status !== 'open') throw invalidTransition('Reservation', first, row.status, 'released');
    throw invalidInput('validation_failed', `Reservation ${first} holds ${row.qty}; cannot release ${part}`, { reservation_id: first, qty: row.qty });
  }
  if (!ids && rows.length === 0) {
    const any = await tx.selectFrom('reservations').select('id').where('ref', '=', input.ref!).$if(input.ref_line !== undefined, (q) => q.where('ref_line', '=', input.ref_line!)).limit(1).executeTakeFirst();
    if (!any) throw reservationNotFound(input.ref_line !== undefined ? `${input.ref}/${input.ref_line}` : input.ref!);
    return { released: [] };
  }
  const levels = await unreserve(tx, rows.map((r) => ({ sku_id: r.sku_id, warehouse_id: r.warehouse_id, qty: r.released_now })));
  await appendLedger(tx, rows.map((r) => ({ type: 'release', sku_id: r.sku_id, warehouse_id: r.warehouse_id, bin_id: null, delta: 0, reserved_delta: -r.released_now, reference: r.ref, actor: input.actor ?? null, reason: null })));
  await emit(tx, [
    { type: 'stock.released', aggregateType: 'reservation', aggregateId: rows[0]!.ref, payload: { reservations: rows.map((r) => ({ id: r.id, ref: r.ref, ref_line: r.ref_line, sku_id: r.sku_id, warehouse_id: r.warehouse_id, qty: r.released_now })) }, actor: input.actor },
    ...stockChanged(levels, input.actor),
  ]);
  return { released: rows };
}

export interface CommitResult {
  reservation: ReservationView;
  committed: number;
  picks: { bin_id: string | null; lot: string; qty: number }[];
  level: LevelChange;
}

/** Chooses bins for `qty` units FEFO, then FIFO (bins under count are skipped); the rows stay locked. */
async function allocatePicks(tx: Executor, warehouseId: string, skuId: string, qty: number): Promise<{ bin_id: string | null; lot: string; qty: number }[]> {
  const picks: { bin_id: string | null; lot: string; qty: number }[] = [];
  let left = qty;
  for (const c of await lockPickCandidates(tx, warehouseId, skuId)) {
    if (left === 0) break;
    const n = Math.min(left, c.qty);
    picks.push({ bin_id: c.bin_id, lot: c.lot, qty: n });
    left -= n;
  }
  if (left > 0) {
    throw insufficientBinStock({ sku: await skuLabel(tx, skuId), warehouse_id: warehouseId, bin_id: null, lot: '', requested: qty, available: qty - left });
  }
  return picks;
}

/**
 * Ships reserved units (internal: the ledger type is the caller's, events are the caller's).
 * Locks the reservation, then the level row, then the bin rows.
 */
export async function commitUnits(tx: Executor, input: CommitInput, type: 'commit' | 'transfer_out'): Promise<CommitResult> {
  if (input.qty !== undefined) assertQty(input.qty);
  const picksIn: Pick[] | undefined = input.picks?.map((p) => ({ bin_id: p.bin_id ?? null, lot: normLot(p.lot), qty: p.qty }));
  picksIn?.forEach((p, i) => assertQty(p.qty, `picks.${i}.qty`));
  const want = input.qty ?? null;
  const row = (
    await sql<ReservationView & { n: number }>`
      UPDATE reservations r
      SET qty = r.qty - o.n, committed_qty = r.committed_qty + o.n, updated_at = now(),
          status = CASE WHEN r.qty - o.n > 0 THEN 'open' ELSE 'committed' END
      FROM (SELECT id, COALESCE(${want}::int, qty) AS n FROM reservations
            WHERE id = ${input.reservation_id} AND status = 'open' AND qty >= COALESCE(${want}::int, qty) FOR UPDATE) o
      WHERE r.id = o.id
      RETURNING r.id, r.ref, r.ref_line, r.sku_id, r.warehouse_id, r.qty, r.committed_qty, r.released_qty, r.status, r.created_at, r.updated_at, o.n`.execute(tx)
  ).rows[0];
  if (!row) {
    const found = await tx.selectFrom('reservations').select(['status', 'qty']).where('id', '=', input.reservation_id).executeTakeFirst();
    if (!found) throw reservationNotFound(input.reservation_id);
    if (found.status !== 'open') throw invalidTransition('Reservation', input.reservation_id, found.status, 'committed');
    throw invalidInput('validation_failed', `Reservation ${input.reservation_id} holds ${found.qty}; cannot commit ${want}`, { reservation_id: input.reservation_id, qty: found.qty });
  }
  const { n, ...reservation } = row;
  if (picksIn && picksIn.reduce((s, p) => s + p.qty, 0) !== n) {
    throw invalidInput('validation_failed', `The picks add up to ${picksIn.reduce((s, p) => s + p.qty, 0)}, the commit is for ${n}`, { qty: n });
  }
  if (picksIn) {
    await assertBinsIn(tx, row.warehouse_id, picksIn.map((p) => p.bin_id));
    await assertNotUnderCount(tx, picksIn.map((p) => p.bin_id));
  }
  const level = await commitLevel(tx, row.sku_id, row.warehouse_id, n);
  if (!level) throw new Error(`stock_levels.reserved of ${row.sku_id} in ${row.warehouse_id} is below its open reservations; run tandem inventory verify`);
  const picks = picksIn ?? (await allocatePicks(tx, row.warehouse_id, row.sku_id, n));
  const loc = (p: { bin_id: string | null; lot?: string | undefined }) => ({ warehouse_id: row.warehouse_id, bin_id: p.bin_id, sku_id: row.sku_id, lot: normLot(p.lot), state: 'available' as const });
  for (const p of [...picks].sort((a, b) => binKey(loc(a)).localeCompare(binKey(loc(b))))) {
    if (!(await takeFromBin(tx, loc(p), p.qty))) {
      const held = await tx.selectFrom('bin_stock').select('qty').where('warehouse_id', '=', row.warehouse_id).where('sku_id', '=', row.sku_id).where('lot', '=', normLot(p.lot)).where('state', '=', 'available')
        .where((eb) => (p.bin_id === null ? eb('bin_id', 'is', null) : eb('bin_id', '=', p.bin_id))).executeTakeFirst();
      throw insufficientBinStock({ sku: await skuLabel(tx, row.sku_id), warehouse_id: row.warehouse_id, bin_id: p.bin_id, lot: normLot(p.lot), requested: p.qty, available: held?.qty ?? 0 });
    }
  }
  await appendLedger(
    tx,
    picks.map((p) => ({ type, sku_id: row.sku_id, warehouse_id: row.warehouse_id, bin_id: p.bin_id, lot: normLot(p.lot), delta: -p.qty, reserved_delta: -p.qty, reference: input.reference ?? row.ref, actor: input.actor ?? null, reason: null })),
  );
  return { reservation, committed: n, picks: picks.map((p) => ({ bin_id: p.bin_id, lot: normLot(p.lot), qty: p.qty })), level };
}

/**
 * Commit on ship: the reserved units leave the warehouse. on_hand and reserved both go down, and the
 * picked bins (given, or chosen FEFO) lose the units. Emits `stock.committed` and `stock.changed`.
 */
export async function commitReservation(tx: Executor, input: CommitInput): Promise<CommitResult> {
  const result = await commitUnits(tx, input, 'commit');
  const r = result.reservation;
  await emit(tx, [
    { type: 'stock.committed', aggregateType: 'reservation', aggregateId: r.ref, payload: { reservation_id: r.id, ref: r.ref, ref_line: r.ref_line, sku_id: r.sku_id, warehouse_id: r.warehouse_id, qty: result.committed, picks: result.picks }, actor: input.actor },
    ...stockChanged([result.level], input.actor),
  ]);
  return result;
}

/** A reservation by id; throws reservation_not_found. */
export async function getReservation(db: Executor, id: string): Promise<ReservationView> {
  const row = await db.selectFrom('reservations').select(RES_COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!row) throw reservationNotFound(id);
  return row as ReservationView;
}

export interface ListReservationsInput {
  ref?: string | undefined;
  sku_id?: string | undefined;
  warehouse_ids?: string[] | null | undefined;
  status?: 'open' | 'committed' | 'released' | undefined;
  /** At most this many (default 1000), in id order after `cursor`. */
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** Reservations by ref, SKU, warehouse or status, in id order. */
export async function listReservations(db: Executor, input: ListReservationsInput): Promise<ReservationView[]> {
  let q = db.selectFrom('reservations').select(RES_COLUMNS).orderBy('id').limit(input.limit ?? 1000);
  if (input.ref !== undefined) q = q.where('ref', '=', input.ref);
  if (input.sku_id !== undefined) q = q.where('sku_id', '=', input.sku_id);
  if (input.status !== undefined) q = q.where('status', '=', input.status);
  if (input.warehouse_ids) q = q.where('warehouse_id', 'in', input.warehouse_ids.length > 0 ? input.warehouse_ids : ['']);
  if (input.cursor) q = q.where('id', '>', input.cursor);
  return (await q.execute()) as ReservationView[];
}
