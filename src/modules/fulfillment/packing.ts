import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { emit, type EventInput } from '../../events/outbox.js';
import { listPackages, type PackageView } from './packages.js';
import { getFulfillmentOrder, type FulfillmentStatus } from './fulfillment.service.js';

/**
 * Pack sessions: a packer scans every picked unit of a fulfillment order (one open session per order; each scan
 * a row), then closes packing into packages. The fulfillment order row is locked for every scan and close, so
 * two packers on one order take turns and can neither double-count a unit nor close it twice.
 */

export interface PackingFo {
  id: string;
  order_id: string;
  order_number: string;
  warehouse_id: string;
  status: FulfillmentStatus;
}

/** One SKU of a fulfillment order as the packer sees it: what is left to pack and what this session has scanned. */
export interface PackLine {
  sku_id: string;
  sku: string;
  name: string;
  gtin: string | null;
  weight_g: number | null;
  dims_mm: { l: number; w: number; h: number } | null;
  picked: number;
  /** Units already in live (packed or shipped) packages. */
  packed: number;
  /** Units this pack session must scan: picked − packed. */
  expected: number;
  scanned: number;
  remaining: number;
}

export interface PackState {
  fulfillment_order_id: string;
  order_id: string;
  order_number: string;
  warehouse_id: string;
  status: FulfillmentStatus;
  session: { id: number; opened_by: string | null; opened_at: Date } | null;
  lines: PackLine[];
  /** Every expected unit is scanned (and there is something to pack). */
  complete: boolean;
  packages: PackageView[];
}

/** What closing packing seals into one package. */
export interface PlannedPackage {
  carton_code: string | null;
  length_mm: number;
  width_mm: number;
  height_mm: number;
  weight_g: number;
  weight_estimated: boolean;
  items: { sku_id: string; qty: number }[];
}

export const fulfillmentOrderNotFound = (id: string): AppError =>
  new AppError('not_found', 'fulfillment_order_not_found', `Fulfillment order ${id} was not found`, { fulfillment_order_id: id });

const PACKABLE: FulfillmentStatus[] = ['picked', 'packing'];

async function readFo(db: Executor, id: string, lock: boolean): Promise<PackingFo> {
  const r = await sql<PackingFo>`
    SELECT f.id, f.order_id, o.number AS order_number, f.warehouse_id, f.status
    FROM fulfillment_orders f JOIN orders o ON o.id = f.order_id
    WHERE f.id = ${id} ${lock ? sql`FOR UPDATE OF f` : sql``}`.execute(db);
  if (!r.rows[0]) throw fulfillmentOrderNotFound(id);
  return r.rows[0];
}

/** The fulfillment order with its order number; throws `fulfillment_order_not_found`. */
export const findPackingFo = (db: Executor, id: string): Promise<PackingFo> => readFo(db, id, false);

/** Locks the fulfillment order for a packing change (every scan and close takes this lock first). */
export const lockPackingFo = (tx: Executor, id: string): Promise<PackingFo> => readFo(tx, id, true);

function assertPackable(fo: PackingFo): void {
  if (PACKABLE.includes(fo.status)) return;
  if (['pending', 'released', 'picking'].includes(fo.status)) {
    throw new AppError('conflict', 'not_picked', `Order ${fo.order_number} is not picked yet (fulfillment order ${fo.id} is ${fo.status}); pack it once picking is complete`, { fulfillment_order_id: fo.id, status: fo.status });
  }
  const hint = fo.status === 'packed' ? '; cancel a package to repack it' : '';
  throw new AppError('conflict', 'invalid_transition', `Order ${fo.order_number} is already ${fo.status} (fulfillment order ${fo.id})${hint}`, { fulfillment_order_id: fo.id, status: fo.status });
}

/** Units picked per order line × SKU (picked into the staging bin, less any put back), in order-line order. */
async function pickedUnits(db: Executor, foId: string): Promise<{ order_line_id: string; sku_id: string; qty: number }[]> {
  const fo = await getFulfillmentOrder(db, foId);
  return fo.picked
    .filter((p) => p.qty > 0)
    .sort((a, b) => a.order_line_id.localeCompare(b.order_line_id) || a.sku_id.localeCompare(b.sku_id));
}

