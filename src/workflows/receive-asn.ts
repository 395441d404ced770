import { sql } from 'kysely';
import { withTx, type Db, type Executor } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { canAccessWarehouse, type Principal } from '../modules/auth/index.js';
import * as inventory from '../modules/inventory/index.js';
import type { StockState } from '../modules/inventory/index.js';
import * as inbound from '../modules/inbound/index.js';
import { listBins } from '../modules/warehouse/index.js';
import type { AsnStatus, AsnView } from '../modules/inbound/index.js';
import { binFor, skuIdsFor, warehouseFor, type Caller } from './stock-commands.js';
import { STAGING_BIN_CODE } from './staging.js';

/**
 * Inbound: ASNs, receiving against them by scan (the inventory receive command, damaged units in state
 * `damaged`), closing with shortages, putaway suggestions and putaway (the inventory move command from the
 * unplaced pool into a bin). Each command is one transaction.
 */

const inScope = (caller: Caller, wh: string): boolean => canAccessWarehouse(caller as Principal, wh);

/** The ASN, or 404 when it is outside the caller's warehouses (same as unknown: no existence leak). */
async function asnFor(tx: Executor, caller: Caller, id: string, lock: boolean): Promise<AsnView> {
  const asn = lock ? await inbound.lockAsn(tx, id) : await inbound.getAsn(tx, id);
  if (!inScope(caller, asn.warehouse_id)) throw new AppError('not_found', 'asn_not_found', `ASN ${id} was not found`, { asn: id });
  return asn;
}

export interface AsnRequest {
  warehouse_id: string;
  reference: string;
  supplier?: string | undefined;
  expected_at?: string | undefined;
  over_tolerance_pct?: number | undefined;
  lines: { sku: string; qty: number; lot?: string | undefined; expires_on?: string | undefined }[];
}

/** Creates an ASN; kits cannot be received (their components are). */
export async function createAsn(db: Db, caller: Caller, req: AsnRequest): Promise<AsnView> {
  return withTx(db, async (tx) => {
    const wh = await warehouseFor(tx, caller, req.warehouse_id);
    const skus = await skuIdsFor(tx, req.lines.map((l) => l.sku));
    const kits = req.lines.filter((l) => skus.get(l.sku)!.is_kit).map((l) => l.sku);
    if (kits.length > 0) throw new AppError('unprocessable', 'sku_is_kit', `Kits are not stocked: expect their components instead (${kits.join(', ')})`, { skus: kits });
    return inbound.createAsn(tx, { ...req, warehouse_id: wh, lines: req.lines.map((l) => ({ ...l, sku_id: skus.get(l.sku)!.id })) }, caller.id);
  });
}

/** An ASN the caller may see. */
export async function getAsnFor(db: Db, caller: Caller, id: string): Promise<AsnView & { receipts: inbound.AsnReceiptView[] }> {
  const asn = await asnFor(db, caller, id, false);
  return { ...asn, receipts: await inbound.listAsnReceipts(db, id) };
}

/** ASNs of the caller's warehouses (or one of them). */
export async function listAsnsFor(db: Db, caller: Caller, f: { warehouse_id?: string | undefined; status?: AsnStatus | undefined; reference?: string | undefined; limit: number; cursor?: string | undefined }) {
  const wh = f.warehouse_id ? await warehouseFor(db, caller, f.warehouse_id) : undefined;
  return inbound.listAsns(db, { scope: caller.warehouseIds, warehouse_id: wh, status: f.status, reference: f.reference, limit: f.limit, cursor: f.cursor });
}

export interface ReceiveAsnRequest {
  lines: { sku_or_barcode: string; qty: number; damaged_qty?: number | undefined; lot?: string | undefined; expires_on?: string | undefined; bin?: string | undefined }[];
}

/**
 * Receives scanned units against an ASN in one transaction: each scan is matched to an ASN line, recorded
 * (over-receipt beyond the tolerance → 422, nothing recorded), and the units are received into the bin given
 * (or unplaced, awaiting putaway): good units available, damaged units in state `damaged`. The ASN row is locked
 * for the whole receipt, so concurrent scans against one ASN are applied one after the other, each exactly once.
 */
