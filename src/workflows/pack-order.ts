import { withTx, type Db, type Executor } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { canAccessWarehouse, type Principal } from '../modules/auth/index.js';
import { findSku, kitComponents } from '../modules/catalog/index.js';
import { getOrderDetail } from '../modules/orders/index.js';
import { getWarehouse } from '../modules/warehouse/index.js';
import { packingSlipPdf, type PackingSlipData } from '../documents/packing-slip.js';
import {
  assertPackComplete, cancelPackage, cartonize, closePacking, findPackingFo, getCarton, getPackage, getPackState, listCartons, listFulfillmentOrders, lockPackingFo, matchPackLine,
  recordPackScan, type CartonView, type PackLine, type PackState, type PackageView, type PackingFo, type PlannedPackage,
} from '../modules/fulfillment/index.js';

/**
 * Packing as the scanner and the API give it: the caller's warehouse scope is checked (another warehouse's
 * fulfillment order or package does not exist for them), scans are resolved against the order's items, and the
 * cartons come from the warehouse's catalog — chosen by the packer, or by cartonization from the SKUs' sizes.
 */

export type Caller = Pick<Principal, 'id' | 'warehouseIds'>;

async function foFor(tx: Executor, caller: Caller, id: string, lock: boolean): Promise<PackingFo> {
  const fo = lock ? await lockPackingFo(tx, id) : await findPackingFo(tx, id);
  if (!canAccessWarehouse(caller as Principal, fo.warehouse_id)) {
    throw new AppError('not_found', 'fulfillment_order_not_found', `Fulfillment order ${id} was not found`, { fulfillment_order_id: id });
  }
  return fo;
}

/** Scanned vs expected for a fulfillment order. */
export async function packStatus(db: Db, caller: Caller, foId: string): Promise<PackState> {
  await foFor(db, caller, foId, false);
  return getPackState(db, foId);
}

/** One scan at the pack station: the unit joins the open session, or 422 wrong_item / over_scan and nothing changes. */
export async function scanForPacking(db: Db, caller: Caller, foId: string, input: { barcode: string; qty?: number | undefined }) {
  return withTx(db, async (tx) => {
    const fo = await foFor(tx, caller, foId, true);
    const r = await recordPackScan(tx, fo, { barcode: input.barcode, qty: input.qty ?? 1 }, caller.id);
    const state = await getPackState(tx, foId);
    return { scanned: { sku: r.line.sku, name: r.line.name, qty: input.qty ?? 1, scanned: r.line.scanned, expected: r.line.expected, remaining: r.line.remaining }, ...state };
  });
}

export interface PackRequest {
  scans?: string[] | undefined;
  carton?: string | undefined;
  weight_g?: number | undefined;
  packages?: { carton: string; weight_g?: number | undefined; items?: { sku: string; qty: number }[] | undefined }[] | undefined;
}

export interface PackResult {
  fulfillment_order_id: string;
  order_id: string;
  status: string;
  /** How the cartons were chosen: given by the packer, or by cartonization. */
  carton_selection: 'given' | 'auto';
  packages: PackageView[];
  /** Facts the packer should know: estimated weights, fill ratios of chosen cartons. */
  notes: string[];
}

const unprocessable = (code: string, message: string, details: Record<string, unknown> = {}): AppError => new AppError('unprocessable', code, message, details);

/**
 * Closes packing of a fulfillment order: inline scans count like scanner scans, every unit must be scanned, then
 * the packages are sealed — in the carton(s) given, or in the smallest fitting carton(s) chosen by cartonization.
 */
export async function packFulfillmentOrder(db: Db, caller: Caller, foId: string, req: PackRequest): Promise<PackResult> {
  if (req.packages && (req.carton !== undefined || req.weight_g !== undefined)) {
    throw new AppError('invalid', 'validation_failed', 'Give either carton and weight_g for one package, or packages[] with a carton and weight each', {}, [{ path: 'body.packages', message: 'not with carton or weight_g' }]);
  }
  return withTx(db, async (tx) => {
    const fo = await foFor(tx, caller, foId, true);
    for (const barcode of req.scans ?? []) await recordPackScan(tx, fo, { barcode, qty: 1 }, caller.id);
    const state = await getPackState(tx, foId);
    assertPackComplete(fo, state);
    const notes: string[] = [];
    let plan: PlannedPackage[];
    if (req.packages) plan = await explicitPlan(tx, fo, state, req.packages, notes);
    else if (req.carton !== undefined) plan = [await givenCarton(tx, fo, state.lines, scannedItems(state), req.carton, req.weight_g, notes)];
    else plan = await autoPlan(tx, fo, state.lines, req.weight_g, notes);
    const packages = await closePacking(tx, fo, plan, caller.id);
    return { fulfillment_order_id: fo.id, order_id: fo.order_id, status: fo.status, carton_selection: req.packages || req.carton !== undefined ? 'given' : 'auto', packages, notes };
  });
}

