import { withTx, type Db, type Executor } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { canAccessWarehouse, type Principal } from '../modules/auth/index.js';
import { kitComponents } from '../modules/catalog/index.js';
import { getPackage, markPackageShipped, shippedUnits, type PackageView } from '../modules/fulfillment/index.js';
import { canTransition, getOrderDetail, getOrderLines, lockOrder, recordOrderEvent, recordShippedUnits, transitionOrder, type OrderDetail, type OrderStatus } from '../modules/orders/index.js';
import { haversineKm, localClock, locateDestination, shipDay } from '../modules/routing/index.js';
import {
  activeCarrierAdapters, carrierAdapter, carrierNames, insertShipment, listShipments, nextSscc, resolveShippingRule, shopRates,
  type CarrierAdapter, type CarrierOffer, type Parcel, type PartyAddress, type RateOptions, type ShipmentView, type ShopResult,
} from '../modules/shipping/index.js';
import { getWarehouse, type WarehouseView } from '../modules/warehouse/index.js';
import { renderLabelPdf, type LabelData } from '../documents/label.js';
import { renderLabelZpl } from '../documents/zpl.js';
import { commitPackedUnits } from './ship-stock.js';

export interface ShipOptions {
  /** The HTTP client carriers are called with (tests point it at a local server; default: global fetch). */
  fetch?: typeof fetch | undefined;
  log?: { warn: (obj: unknown, msg: string) => void; error: (obj: unknown, msg: string) => void } | undefined;
  now?: Date | undefined;
}

interface ShipContext {
  pkg: PackageView;
  order: OrderDetail;
  warehouse: WarehouseView;
  from: PartyAddress;
  to: PartyAddress;
  parcel: Parcel;
  options: RateOptions;
  ships_on: string;
  deliver_by: string | null;
}

/** The package, if the caller may see it (404 outside the caller's warehouses). */
async function packageFor(db: Db, principal: Principal | undefined, id: string): Promise<PackageView> {
  const pkg = await getPackage(db, id);
  if (principal && !canAccessWarehouse(principal, pkg.warehouse_id)) throw new AppError('not_found', 'package_not_found', `Package ${id} was not found`, { package_id: id });
  return pkg;
}

/** Per order line, how much of the line's goods value one unit of each of its SKUs carries (kits share by component count). */
async function lineValueShares(db: Executor, order: OrderDetail): Promise<Map<string, number>> {
  const kits = await kitComponents(db, order.lines.filter((l) => l.sku_id).map((l) => l.sku_id!));
  const out = new Map<string, number>();
  for (const l of order.lines) {
    if (!l.sku_id || l.qty === 0) continue;
    const perKit = (kits.get(l.sku_id) ?? [{ qty: 1 }]).reduce((s, c) => s + c.qty, 0);
    out.set(l.id, (l.unit_price_amount * l.qty - l.discount_amount) / (l.qty * perKit));
  }
  return out;
}

/**
 * Cash to collect with this package of a COD order: its share of the order total by goods value, and the whole
 * remainder (shipping included) on the package that completes the order, so the shipments add up to the total.
 * Also what a 940 asks a 3PL to collect for a fulfillment order (its open lines as the items), and what the 3PL's
 * shipment records when its 945 arrives.
 */
export async function codAmountFor(db: Executor, order: OrderDetail, pkg: Pick<PackageView, 'items'>): Promise<number | null> {
  if (order.payment_method !== 'cod') return null;
  const live = await listShipments(db, { order_id: order.id });
  const collected = live.filter((s) => s.status !== 'cancelled').reduce((s, x) => s + x.cod_amount, 0);
  const remaining = Math.max(0, order.total_amount - collected);
  const shipped = await shippedUnits(db, order.id);
  const kits = await kitComponents(db, order.lines.filter((l) => l.sku_id).map((l) => l.sku_id!));
  const inPkg = new Map<string, number>();
  for (const i of pkg.items) inPkg.set(i.order_line_id, (inPkg.get(i.order_line_id) ?? 0) + i.qty);
  const completes = order.lines.filter((l) => l.sku_id && l.needs_shipping && !l.fulfilled_externally).every((l) => {
    const perKit = (kits.get(l.sku_id!) ?? [{ qty: 1 }]).reduce((s, c) => s + c.qty, 0);
    return (shipped.get(l.id) ?? 0) + Math.floor((inPkg.get(l.id) ?? 0) / perKit) >= l.qty - l.qty_cancelled;
  });
  if (completes) return remaining;
  const shares = await lineValueShares(db, order);
  const goods = order.lines.reduce((s, l) => s + l.unit_price_amount * l.qty - l.discount_amount, 0);
  const value = pkg.items.reduce((s, i) => s + (shares.get(i.order_line_id) ?? 0) * i.qty, 0);
  return goods > 0 ? Math.min(remaining, Math.round((order.total_amount * value) / goods)) : 0;
}