export async function receiveAsn(db: Db, caller: Caller, id: string, req: ReceiveAsnRequest) {
  return withTx(db, async (tx) => {
    let asn = await asnFor(tx, caller, id, true);
    if (asn.status === 'closed' || asn.status === 'cancelled') {
      throw new AppError('conflict', 'asn_closed', `ASN ${asn.reference} is ${asn.status}: receive against a new ASN or with an inventory receipt`, { asn_id: asn.id, status: asn.status });
    }
    const receipts: inbound.AsnReceiptView[] = [];
    const stock: inventory.ReceiveInput['lines'] = [];
    for (const [i, l] of req.lines.entries()) {
      const damaged = l.damaged_qty ?? 0;
      if (l.qty + damaged <= 0) {
        throw new AppError('invalid', 'validation_failed', 'A receipt line needs at least one unit (qty or damaged_qty)', {}, [{ path: `body.lines.${i}.qty`, message: 'qty + damaged_qty must be at least 1' }]);
      }
      const sku = await inbound.skuForScan(tx, l.sku_or_barcode);
      if (!sku) throw new AppError('unprocessable', 'unknown_barcode', `Nothing is known by the barcode ${l.sku_or_barcode}: scan the item's SKU label or GTIN`, { line: i, scan: l.sku_or_barcode });
      const line = inbound.matchAsnLine(asn, sku.id, l.lot);
      if (!line) throw new AppError('unprocessable', 'sku_not_on_asn', `${sku.sku} is not on ASN ${asn.reference}: set it aside, or receive it with an inventory receipt`, { line: i, sku: sku.sku, asn_id: asn.id });
      const lot = l.lot ?? line.lot;
      const expires = l.expires_on ?? (lot === line.lot ? line.expires_on : null);
      const binId = await binFor(tx, asn.warehouse_id, l.bin);
      receipts.push(await inbound.recordAsnReceipt(tx, asn, { line_no: line.line_no, qty: l.qty, damaged, bin_id: binId, lot, expires_on: expires }, caller.id));
      const at = { sku_id: sku.id, bin_id: binId, lot: lot === '' ? undefined : lot, expires_on: expires ?? undefined };
      if (l.qty > 0) stock.push({ ...at, qty: l.qty, state: 'available' });
      if (damaged > 0) stock.push({ ...at, qty: damaged, state: 'damaged' as StockState });
      asn = await inbound.getAsn(tx, asn.id);
    }
    const received = await inventory.receiveStock(tx, { warehouse_id: asn.warehouse_id, lines: stock, reference: asn.id, actor: caller.id });
    return { asn, receipts, stock: received.lines };
  });
}

/** Closes an ASN: what never arrived is recorded as short per line. */
export async function closeAsn(db: Db, caller: Caller, id: string): Promise<AsnView> {
  return withTx(db, async (tx) => inbound.closeAsn(tx, await asnFor(tx, caller, id, true), caller.id));
}

/** Cancels an ASN nothing was received against. */
export async function cancelAsn(db: Db, caller: Caller, id: string): Promise<AsnView> {
  return withTx(db, async (tx) => inbound.cancelAsn(tx, await asnFor(tx, caller, id, true), caller.id));
}

async function suggestionsFor(db: Executor, warehouseId: string, skuId: string, qty: number) {
  return inbound.suggestPutaway(db, { warehouse_id: warehouseId, sku_id: skuId, qty, exclude_bin_codes: [STAGING_BIN_CODE] });
}

/** For each SKU of the ASN: its units awaiting putaway in the warehouse, and where to put them. */
export async function asnPutaway(db: Db, caller: Caller, id: string) {
  const asn = await asnFor(db, caller, id, false);
  const skuIds = [...new Set(asn.lines.map((l) => l.sku_id))];
  const unplaced = await inbound.unplacedStock(db, asn.warehouse_id, skuIds);
  const items = [];
  for (const skuId of skuIds) {
    const mine = unplaced.filter((u) => u.sku_id === skuId);
    const available = mine.filter((u) => u.state === 'available').reduce((s, u) => s + u.qty, 0);
    const { suggestions, uncovered } = available > 0 ? await suggestionsFor(db, asn.warehouse_id, skuId, available) : { suggestions: [], uncovered: 0 };
    items.push({ sku_id: skuId, sku: asn.lines.find((l) => l.sku_id === skuId)!.sku, unplaced: mine, unplaced_available: available, suggestions, uncovered });
  }
  return { asn_id: asn.id, warehouse_id: asn.warehouse_id, items };
}