/** Cancels a packed package for a repack (damaged carton); its units must be scanned again. */
export async function cancelPackageFor(db: Db, caller: Caller, packageId: string, reason: string): Promise<PackageView> {
  return withTx(db, async (tx) => {
    await packageFor(tx, caller, packageId);
    return cancelPackage(tx, packageId, reason, caller.id);
  });
}

/** A package the caller may see (another warehouse's is package_not_found). */
export async function packageFor(db: Executor, caller: Caller, packageId: string): Promise<PackageView> {
  const pkg = await getPackage(db, packageId);
  if (!canAccessWarehouse(caller as Principal, pkg.warehouse_id)) {
    throw new AppError('not_found', 'package_not_found', `Package ${packageId} was not found`, { package_id: packageId });
  }
  return pkg;
}

const scannedItems = (state: PackState): { sku_id: string; qty: number }[] => state.lines.filter((l) => l.scanned > 0).map((l) => ({ sku_id: l.sku_id, qty: l.scanned }));

async function cartonFor(tx: Executor, fo: PackingFo, code: string): Promise<CartonView> {
  let carton: CartonView;
  try {
    carton = await getCarton(tx, fo.warehouse_id, code);
  } catch (err) {
    if (err instanceof AppError && err.code === 'carton_not_found') throw unprocessable('carton_not_found', `Carton ${code} is not in this warehouse's carton catalog`, { carton: code });
    throw err;
  }
  if (!carton.active) throw unprocessable('carton_inactive', `Carton ${carton.code} is no longer in use at this warehouse; choose another`, { carton: carton.code });
  return carton;
}

const kg = (g: number): string => `${(g / 1000).toFixed(2)} kg`;
const dimsText = (d: readonly number[]): string => `${d.join('×')} mm`;

/** Weight of a package: the scale's reading, or items + tare (flagged estimated); refused above the carton's limit. */
function packageWeight(lines: PackLine[], items: { sku_id: string; qty: number }[], carton: CartonView, weighed: number | undefined, label: string, notes: string[]): { weight_g: number; weight_estimated: boolean } {
  let weight = weighed;
  if (weight === undefined) {
    const unknown = items.map((i) => lineOf(lines, i.sku_id)).filter((l) => l.weight_g === null);
    if (unknown.length > 0) {
      throw unprocessable('weight_required', `${unknown.map((l) => l.sku).join(', ')} ${unknown.length === 1 ? 'has' : 'have'} no weight in the catalog: weigh ${label} and send weight_g`, { skus: unknown.map((l) => l.sku) });
    }
    weight = items.reduce((g, i) => g + lineOf(lines, i.sku_id).weight_g! * i.qty, 0) + carton.tare_weight_g;
    notes.push(`${label}: weight ${kg(weight)} computed from the items and the carton's tare (not weighed)`);
  }
  if (weight > carton.max_weight_g) {
    throw unprocessable('carton_overweight', `${label} weighs ${kg(weight)}; carton ${carton.code} holds at most ${kg(carton.max_weight_g)}. Split the items over several packages.`, { carton: carton.code, weight_g: weight, max_weight_g: carton.max_weight_g });
  }
  return { weight_g: Math.max(1, weight), weight_estimated: weighed === undefined };
}

const lineOf = (lines: PackLine[], skuId: string): PackLine => lines.find((l) => l.sku_id === skuId)!;

/** Refuses a carton the items cannot physically fit in: an item larger than the carton, or more volume than it has. */
function assertFits(lines: PackLine[], items: { sku_id: string; qty: number }[], carton: CartonView, label: string): void {
  const inner = [carton.length_mm, carton.width_mm, carton.height_mm].sort((a, b) => b - a);
  let volume = 0;
  for (const i of items) {
    const d = lineOf(lines, i.sku_id).dims_mm;
    if (!d) continue;
    const dims = [d.l, d.w, d.h].sort((a, b) => b - a);
    if (dims.some((x, k) => x > inner[k]!)) {
      throw unprocessable('carton_too_small', `${lineOf(lines, i.sku_id).sku} (${dimsText(dims)}) does not fit in carton ${carton.code} (${dimsText(inner)} inside)`, { carton: carton.code, sku: lineOf(lines, i.sku_id).sku });
    }
    volume += d.l * d.w * d.h * i.qty;
  }
  if (volume > inner[0]! * inner[1]! * inner[2]!) {
    throw unprocessable('carton_too_small', `The items of ${label} take ${(volume / 1000).toFixed(0)} cm³; carton ${carton.code} has ${(inner[0]! * inner[1]! * inner[2]! / 1000).toFixed(0)} cm³. Use a bigger carton or several packages.`, { carton: carton.code });
  }
}