async function distanceKm(db: Db, wh: WarehouseView, to: PartyAddress): Promise<number | null> {
  const [origin, dest] = await Promise.all([
    wh.lat !== null && wh.lng !== null ? Promise.resolve({ point: { lat: wh.lat, lng: wh.lng } }) : locateDestination(db, { postal_code: wh.address.postal_code, country: wh.address.country, state: wh.address.state ?? null }),
    locateDestination(db, { postal_code: to.postal_code, country: to.country, state: to.state ?? null }),
  ]);
  return origin.point && dest.point ? Math.round(haversineKm(origin.point, dest.point) * 10) / 10 : null;
}

/** Everything carriers need to price and label the package. */
async function shipContext(db: Db, pkg: PackageView, now: Date): Promise<ShipContext> {
  const [order, warehouse] = await Promise.all([getOrderDetail(db, pkg.order_id), getWarehouse(db, pkg.warehouse_id)]);
  const a = order.shipping_address;
  if (!a) throw new AppError('unprocessable', 'no_shipping_address', `Order ${order.number} has no shipping address`, { order_id: order.id });
  const to: PartyAddress = { ...a, name: a.name ?? order.customer.name, phone: a.phone ?? order.customer.phone, email: order.customer.email };
  const from: PartyAddress = { name: warehouse.name, line1: warehouse.address.line1, line2: warehouse.address.line2, city: warehouse.address.city, state: warehouse.address.state, postal_code: warehouse.address.postal_code, country: warehouse.address.country };
  const cod = await codAmountFor(db, order, pkg);
  if (pkg.length_mm === null || pkg.width_mm === null || pkg.height_mm === null) {
    throw new AppError('unprocessable', 'package_dims_unknown', `Package ${pkg.id} has no dimensions (a 3PL packed it); it cannot be rated here`, { package_id: pkg.id });
  }
  return {
    pkg, order, warehouse, from, to,
    parcel: { length_mm: pkg.length_mm, width_mm: pkg.width_mm, height_mm: pkg.height_mm, weight_g: pkg.weight_g },
    options: { cod_amount: cod, currency: order.currency, distance_km: await distanceKm(db, warehouse, to), reference: order.number },
    ships_on: shipDay(now, warehouse.timezone, warehouse.cutoff_time).ships_on,
    deliver_by: order.promised_deliver_by ? localClock(order.promised_deliver_by, warehouse.timezone).date : null,
  };
}

/** Asks every candidate carrier for rates at once; a carrier that fails is set aside with its error. */
async function collectOffers(adapters: CarrierAdapter[], c: ShipContext): Promise<CarrierOffer[]> {
  return Promise.all(adapters.map(async (a): Promise<CarrierOffer> => {
    try {
      return { carrier: a.code, result: await a.rate(c.parcel, c.from, c.to, c.options) };
    } catch (err) {
      return { carrier: a.code, result: { ok: false, reason: `rating failed: ${err instanceof Error ? err.message : String(err)}` } };
    }
  }));
}

async function adaptersFor(db: Db, carrier: string | undefined, f: typeof fetch): Promise<CarrierAdapter[]> {
  if (!carrier) return activeCarrierAdapters(db, f);
  const adapter = await carrierAdapter(db, carrier, f);
  const active = (await activeCarrierAdapters(db, f)).some((a) => a.code === carrier);
  if (!active) throw new AppError('conflict', 'carrier_inactive', `Carrier ${carrier} is not active`, { carrier });
  return [adapter];
}