/** Units per order line × SKU already in live (packed or shipped) packages of the fulfillment order. */
async function packagedUnits(db: Executor, foId: string): Promise<Map<string, number>> {
  const rows = await sql<{ order_line_id: string; sku_id: string; qty: number }>`
    SELECT i.order_line_id, i.sku_id, sum(i.qty)::int AS qty FROM package_items i JOIN packages p ON p.id = i.package_id
    WHERE p.fulfillment_order_id = ${foId} AND p.status <> 'cancelled' GROUP BY 1, 2`.execute(db);
  return new Map(rows.rows.map((r) => [lineKey(r.order_line_id, r.sku_id), r.qty]));
}

const lineKey = (orderLineId: string, skuId: string): string => `${orderLineId}\u0000${skuId}`;

async function openSession(db: Executor, foId: string): Promise<{ id: number; opened_by: string | null; opened_at: Date } | undefined> {
  return db.selectFrom('pack_sessions').select(['id', 'opened_by', 'opened_at']).where('fulfillment_order_id', '=', foId).where('status', '=', 'open').executeTakeFirst();
}

/** Per (order line, SKU): what is still to be packed, in order-line order (the order package items are assigned in). */
async function remainingByLine(db: Executor, foId: string): Promise<{ order_line_id: string; sku_id: string; qty: number }[]> {
  const [picked, packaged] = await Promise.all([pickedUnits(db, foId), packagedUnits(db, foId)]);
  return picked.map((p) => ({ ...p, qty: p.qty - (packaged.get(lineKey(p.order_line_id, p.sku_id)) ?? 0) }));
}

/** Scanned vs expected per SKU, with the SKU facts the packer and the cartonizer need. */
export async function getPackState(db: Executor, foId: string): Promise<PackState> {
  const fo = await findPackingFo(db, foId);
  const [picked, packaged, session] = await Promise.all([pickedUnits(db, foId), packagedUnits(db, foId), openSession(db, foId)]);
  const scans = session
    ? await db.selectFrom('pack_scans').select(['sku_id', sql<number>`sum(qty)::int`.as('qty')]).where('session_id', '=', session.id).groupBy('sku_id').execute()
    : [];
  const skuIds = [...new Set(picked.map((p) => p.sku_id))];
  const skus = skuIds.length === 0 ? [] : await db.selectFrom('skus').select(['id', 'sku', 'name', 'gtin', 'weight_g', 'length_mm', 'width_mm', 'height_mm']).where('id', 'in', skuIds).execute();
  const lines: PackLine[] = skus.map((s) => {
    const mine = picked.filter((p) => p.sku_id === s.id);
    const pickedQty = mine.reduce((n, p) => n + p.qty, 0);
    const packedQty = mine.reduce((n, p) => n + (packaged.get(lineKey(p.order_line_id, p.sku_id)) ?? 0), 0);
    const scanned = scans.find((x) => x.sku_id === s.id)?.qty ?? 0;
    const expected = pickedQty - packedQty;
    return {
      sku_id: s.id, sku: s.sku, name: s.name, gtin: s.gtin, weight_g: s.weight_g,
      dims_mm: s.length_mm && s.width_mm && s.height_mm ? { l: s.length_mm, w: s.width_mm, h: s.height_mm } : null,
      picked: pickedQty, packed: packedQty, expected, scanned, remaining: expected - scanned,
    };
  });
  lines.sort((a, b) => a.sku.localeCompare(b.sku));
  const packages = await packagesOf(db, foId);
  const expected = lines.reduce((n, l) => n + l.expected, 0);
  return {
    fulfillment_order_id: fo.id, order_id: fo.order_id, order_number: fo.order_number, warehouse_id: fo.warehouse_id, status: fo.status,
    session: session ?? null, lines, complete: expected > 0 && lines.every((l) => l.remaining === 0), packages,
  };
}