async function givenCarton(tx: Executor, fo: PackingFo, lines: PackLine[], items: { sku_id: string; qty: number }[], code: string, weighed: number | undefined, notes: string[], label = 'the package'): Promise<PlannedPackage> {
  const carton = await cartonFor(tx, fo, code);
  assertFits(lines, items, carton, label);
  return { carton_code: carton.code, length_mm: carton.length_mm, width_mm: carton.width_mm, height_mm: carton.height_mm, ...packageWeight(lines, items, carton, weighed, label, notes), items };
}

/** packages[] as the packer gave them; at most one may leave out its items and takes every scanned unit not listed elsewhere. */
async function explicitPlan(tx: Executor, fo: PackingFo, state: PackState, given: NonNullable<PackRequest['packages']>, notes: string[]): Promise<PlannedPackage[]> {
  if (given.filter((p) => !p.items).length > 1) throw unprocessable('package_items_mismatch', 'Only one package may leave out its items (it takes the rest of the scanned units)');
  const left = new Map(state.lines.map((l) => [l.sku_id, l.scanned]));
  const itemsOf = given.map((p, n) => {
    if (!p.items) return undefined;
    const merged = new Map<string, number>();
    for (const it of p.items) {
      const line = matchPackLine(state.lines, it.sku);
      if (!line) throw unprocessable('wrong_item', `Package ${n + 1} lists ${it.sku}, which is not part of order ${fo.order_number}`, { package: n + 1, sku: it.sku });
      merged.set(line.sku_id, (merged.get(line.sku_id) ?? 0) + it.qty);
      left.set(line.sku_id, (left.get(line.sku_id) ?? 0) - it.qty);
    }
    return [...merged].map(([sku_id, qty]) => ({ sku_id, qty }));
  });
  const over = [...left].filter(([, q]) => q < 0);
  if (over.length > 0) {
    throw unprocessable('package_items_mismatch', `The packages list more than was scanned: ${over.map(([id, q]) => `${-q} extra × ${lineOf(state.lines, id).sku}`).join(', ')}`);
  }
  const rest = [...left].filter(([, q]) => q > 0).map(([sku_id, qty]) => ({ sku_id, qty }));
  const plan: PlannedPackage[] = [];
  for (const [n, p] of given.entries()) {
    const items = itemsOf[n] ?? rest;
    if (items.length === 0) throw unprocessable('package_items_mismatch', `Package ${n + 1} would be empty`, { package: n + 1 });
    plan.push(await givenCarton(tx, fo, state.lines, items, p.carton, p.weight_g, notes, `package ${n + 1}`));
  }
  if (!itemsOf.includes(undefined) && rest.length > 0) {
    throw unprocessable('package_items_mismatch', `Scanned units are in no package: ${rest.map((r) => `${r.qty} × ${lineOf(state.lines, r.sku_id).sku}`).join(', ')}`);
  }
  return plan;
}