/** Rates and the choice the rules make for a package, without buying anything (the "why this carrier" preview). */
export async function quotePackage(db: Db, principal: Principal | undefined, packageId: string, input: { carrier?: string | undefined; service?: string | undefined }, opts: ShipOptions = {}): Promise<{ context: ShipContext; adapters: CarrierAdapter[]; offers: CarrierOffer[]; choice: ShopResult; rule_source: string }> {
  const pkg = await packageFor(db, principal, packageId);
  const context = await shipContext(db, pkg, opts.now ?? new Date());
  const adapters = await adaptersFor(db, input.carrier, opts.fetch ?? fetch);
  const rule = await resolveShippingRule(db, pkg.warehouse_id, context.order.channel_id);
  const offers = await collectOffers(adapters, context);
  const choice = shopRates({
    offers, strategy: rule.strategy, preferred_carriers: rule.preferred_carriers, allowed_carriers: input.carrier ? null : rule.allowed_carriers,
    cod: context.options.cod_amount !== null, ships_on: context.ships_on, deliver_by: context.deliver_by, requested: input.carrier ? input : undefined,
  });
  return { context, adapters, offers, choice, rule_source: rule.source };
}

function labelData(c: ShipContext, shipmentId: string, carrierName: string, q: { carrier: string; service: string; chargeable_weight_g: number }, tracking: string, sscc: string | null): LabelData {
  return {
    shipment_id: shipmentId, carrier: q.carrier, carrier_name: carrierName, service: q.service, tracking_number: tracking, sscc,
    from: c.from, to: c.to, order_number: c.order.number, package_seq: c.pkg.seq, weight_g: c.pkg.weight_g,
    chargeable_weight_g: Math.max(q.chargeable_weight_g, c.pkg.weight_g),
    cod: c.options.cod_amount !== null ? { amount: c.options.cod_amount, currency: c.order.currency } : null, shipped_on: c.ships_on,
  };
}

/**
 * Records the order's shipped units per line (from its shipped packages) and returns its status now: shipped when
 * every unit to ship has, else partially shipped.
 */
export async function afterShipStatus(tx: Executor, orderId: string): Promise<OrderStatus> {
  const [shipped, lines] = await Promise.all([shippedUnits(tx, orderId), getOrderLines(tx, orderId)]);
  await recordShippedUnits(tx, orderId, shipped);
  const done = lines.filter((l) => l.sku_id && l.needs_shipping && !l.fulfilled_externally).every((l) => (shipped.get(l.id) ?? 0) >= l.qty - l.qty_cancelled);
  return done ? 'shipped' : 'partially_shipped';
}

/**
 * Ships a packed package: rates it with every active carrier (or the requested one), chooses by the warehouse ×
 * channel rules, buys the label, renders the 4×6 label (PDF and ZPL, with an SSCC), then in one transaction
 * records the shipment (with the choice and its reason, on the open manifest), commits the package's stock,
 * marks the package shipped and moves the order on. If that transaction fails the bought label is voided
 * (best effort, logged). A package that has shipped is a 409.
 */