/** The live (packed or shipped) packages of a fulfillment order, in seq order: two statements however many there are. */
async function packagesOf(db: Executor, foId: string): Promise<PackageView[]> {
  return (await listPackages(db, { fulfillment_order_id: foId })).filter((p) => p.status !== 'cancelled');
}

/** GTIN spellings that denote the same item: scanners send UPC-A as 12 or 13 digits, GTIN-14 with leading zeros. */
function gtinVariants(barcode: string): string[] {
  if (!/^[0-9]{8,14}$/.test(barcode)) return [];
  const core = barcode.replace(/^0+/, '');
  return [8, 12, 13, 14].filter((n) => n >= core.length).map((n) => core.padStart(n, '0'));
}

/** The line of the fulfillment order a scanned barcode (SKU code or GTIN) denotes, or undefined. */
export function matchPackLine(lines: PackLine[], barcode: string): PackLine | undefined {
  const gtins = gtinVariants(barcode);
  return lines.find((l) => l.sku === barcode) ?? lines.find((l) => l.gtin !== null && gtins.includes(l.gtin)) ?? lines.find((l) => l.sku.toUpperCase() === barcode.toUpperCase());
}

/** A wrong item, in words a packer acts on: unknown barcode, an item of another order, or a kit instead of its parts. */
async function wrongItem(db: Executor, fo: PackingFo, barcode: string): Promise<AppError> {
  const gtins = gtinVariants(barcode);
  const known = await db
    .selectFrom('skus')
    .select(['id', 'sku', 'name', 'is_kit'])
    .where((eb) => eb.or([eb('sku', '=', barcode), ...(gtins.length > 0 ? [eb('gtin', 'in', gtins)] : [])]))
    .executeTakeFirst();
  const details = { fulfillment_order_id: fo.id, order_number: fo.order_number, barcode };
  if (!known) return new AppError('unprocessable', 'wrong_item', `Barcode ${barcode} matches no item; it is not part of order ${fo.order_number}. Put it aside.`, details);
  if (known.is_kit) {
    return new AppError('unprocessable', 'wrong_item', `${known.sku} (${known.name}) is a kit: scan each of its parts for order ${fo.order_number}.`, { ...details, sku: known.sku });
  }
  return new AppError('unprocessable', 'wrong_item', `${known.sku} (${known.name}) is not part of order ${fo.order_number}. Put it aside.`, { ...details, sku: known.sku });
}

/**
 * Records one scan (qty units of one item) in the fulfillment order's open pack session, opening it on the
 * first scan (`picked` → `packing`). A wrong item or more units than are left to pack is refused (422
 * `wrong_item` / `over_scan`) and nothing is recorded. The caller holds the lock from `lockPackingFo`.
 */
