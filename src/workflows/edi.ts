import { withTx, type Db, type Tx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { getSku, resolveBarcodes } from '../modules/catalog/index.js';
import { folderTransport, getPartner, listPartners, markDocument, parse846, parseInterchange, queuedDocuments, recordDocument, takeControlNumber, write940, type DocumentView, type EdiTransport, type PartnerView, type ShippingOrder } from '../modules/edi/index.js';
import { lockPendingWork, pendingWorkAt, releaseToPartner } from '../modules/fulfillment/index.js';
import { adjustStock, listStock } from '../modules/inventory/index.js';
import { getOrderDetail, recordOrderEvent } from '../modules/orders/index.js';
import { getWarehouse } from '../modules/warehouse/index.js';
import { applyShippingAdvice } from './edi-shipping.js';
import { codAmountFor } from './ship-package.js';

const ACTOR = 'system:edi';

/** The transport of a partner; tests and other deployments may pass their own (an SFTP client implements the same calls). */
export type TransportFor = (p: PartnerView) => EdiTransport;
const folders: TransportFor = (p) => folderTransport(p);

/**
 * Hands every pending fulfillment order of each external warehouse with an active EDI partner to the 3PL as an
 * X12 940: per order one transaction that takes a control number, records the document (queued), and moves the
 * fulfillment order to released — then the file is written. A crash between commit and write leaves the document
 * queued, and the next run writes it (a partner receiving a file twice sees the same control number).
 */
export async function sendShippingOrders(db: Db, transportFor: TransportFor = folders): Promise<{ sent: number; written: number; failed: { fulfillment_order_id: string; code: string; detail: string }[] }> {
  let sent = 0;
  // One order that cannot be written (no address, a COD amount a 940 cannot carry) stays pending and is reported;
  // it must not hold back every order after it, run after run.
  const failed: { fulfillment_order_id: string; code: string; detail: string }[] = [];
  for (const p of await listPartners(db)) {
    const wh = await getWarehouse(db, p.warehouse_id);
    if (wh.type !== 'external') continue;
    for (const foId of await pendingWorkAt(db, p.warehouse_id, 200)) {
      try {
        if (await withTx(db, (tx) => queue940(tx, p.warehouse_id, foId))) sent++;
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        failed.push({ fulfillment_order_id: foId, code: err.code, detail: err.message });
      }
    }
  }
  return { sent, written: await flushOutbound(db, transportFor), failed };
}

async function queue940(tx: Tx, warehouseId: string, foId: string): Promise<boolean> {
  const work = await lockPendingWork(tx, foId);
  if (!work || work.lines.length === 0) return false;
  const partner = await getPartner(tx, warehouseId);
  const order = await getOrderDetail(tx, work.order_id);
  const addr = order.shipping_address;
  if (!addr) throw new AppError('unprocessable', 'edi_invalid', `Order ${order.number} has no shipping address for its 940`, { order_id: order.id });
  const skus = new Map<string, Awaited<ReturnType<typeof getSku>>>();
  for (const id of new Set(work.lines.map((l) => l.sku_id))) skus.set(id, await getSku(tx, id));
  const doc: ShippingOrder = {
    fulfillment_order_id: work.id, order_number: order.number,
    ship_to: { name: addr.name ?? order.customer.name, line1: addr.line1, line2: addr.line2, city: addr.city, state: addr.state, postal_code: addr.postal_code, country: addr.country, phone: addr.phone ?? order.customer.phone },
    ship_by: work.dispatch_by, carrier_scac: null, cod: null,
    lines: work.lines.map((l) => ({ sku: skus.get(l.sku_id)!.sku, gtin: skus.get(l.sku_id)!.gtin, name: skus.get(l.sku_id)!.name, qty: l.qty, order_line_id: l.order_line_id })),
  };
  // A COD order: the 3PL's carrier collects this fulfillment order's share (the rest of the order total when it completes the order).
  const cod = await codAmountFor(tx, order, { items: work.lines });
  if (cod) doc.cod = { amount: cod, currency: order.currency };
  const control = await takeControlNumber(tx, warehouseId);
  const at = new Date();
  const content = write940(doc, { sender: { qualifier: partner.our_qualifier, id: partner.our_id }, receiver: { qualifier: partner.partner_qualifier, id: partner.partner_id }, control_number: control, test: partner.test_mode, at });
  const name = `940_${String(control).padStart(9, '0')}.edi`;
  await recordDocument(tx, { warehouse_id: warehouseId, direction: 'out', transaction_set: '940', sender_id: partner.our_id, interchange_control: String(control), set_control: '0001', fulfillment_order_id: work.id, file_name: name, content, status: 'queued', result: { units: doc.lines.reduce((n, l) => n + l.qty, 0), cod_amount: cod ?? 0 } });
  await releaseToPartner(tx, work.id, name, ACTOR);
  await recordOrderEvent(tx, order.id, 'sent_to_warehouse', `Sent to ${partner.partner_id} as X12 940 #${control}`, { fulfillment_order_id: work.id, control_number: control }, ACTOR);
  return true;
}

/** Writes queued outbound documents out; each is marked sent once its file is in place. */
export async function flushOutbound(db: Db, transportFor: TransportFor = folders): Promise<number> {
  let written = 0;
  for (const d of await queuedDocuments(db)) {
    const partner = await getPartner(db, d.warehouse_id);
    await transportFor(partner).write(d.file_name ?? `${d.transaction_set}_${d.interchange_control}.edi`, d.content);
    await withTx(db, (tx) => markDocument(tx, d.id, 'sent'));
    written++;
  }
  return written;
}

export interface InboundResult {
  outcome: 'applied' | 'duplicate' | 'rejected';
  documents: DocumentView[];
  error?: string | undefined;
}

/**
 * Applies one inbound file from a warehouse's partner: 945 shipping advice (shipments, as if our own floor had
 * shipped) or 846 inventory advice (on-hand snapshot). All transaction sets of the file apply in one transaction,
 * or none; a file seen before (same sender and control numbers) changes nothing; a bad file is recorded as rejected
 * with the reason, and nothing else changes.
 */
export async function receiveEdiDocument(db: Db, warehouseRef: string, raw: string, fileName: string | null, actor = ACTOR): Promise<InboundResult> {
  const wh = await getWarehouse(db, warehouseRef);
  const partner = await getPartner(db, wh.id);
  let sets: { set: '945' | '846'; control: string }[] = [];
  let sender = '';
  let interchange = '';
  try {
    const ic = parseInterchange(raw);
    sender = ic.sender.id;
    interchange = ic.control_number;
    if (sender !== partner.partner_id) throw new AppError('unprocessable', 'edi_invalid', `The file is from ${sender}, not from this warehouse's partner ${partner.partner_id}`, { sender });
    sets = ic.transactions.map((t) => {
      if (t.set !== '945' && t.set !== '846') throw new AppError('unprocessable', 'edi_invalid', `Transaction set ${t.set} is not accepted from a warehouse (945 and 846 are)`, { set: t.set });
      return { set: t.set, control: t.control_number };
    });
    if (sets.length === 0) throw new AppError('unprocessable', 'edi_invalid', 'The interchange holds no transaction set', {});
    const docs = await withTx(db, async (tx) => {
      const out: DocumentView[] = [];
      for (const s of sets) {
        const doc = await recordDocument(tx, { warehouse_id: wh.id, direction: 'in', transaction_set: s.set, sender_id: sender, interchange_control: interchange, set_control: s.control, file_name: fileName, content: raw, status: 'applied' });
        if (!doc) return null;
        out.push(doc);
      }
      if (sets[0]!.set === '846') {
        const result = await applyInventoryAdvice(tx, wh.id, raw, interchange, actor);
        for (const d of out) await markDocument(tx, d.id, 'applied', { result });
      } else {
        const results = await applyShippingAdvice(tx, wh.id, raw, actor);
        for (const d of out) await markDocument(tx, d.id, 'applied', { result: { ...results.find((r) => r.set_control === d.set_control) } });
      }
      return out;
    });
    if (!docs) return { outcome: 'duplicate', documents: [] };
    return { outcome: 'applied', documents: docs };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const rejected = await withTx(db, (tx) => recordDocument(tx, {
      warehouse_id: wh.id, direction: 'in', transaction_set: sets[0]?.set ?? 'unknown', sender_id: sender || 'unknown', interchange_control: interchange || `rejected-${Date.now()}`, set_control: 'rejected',
      file_name: fileName, content: raw, status: 'rejected', error: err.message,
    }));
    return { outcome: 'rejected', documents: rejected ? [rejected] : [], error: err.message };
  }
}

/**
 * An 846 is the 3PL's count of what it holds: each product's on-hand becomes exactly that (an adjustment with
 * reason `count` of the difference, on unplaced stock: a 3PL's bins are its own business). On-hand never drops
 * below what open orders hold there; such a shortfall is reported, not forced.
 */
async function applyInventoryAdvice(tx: Tx, warehouseId: string, raw: string, interchange: string, actor: string): Promise<Record<string, unknown>> {
  const { advices } = parse846(raw);
  const items = advices.flatMap((a) => a.items);
  const skus = await resolveBarcodes(tx, items.map((i) => i.sku ?? i.gtin!));
  const unknown = items.filter((i) => !skus.get(i.sku ?? i.gtin!)).map((i) => i.sku ?? i.gtin!);
  if (unknown.length > 0) throw new AppError('unprocessable', 'edi_invalid', `Unknown product(s) in the 846: ${unknown.join(', ')}`, { unknown });
  const ids = [...new Set(items.map((i) => skus.get(i.sku ?? i.gtin!)!.id))];
  const levels = new Map((await listStock(tx, { sku_ids: ids, warehouse_ids: [warehouseId], limit: ids.length + 1 })).data.map((l) => [l.sku_id, l]));
  const changes: { sku: string; from: number; to: number }[] = [];
  const short: { sku: string; reported: number; reserved: number }[] = [];
  for (const i of items) {
    const sku = skus.get(i.sku ?? i.gtin!)!;
    const level = levels.get(sku.id);
    const onHand = level?.on_hand ?? 0;
    const reserved = level?.reserved ?? 0;
    const target = Math.max(i.qty, reserved);
    if (i.qty < reserved) short.push({ sku: sku.sku, reported: i.qty, reserved });
    if (target === onHand) continue;
    await adjustStock(tx, { warehouse_id: warehouseId, sku_id: sku.id, bin_id: null, delta: target - onHand, reason: 'count', note: `X12 846 from the warehouse's partner`, reference: `846:${interchange}`, actor });
    changes.push({ sku: sku.sku, from: onHand, to: target });
    if (level) level.on_hand = target;
  }
  return { products: items.length, changes, short };
}

/** Reads every partner's inbound folder and applies what is there; files are archived processed or rejected. */
export async function receiveEdiFiles(db: Db, transportFor: TransportFor = folders): Promise<{ applied: number; duplicates: number; rejected: number }> {
  const n = { applied: 0, duplicates: 0, rejected: 0 };
  for (const p of await listPartners(db)) {
    const t = transportFor(p);
    for (const name of await t.listInbound()) {
      const r = await receiveEdiDocument(db, p.warehouse_id, await t.readInbound(name), name);
      if (r.outcome === 'rejected') n.rejected++;
      else if (r.outcome === 'duplicate') n.duplicates++;
      else n.applied++;
      await t.archive(name, r.outcome === 'rejected' ? 'rejected' : 'processed', r.error);
    }
  }
  return n;
}