export async function shipPackage(db: Db, principal: Principal | undefined, packageId: string, input: { carrier?: string | undefined; service?: string | undefined }, opts: ShipOptions = {}): Promise<ShipmentView> {
  const pkg = await packageFor(db, principal, packageId);
  if (pkg.status !== 'packed') {
    const existing = (await listShipments(db, { package_id: pkg.id })).find((s) => s.status !== 'cancelled');
    throw new AppError('conflict', pkg.status === 'shipped' ? 'already_shipped' : 'invalid_transition', `Package ${pkg.id} is ${pkg.status}; it cannot ship`, { package_id: pkg.id, status: pkg.status, shipment_id: existing?.id });
  }
  const { context: c, adapters, choice, rule_source } = await quotePackage(db, principal, packageId, input, opts);
  if (!choice.ok) throw new AppError('unprocessable', input.carrier ? 'service_not_available' : 'no_serviceable_carrier', choice.reason, { package_id: pkg.id, rejected: choice.rejected });
  const adapter = adapters.find((a) => a.code === choice.chosen.carrier)!;
  const label = await adapter.createLabel({ quote: choice.chosen, parcel: c.parcel, from: c.from, to: c.to, options: c.options });
  const actor = principal?.id;
  try {
    const id = newId('shp');
    const sscc = await nextSscc(db);
    const carrierName = (await carrierNames(db, [adapter.code])).get(adapter.code) ?? adapter.code;
    const data = labelData(c, id, carrierName, choice.chosen, label.tracking_number, sscc);
    const [pdf, zpl] = await Promise.all([renderLabelPdf(data), Promise.resolve(renderLabelZpl(data))]);
    return await withTx(db, async (tx) => {
      const order = await lockOrder(tx, c.order.id);
      // The COD amount was worked out before the label was bought, without the order lock: if another package of the
      // order shipped meanwhile, this one may now complete the order (it must collect the rest, shipping included).
      // The label says what it says, so refuse (the label is voided below) and let the caller ship again.
      const cod = await codAmountFor(tx, await getOrderDetail(tx, c.order.id), c.pkg);
      if (cod !== c.options.cod_amount) {
        throw new AppError('conflict', 'cod_changed', `Another package of order ${c.order.number} shipped while this label was bought; the cash to collect is now ${cod} instead of ${c.options.cod_amount}. Ship the package again.`,
          { package_id: c.pkg.id, cod_amount: cod, label_cod_amount: c.options.cod_amount });
      }
      await commitPackedUnits(tx, c.pkg, actor);
      const fo = await markPackageShipped(tx, c.pkg.id, actor);
      const shipment = await insertShipment(tx, {
        id, order_id: c.order.id, order_number: c.order.number, warehouse_id: c.pkg.warehouse_id, package_id: c.pkg.id, package_seq: c.pkg.seq, fulfillment_order_id: fo.fulfillment_order_id,
        carrier: adapter.code, service: choice.chosen.service, tracking_number: label.tracking_number, carrier_ref: label.carrier_ref, sscc,
        currency: c.order.currency, cod_amount: c.options.cod_amount ?? 0, rate_amount: label.amount, rate_currency: label.currency,
        transit_days: choice.chosen.transit_days, estimated_delivery: choice.estimated_delivery, weight_g: c.pkg.weight_g, chargeable_weight_g: data.chargeable_weight_g,
        rate: { ...choice.chosen }, alternatives: choice.alternatives,
        selection: { reason: choice.reason, strategy: choice.strategy, rule_source, rejected: choice.rejected, ships_on: c.ships_on, deliver_by: c.deliver_by, distance_km: c.options.distance_km },
        carrier_label_url: label.carrier_label_url, label: { pdf, zpl },
      }, actor);
      const message = `Package ${c.pkg.seq} shipped with ${carrierName} ${choice.chosen.service}, tracking ${label.tracking_number}`;
      await recordOrderEvent(tx, order.id, 'package_shipped', message, { shipment_id: id, package_id: c.pkg.id, carrier: adapter.code, tracking_number: label.tracking_number, reason: choice.reason }, actor);
      const next = await afterShipStatus(tx, order.id);
      if (canTransition(order.status, next)) await transitionOrder(tx, order, next, next === 'shipped' ? 'Every unit has shipped' : 'Some units have shipped', { shipment_id: id }, actor);
      return shipment;
    });
  } catch (err) {
    try {
      await adapter.cancelLabel({ tracking_number: label.tracking_number, carrier_ref: label.carrier_ref });
      opts.log?.warn({ err, package_id: pkg.id, carrier: adapter.code, tracking_number: label.tracking_number }, 'shipment not recorded; the bought label was voided');
    } catch (cancelErr) {
      opts.log?.error({ err, cancelErr, package_id: pkg.id, carrier: adapter.code, tracking_number: label.tracking_number, carrier_ref: label.carrier_ref }, 'shipment not recorded and the bought label could not be voided: void it with the carrier');
    }
    throw err;
  }
}