/** Where to put units of a SKU (by default: all its available units awaiting putaway, at least one). */
export async function putawaySuggestions(db: Db, caller: Caller, q: { warehouse_id: string; sku: string; qty?: number | undefined }) {
  const wh = await warehouseFor(db, caller, q.warehouse_id);
  const sku = (await skuIdsFor(db, [q.sku])).get(q.sku)!;
  const unplaced = (await inbound.unplacedStock(db, wh, [sku.id])).filter((u) => u.state === 'available').reduce((s, u) => s + u.qty, 0);
  const qty = q.qty ?? Math.max(1, unplaced);
  return { warehouse_id: wh, sku_id: sku.id, sku: sku.sku, qty, unplaced_available: unplaced, ...(await suggestionsFor(db, wh, sku.id, qty)) };
}

export interface PutawayRequest {
  warehouse_id: string;
  sku: string;
  qty: number;
  to_bin: string;
  lot?: string | undefined;
  state?: StockState | undefined;
}

/**
 * Puts units from the unplaced pool into a bin with the inventory move command. The bin's capacity is checked
 * under a per-bin lock, so two putaways into one bin cannot together overfill it.
 */
export async function putaway(db: Db, caller: Caller, req: PutawayRequest) {
  return withTx(db, async (tx) => {
    const wh = await warehouseFor(tx, caller, req.warehouse_id);
    const sku = (await skuIdsFor(tx, [req.sku])).get(req.sku)!;
    const binId = (await binFor(tx, wh, req.to_bin))!;
    const [staging] = await listBins(tx, wh, { codes: [STAGING_BIN_CODE] });
    if (staging?.id === binId) throw new AppError('unprocessable', 'bin_not_allowed', `${STAGING_BIN_CODE} holds picked units waiting to ship; put stock away into a storage bin`, { bin: req.to_bin });
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`bin-capacity:${binId}`}))`.execute(tx);
    const room = await inbound.binRoom(tx, binId);
    if (room !== null && room < req.qty) {
      throw new AppError('unprocessable', 'bin_capacity_exceeded', `Bin ${req.to_bin} has room for ${Math.max(room, 0)} more units, ${req.qty} requested`, { bin: req.to_bin, room: Math.max(room, 0), requested: req.qty });
    }
    const moved = await inventory.moveStock(tx, {
      warehouse_id: wh, sku_id: sku.id, qty: req.qty, from_bin_id: null, to_bin_id: binId, lot: req.lot, from_state: req.state, to_state: req.state, reference: 'putaway', actor: caller.id,
    });
    return { warehouse_id: wh, sku_id: sku.id, sku: sku.sku, qty: moved.qty, lot: moved.to.lot, state: moved.to.state, to_bin_id: binId, to_bin: req.to_bin };
  });
}

/** Sets or clears the SKU's preferred putaway zone in a warehouse. */
export async function setPutawayZone(db: Db, caller: Caller, req: { warehouse_id: string; sku: string; zone: string | null }) {
  return withTx(db, async (tx) => {
    const wh = await warehouseFor(tx, caller, req.warehouse_id);
    const sku = (await skuIdsFor(tx, [req.sku])).get(req.sku)!;
    return { ...(await inbound.setPreferredZone(tx, { warehouse_id: wh, sku_id: sku.id, zone: req.zone }, caller.id)), sku: sku.sku };
  });
}

/** The preferred putaway zones of a warehouse. */
export async function listPutawayZones(db: Db, caller: Caller, warehouseRef: string) {
  return inbound.listPreferredZones(db, await warehouseFor(db, caller, warehouseRef));
}