export async function recordPackScan(tx: Executor, fo: PackingFo, input: { barcode: string; qty: number }, actor?: string): Promise<{ line: PackLine; fulfillment_order_status: FulfillmentStatus }> {
  assertPackable(fo);
  const state = await getPackState(tx, fo.id);
  const line = matchPackLine(state.lines, input.barcode);
  if (!line) throw await wrongItem(tx, fo, input.barcode);
  if (line.scanned + input.qty > line.expected) {
    const left = line.expected - line.scanned;
    const msg = line.expected === 0
      ? `Every unit of ${line.sku} (${line.name}) for order ${fo.order_number} is already in a package; this one is extra. Put it aside.`
      : left === 0
      ? `All ${line.expected} unit(s) of ${line.sku} (${line.name}) for order ${fo.order_number} are already scanned; this one is extra. Put it aside.`
      : `Only ${left} more unit(s) of ${line.sku} (${line.name}) belong to order ${fo.order_number}; ${input.qty} were scanned. Put the extra aside.`;
    throw new AppError('unprocessable', 'over_scan', msg, { fulfillment_order_id: fo.id, sku: line.sku, expected: line.expected, scanned: line.scanned, attempted: input.qty });
  }
  let sessionId = state.session?.id;
  if (!sessionId) {
    const opened = await tx.insertInto('pack_sessions').values({ fulfillment_order_id: fo.id, opened_by: actor ?? null }).returning('id').executeTakeFirstOrThrow();
    sessionId = Number(opened.id);
  }
  await tx.insertInto('pack_scans').values({ session_id: sessionId, sku_id: line.sku_id, barcode: input.barcode, qty: input.qty, scanned_by: actor ?? null }).execute();
  const events: EventInput[] = [{
    type: 'fulfillment_order.pack_scanned', aggregateType: 'fulfillment_order', aggregateId: fo.id,
    payload: { order_id: fo.order_id, session_id: sessionId, sku_id: line.sku_id, sku: line.sku, qty: input.qty, scanned: line.scanned + input.qty, expected: line.expected }, actor,
  }];
  if (fo.status === 'picked') {
    await tx.updateTable('fulfillment_orders').set({ status: 'packing', updated_at: new Date() }).where('id', '=', fo.id).where('status', '=', 'picked').execute();
    events.push({ type: 'fulfillment_order.packing_started', aggregateType: 'fulfillment_order', aggregateId: fo.id, payload: { order_id: fo.order_id, warehouse_id: fo.warehouse_id, session_id: sessionId }, actor });
    fo.status = 'packing';
  }
  await emit(tx, events);
  return { line: { ...line, scanned: line.scanned + input.qty, remaining: line.remaining - input.qty }, fulfillment_order_status: fo.status };
}

/** Throws 422 `pack_incomplete` unless every expected unit is scanned (409 `nothing_to_pack` when nothing is left). */
export function assertPackComplete(fo: PackingFo, state: PackState): void {
  assertPackable(fo);
  if (state.lines.every((l) => l.expected === 0)) {
    throw new AppError('conflict', 'nothing_to_pack', `Every unit of order ${fo.order_number} at this warehouse is already in a package`, { fulfillment_order_id: fo.id });
  }
  const missing = state.lines.filter((l) => l.remaining > 0);
  if (missing.length === 0) return;
  const units = missing.reduce((n, l) => n + l.remaining, 0);
  throw new AppError('unprocessable', 'pack_incomplete', `${units} unit(s) of order ${fo.order_number} are not scanned yet: ${missing.map((l) => `${l.remaining} × ${l.sku}`).join(', ')}`, {
    fulfillment_order_id: fo.id, missing: missing.map((l) => ({ sku: l.sku, expected: l.expected, scanned: l.scanned })),
  });
}

/**
 * Closes packing: seals the planned packages (their items must add up to exactly the scanned units), assigns
 * each unit to its order line, closes the session and marks the fulfillment order `packed`. Emits
 * `package.created` per package and `fulfillment_order.packed`. The caller holds the lock from `lockPackingFo`.
 */
