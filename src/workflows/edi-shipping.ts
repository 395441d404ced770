import type { Tx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { resolveBarcodes } from '../modules/catalog/index.js';
import { parse945, type ShippingAdvice } from '../modules/edi/index.js';
import { getFulfillmentOrder, getPackage, markPackageShipped, recordExternalPackage } from '../modules/fulfillment/index.js';
import { commitReservation, listReservations } from '../modules/inventory/index.js';
import { canTransition, getOrderDetail, lockOrder, recordOrderEvent, transitionOrder } from '../modules/orders/index.js';
import { ensureExternalCarrier, insertShipment } from '../modules/shipping/index.js';
import { afterShipStatus, codAmountFor } from './ship-package.js';

export interface AdviceResult {
  set_control: string;
  fulfillment_order_id: string;
  shipment_id: string;
  package_id: string;
  units: number;
  fulfillment_order_shipped: boolean;
}

/**
 * Applies each 945 of an interchange inside the caller's transaction, exactly as if our own floor had shipped: the
 * 3PL's package is recorded (items, weight), the order's reservations for those items are committed (on_hand and
 * reserved go down at the 3PL warehouse), the package ships, a shipment with the 3PL's carrier and tracking number
 * is recorded, and the order moves to partially shipped or shipped. Anything that does not match what was sent
 * (another warehouse's order, an unknown product, more than is open) rejects the whole file.
 */
export async function applyShippingAdvice(tx: Tx, warehouseId: string, raw: string, actor: string): Promise<AdviceResult[]> {
  const { advices } = parse945(raw);
  const out: AdviceResult[] = [];
  for (const a of advices) out.push(await applyOne(tx, warehouseId, a, actor));
  return out;
}

async function applyOne(tx: Tx, warehouseId: string, a: ShippingAdvice, actor: string): Promise<AdviceResult> {
  const fo = await getFulfillmentOrder(tx, a.fulfillment_order_id).catch(() => undefined);
  if (!fo || fo.warehouse_id !== warehouseId) {
    throw new AppError('unprocessable', 'edi_invalid', `945 ${a.control_number}: ${a.fulfillment_order_id} is not a fulfillment order sent to this warehouse`, { fulfillment_order_id: a.fulfillment_order_id });
  }
  const order = await lockOrder(tx, fo.order_id);
  const skus = await resolveBarcodes(tx, a.lines.map((l) => l.sku ?? l.gtin!));
  const items = new Map<string, { order_line_id: string; sku_id: string; qty: number }>();
  for (const l of a.lines) {
    if (l.shipped === 0) continue;
    const sku = skus.get(l.sku ?? l.gtin!) ?? (l.gtin ? skus.get(l.gtin) : undefined);
    const candidates = fo.lines.filter((x) => (l.order_line_id ? x.order_line_id === l.order_line_id : true) && x.sku_id === sku?.id);
    if (!sku || candidates.length === 0) {
      throw new AppError('unprocessable', 'edi_invalid', `945 ${a.control_number}: product ${l.sku ?? l.gtin} is not on fulfillment order ${fo.id}`, { fulfillment_order_id: fo.id, product: l.sku ?? l.gtin });
    }
    // Without an N9*LI line reference, units go to the order's lines of that SKU in line order.
    let left = l.shipped;
    for (const c of candidates) {
      const take = Math.min(left, c.qty - c.qty_cancelled);
      if (take <= 0) continue;
      const key = `${c.order_line_id}|${c.sku_id}`;
      const cur = items.get(key) ?? { order_line_id: c.order_line_id, sku_id: c.sku_id, qty: 0 };
      cur.qty += take;
      items.set(key, cur);
      left -= take;
      if (left === 0) break;
    }
    if (left > 0) throw new AppError('unprocessable', 'over_shipped', `945 ${a.control_number}: ${l.shipped} unit(s) of ${sku.sku} shipped but fulfillment order ${fo.id} asked for fewer`, { fulfillment_order_id: fo.id, sku: sku.sku });
  }
  const list = [...items.values()];
  if (list.length === 0) throw new AppError('unprocessable', 'edi_invalid', `945 ${a.control_number} ships nothing`, { fulfillment_order_id: fo.id });
  const units = list.reduce((n, i) => n + i.qty, 0);
  const weightG = a.weight ? Math.round(a.weight.value * (a.weight.unit === 'KG' || a.weight.unit === 'K' ? 1000 : 453.59237)) : units * 500;

  // The cash the 3PL's carrier collects for these units, by the rule our own shipments follow (before this package
  // counts as shipped): the 940's amount when the 945 ships the whole fulfillment order and nothing else shipped since.
  const cod = await codAmountFor(tx, await getOrderDetail(tx, order.id), { items: list });
  const packageId = await recordExternalPackage(tx, fo.id, list, weightG, actor);
  // The 3PL's stock has no bins of ours: commit takes the units FEFO from wherever they are recorded.
  const open = await listReservations(tx, { ref: order.id, status: 'open', warehouse_ids: [warehouseId], limit: 10_000 });
  for (const i of [...list].sort((x, y) => x.sku_id.localeCompare(y.sku_id))) {
    let left = i.qty;
    for (const r of open.filter((o) => o.ref_line === i.order_line_id && o.sku_id === i.sku_id && o.qty > 0)) {
      const qty = Math.min(left, r.qty);
      if (qty === 0) break;
      await commitReservation(tx, { reservation_id: r.id, qty, reference: `945:${a.control_number}`, actor });
      r.qty -= qty;
      left -= qty;
    }
    if (left > 0) throw new AppError('conflict', 'reservation_missing', `Order ${order.number} has no reservation left for ${left} unit(s) of ${i.sku_id} at this warehouse`, { order_id: order.id, sku_id: i.sku_id });
  }
  const shipped = await markPackageShipped(tx, packageId, actor);
  const pkg = await getPackage(tx, packageId);
  const carrier = await ensureExternalCarrier(tx, a.carrier_scac ?? 'unknown');
  const shipmentId = newId('shp');
  const tracking = a.tracking_numbers[0] ?? `${a.shipment_id ?? 'SHIPMENT'}-${a.control_number}`;
  await insertShipment(tx, {
    id: shipmentId, order_id: order.id, order_number: order.number, warehouse_id: warehouseId, package_id: packageId, package_seq: pkg.seq, fulfillment_order_id: fo.id,
    carrier, service: '3pl', tracking_number: tracking, carrier_ref: a.shipment_id, sscc: null, currency: order.currency, cod_amount: cod ?? 0, rate_amount: 0, rate_currency: order.currency,
    transit_days: null, estimated_delivery: null, weight_g: pkg.weight_g, chargeable_weight_g: pkg.weight_g,
    rate: {}, alternatives: [], selection: { reason: `shipped by the 3PL (X12 945 ${a.control_number})`, tracking_numbers: a.tracking_numbers, shipped_on: a.shipped_on },
    carrier_label_url: null, label: null, manifest: false,
  }, actor);
  await recordOrderEvent(tx, order.id, 'package_shipped', `The 3PL shipped ${units} unit(s) with ${a.carrier_scac ?? 'its carrier'}, tracking ${tracking}`, { shipment_id: shipmentId, package_id: packageId, fulfillment_order_id: fo.id, tracking_numbers: a.tracking_numbers }, actor);
  const next = await afterShipStatus(tx, order.id);
  if (next !== order.status && canTransition(order.status, next)) await transitionOrder(tx, order, next, next === 'shipped' ? 'Every unit has shipped' : 'Some units have shipped', { shipment_id: shipmentId }, actor);
  return { set_control: a.control_number, fulfillment_order_id: fo.id, shipment_id: shipmentId, package_id: packageId, units, fulfillment_order_shipped: shipped.fulfillment_order_shipped };
}