/** The smallest fitting carton(s) from the warehouse's catalog, by cartonization of the scanned units. */
async function autoPlan(tx: Executor, fo: PackingFo, lines: PackLine[], weighed: number | undefined, notes: string[]): Promise<PlannedPackage[]> {
  const scanned = lines.filter((l) => l.scanned > 0);
  const unknown = scanned.filter((l) => !l.dims_mm || l.weight_g === null);
  if (unknown.length > 0) {
    throw unprocessable('dimensions_missing',
      `Cannot choose a carton: ${unknown.map((l) => `${l.sku} has no ${!l.dims_mm && l.weight_g === null ? 'dimensions or weight' : !l.dims_mm ? 'dimensions' : 'weight'}`).join('; ')} in the catalog. Send the carton code (carton), or add the missing data to the SKU.`,
      { skus: unknown.map((l) => l.sku) });
  }
  const cartons = await listCartons(tx, fo.warehouse_id);
  if (cartons.length === 0) throw unprocessable('no_cartons', 'This warehouse has no cartons in its catalog: add cartons, or send the carton code (carton)', { warehouse_id: fo.warehouse_id });
  const result = cartonize(scanned.map((l) => ({ sku_id: l.sku_id, qty: l.scanned, length_mm: l.dims_mm!.l, width_mm: l.dims_mm!.w, height_mm: l.dims_mm!.h, weight_g: l.weight_g! })), cartons);
  if (result.unfit.length > 0) {
    throw unprocessable('items_do_not_fit', `No carton of this warehouse takes ${result.unfit.map((u) => `${lineOf(lines, u.sku_id).sku} (${u.reason})`).join('; ')}. Pack it in a carton you choose (carton) or add a bigger carton.`,
      { unfit: result.unfit.map((u) => ({ sku: lineOf(lines, u.sku_id).sku, qty: u.qty, reason: u.reason })) });
  }
  if (weighed !== undefined && result.packages.length > 1) {
    throw unprocessable('weight_ambiguous', `The items need ${result.packages.length} cartons (${result.packages.map((p) => p.carton.code).join(', ')}); one weight_g cannot be split. Send packages[] with a weight each, or leave weight_g out.`,
      { cartons: result.packages.map((p) => p.carton.code) });
  }
  return result.packages.map((p, n) => {
    const label = result.packages.length === 1 ? 'the package' : `package ${n + 1}`;
    notes.push(`${label}: carton ${p.carton.code} chosen automatically (${Math.round(p.fill_ratio * 100)}% full)`);
    const weight = weighed ?? p.weight_g;
    if (weighed === undefined) notes.push(`${label}: weight ${kg(weight)} computed from the items and the carton's tare (not weighed)`);
    if (weight > p.carton.max_weight_g) {
      throw unprocessable('carton_overweight', `${label} weighs ${kg(weight)}; carton ${p.carton.code} holds at most ${kg(p.carton.max_weight_g)}`, { carton: p.carton.code, weight_g: weight });
    }
    return { carton_code: p.carton.code, length_mm: p.carton.length_mm, width_mm: p.carton.width_mm, height_mm: p.carton.height_mm, weight_g: Math.max(1, weight), weight_estimated: weighed === undefined, items: p.items };
  });
}

const addressLines = (a: { company?: string | undefined; line1: string; line2?: string | undefined; city: string; state?: string | undefined; postal_code: string; country: string }): string[] =>
  [a.company, a.line1, a.line2, [a.city, a.state, a.postal_code].filter(Boolean).join(', '), a.country].filter((x): x is string => !!x);

/**
 * The packing slip of a fulfillment order: the order's lines as far as this warehouse ships them (a kit line
 * with its parts), the ship-to address, and its live packages.
 */
export async function packingSlipFor(db: Db, caller: Caller, foId: string): Promise<Buffer> {
  const fo = await foFor(db, caller, foId, false);
  const [order, wh, work, packages] = await Promise.all([getOrderDetail(db, fo.order_id), getWarehouse(db, fo.warehouse_id), listFulfillmentOrders(db, fo.order_id), getPackState(db, foId)]);
  const foLines = work.find((w) => w.id === foId)!.lines.map((l) => ({ ...l, open: l.qty - l.qty_cancelled })).filter((l) => l.open > 0);
  const kits = await kitComponents(db, [...new Set(order.lines.map((l) => l.sku_id).filter((s): s is string => !!s))]);
  const names = new Map<string, string>();
  for (const id of new Set(foLines.map((l) => l.sku_id))) names.set(id, (await findSku(db, id))?.name ?? id);
  const lines: PackingSlipData['lines'] = [];
  for (const ol of order.lines) {
    const mine = foLines.filter((l) => l.order_line_id === ol.id);
    if (mine.length === 0 || !ol.sku_id) continue;
    const parts = kits.get(ol.sku_id);
    const name = ol.title ?? (await findSku(db, ol.sku_id))?.name ?? ol.sku ?? '';
    if (!parts) {
      lines.push({ sku: ol.sku ?? ol.sku_id, name, qty: mine.reduce((n, l) => n + l.open, 0) });
      continue;
    }
    const kitsHere = Math.min(...parts.map((p) => Math.floor((mine.find((l) => l.sku_id === p.sku_id)?.open ?? 0) / p.qty)));
    lines.push({ sku: ol.sku ?? ol.sku_id, name, qty: kitsHere, parts: parts.map((p) => ({ sku: p.sku, name: names.get(p.sku_id) ?? p.sku, qty: p.qty * kitsHere })) });
  }
  const to = order.shipping_address;
  return packingSlipPdf({
    order_number: order.number,
    placed_at: order.placed_at,
    fulfillment_order_id: foId,
    from: { name: wh.name, lines: addressLines(wh.address) },
    ship_to: { name: to?.name ?? order.customer.name, lines: to ? addressLines(to) : ['(no shipping address)'], phone: to?.phone ?? order.customer.phone },
    lines,
    packages: packages.packages.map((p) => ({ seq: p.seq, carton_code: p.carton_code, weight_g: p.weight_g })),
  });
}