export async function closePacking(tx: Executor, fo: PackingFo, plan: PlannedPackage[], actor?: string): Promise<PackageView[]> {
  const state = await getPackState(tx, fo.id);
  assertPackComplete(fo, state);
  assertPlanCovers(fo, state, plan);
  const remaining = (await remainingByLine(tx, fo.id)).filter((r) => r.qty > 0);
  const last = await tx.selectFrom('packages').select(sql<number>`coalesce(max(seq), 0)::int`.as('seq')).where('fulfillment_order_id', '=', fo.id).executeTakeFirstOrThrow();
  const ids: string[] = [];
  for (const [i, p] of plan.entries()) {
    const id = newId('pkg');
    ids.push(id);
    await tx.insertInto('packages').values({
      id, fulfillment_order_id: fo.id, order_id: fo.order_id, warehouse_id: fo.warehouse_id, seq: last.seq + i + 1, carton_code: p.carton_code,
      length_mm: p.length_mm, width_mm: p.width_mm, height_mm: p.height_mm, weight_g: p.weight_g, weight_estimated: p.weight_estimated, packed_by: actor ?? null,
    }).execute();
    const items = assignLines(remaining, p.items);
    await tx.insertInto('package_items').values(items.map((it) => ({ package_id: id, ...it }))).execute();
  }
  await tx.updateTable('pack_sessions').set({ status: 'closed', closed_at: new Date() }).where('fulfillment_order_id', '=', fo.id).where('status', '=', 'open').execute();
  await tx.updateTable('fulfillment_orders').set({ status: 'packed', updated_at: new Date() }).where('id', '=', fo.id).where('status', 'in', PACKABLE).execute();
  const packages = (await listPackages(tx, { fulfillment_order_id: fo.id })).filter((p) => ids.includes(p.id));
  await emit(tx, [
    ...packages.map((p) => ({
      type: 'package.created', aggregateType: 'package', aggregateId: p.id,
      payload: { fulfillment_order_id: fo.id, order_id: fo.order_id, warehouse_id: fo.warehouse_id, seq: p.seq, carton_code: p.carton_code, dims_mm: { l: p.length_mm, w: p.width_mm, h: p.height_mm }, weight_g: p.weight_g, weight_estimated: p.weight_estimated, items: p.items },
      actor,
    })),
    { type: 'fulfillment_order.packed', aggregateType: 'fulfillment_order', aggregateId: fo.id, payload: { order_id: fo.order_id, warehouse_id: fo.warehouse_id, package_ids: ids }, actor },
  ]);
  fo.status = 'packed';
  return packages;
}

/** The plan must put every scanned unit in exactly one package, and no package may be empty. */
function assertPlanCovers(fo: PackingFo, state: PackState, plan: PlannedPackage[]): void {
  if (plan.length === 0 || plan.some((p) => p.items.length === 0 || p.items.some((i) => !Number.isInteger(i.qty) || i.qty <= 0))) {
    throw new AppError('unprocessable', 'package_items_mismatch', 'Every package needs at least one item, each with a positive quantity', { fulfillment_order_id: fo.id });
  }
  const planned = new Map<string, number>();
  for (const i of plan.flatMap((p) => p.items)) planned.set(i.sku_id, (planned.get(i.sku_id) ?? 0) + i.qty);
  const off = state.lines.filter((l) => (planned.get(l.sku_id) ?? 0) !== l.scanned);
  const stray = [...planned.keys()].filter((id) => !state.lines.some((l) => l.sku_id === id));
  if (off.length > 0 || stray.length > 0) {
    throw new AppError('unprocessable', 'package_items_mismatch',
      `The packages must hold exactly the scanned units: ${off.map((l) => `${l.sku} scanned ${l.scanned}, in packages ${planned.get(l.sku_id) ?? 0}`).join('; ') || 'an item is not part of the order'}`,
      { fulfillment_order_id: fo.id, lines: off.map((l) => ({ sku: l.sku, scanned: l.scanned, in_packages: planned.get(l.sku_id) ?? 0 })) });
  }
}

/** Takes a package's SKU units from the order lines that still need them, in order-line order (remaining is consumed). */
function assignLines(remaining: { order_line_id: string; sku_id: string; qty: number }[], items: { sku_id: string; qty: number }[]): { order_line_id: string; sku_id: string; qty: number }[] {
  const out: { order_line_id: string; sku_id: string; qty: number }[] = [];
  for (const item of items) {
    let left = item.qty;
    for (const r of remaining) {
      if (left === 0) break;
      if (r.sku_id !== item.sku_id || r.qty === 0) continue;
      const q = Math.min(left, r.qty);
      r.qty -= q;
      left -= q;
      const same = out.find((o) => o.order_line_id === r.order_line_id && o.sku_id === r.sku_id);
      if (same) same.qty += q;
      else out.push({ order_line_id: r.order_line_id, sku_id: r.sku_id, qty: q });
    }
    // assertPlanCovers matched the totals, so every unit finds a line.
    if (left > 0) throw new Error(`package item ${item.sku_id} exceeds what its order lines still need`);
  }
  return out;
}
