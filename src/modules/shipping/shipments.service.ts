import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError, PG, pgCode } from '../../shared/errors.js';
import { emit } from '../../events/outbox.js';
import { joinOpenManifest } from './manifests.service.js';
import type { ShipmentEventView, ShipmentStatus, ShipmentView } from './shipping.types.js';

export const SHIPMENT_COLUMNS = [
  'id', 'order_id', 'order_number', 'warehouse_id', 'package_id', 'package_seq', 'fulfillment_order_id', 'carrier', 'service', 'tracking_number', 'carrier_ref', 'sscc', 'status',
  'currency', 'cod_amount', 'rate_amount', 'rate_currency', 'transit_days', 'estimated_delivery', 'weight_g', 'chargeable_weight_g', 'rate', 'alternatives',
  'selection', 'carrier_label_url', 'manifest_id', 'created_by', 'created_at', 'updated_at', 'delivered_at',
] as const;

export interface NewShipment {
  id: string;
  order_id: string;
  /** As printed; looked up from the order when absent. */
  order_number?: string | undefined;
  warehouse_id: string;
  package_id: string;
  /** As printed; looked up from the package when absent. */
  package_seq?: number | undefined;
  fulfillment_order_id: string;
  carrier: string;
  service: string;
  tracking_number: string;
  carrier_ref: string | null;
  sscc: string | null;
  currency: string;
  cod_amount: number;
  rate_amount: number;
  rate_currency: string;
  transit_days: number | null;
  estimated_delivery: string | null;
  weight_g: number;
  chargeable_weight_g: number;
  rate: Record<string, unknown>;
  alternatives: unknown[];
  selection: Record<string, unknown>;
  carrier_label_url: string | null;
  /** The stored label; null for a shipment a 3PL made (its label is the 3PL's). */
  label: { pdf: Buffer; zpl: string } | null;
  /** false: not on a manifest (a 3PL hands its parcels over itself). Default true. */
  manifest?: boolean | undefined;
}

/**
 * Records a shipped package: the shipment with its chosen rate, the alternatives and the reason, its stored
 * label, its first tracking event (label created), its place on the open manifest of its carrier × warehouse,
 * and `shipment.created`. A second live shipment for the same package is a 409 `already_shipped`.
 */
export async function insertShipment(tx: Executor, s: NewShipment, actor?: string): Promise<ShipmentView> {
  const manifestId = s.manifest === false ? null : await joinOpenManifest(tx, s.warehouse_id, s.carrier, actor);
  const { label, manifest: _m, ...row } = s;
  let inserted;
  try {
    inserted = await tx.insertInto('shipments').values({
      ...row,
      order_number: row.order_number ?? sql<string>`(SELECT number FROM orders WHERE id = ${row.order_id})`,
      package_seq: row.package_seq ?? sql<number>`(SELECT seq FROM packages WHERE id = ${row.package_id})`,
      rate: JSON.stringify(row.rate), alternatives: JSON.stringify(row.alternatives), selection: JSON.stringify(row.selection), manifest_id: manifestId, created_by: actor ?? null, delivered_at: null,
    }).returning(SHIPMENT_COLUMNS).executeTakeFirstOrThrow();
  } catch (err) {
    if (pgCode(err) === PG.uniqueViolation && String((err as { constraint?: string }).constraint).includes('package')) {
      throw new AppError('conflict', 'already_shipped', `Package ${s.package_id} has already shipped`, { package_id: s.package_id });
    }
    throw err;
  }
  if (label) await tx.insertInto('shipment_labels').values({ shipment_id: s.id, pdf: label.pdf, zpl: label.zpl }).execute();
  await tx.insertInto('shipment_events').values({
    shipment_id: s.id, carrier: s.carrier, event_id: `tandem:${s.id}:label_created`, status: 'label_created', carrier_status: 'label_created',
    message: `Label bought: ${s.carrier} ${s.service} ${s.tracking_number}`, location: null, occurred_at: new Date(), applied: true,
  }).execute();
  await emit(tx, {
    type: 'shipment.created', aggregateType: 'shipment', aggregateId: s.id, actor,
    payload: { order_id: s.order_id, package_id: s.package_id, warehouse_id: s.warehouse_id, carrier: s.carrier, service: s.service, tracking_number: s.tracking_number, sscc: s.sscc, status: 'label_created', manifest_id: manifestId, rate_amount: s.rate_amount, rate_currency: s.rate_currency, reason: s.selection.reason },
  });
  return inserted as ShipmentView;
}

/** One shipment (throws shipment_not_found). */
export async function getShipment(db: Executor, id: string): Promise<ShipmentView> {
  const row = await db.selectFrom('shipments').select(SHIPMENT_COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', 'shipment_not_found', `Shipment ${id} was not found`, { shipment_id: id });
  return row as ShipmentView;
}

/** The shipment row locked for the rest of the transaction. */
export async function lockShipment(tx: Executor, id: string): Promise<ShipmentView> {
  const row = await tx.selectFrom('shipments').select(SHIPMENT_COLUMNS).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw new AppError('not_found', 'shipment_not_found', `Shipment ${id} was not found`, { shipment_id: id });
  return row as ShipmentView;
}

/** The live shipment of a carrier's tracking number, if Tandem knows it. */
export async function findShipmentByTracking(db: Executor, carrier: string, trackingNumber: string): Promise<ShipmentView | undefined> {
  return (await db.selectFrom('shipments').select(SHIPMENT_COLUMNS).where('carrier', '=', carrier).where('tracking_number', '=', trackingNumber).executeTakeFirst()) as ShipmentView | undefined;
}

export interface ShipmentFilter {
  order_id?: string | undefined;
  warehouse_id?: string | undefined;
  status?: ShipmentStatus | undefined;
  manifest_id?: string | undefined;
  package_id?: string | undefined;
  /** null = every warehouse. */
  scope?: string[] | null | undefined;
  after?: string | undefined;
  limit?: number | undefined;
}

/** Shipments by order, warehouse, status, manifest or package, oldest first (page with `after` = last id). */
export async function listShipments(db: Executor, f: ShipmentFilter = {}): Promise<ShipmentView[]> {
  let q = db.selectFrom('shipments').select(SHIPMENT_COLUMNS).orderBy('id');
  if (f.order_id !== undefined) q = q.where('order_id', '=', f.order_id);
  if (f.warehouse_id !== undefined) q = q.where('warehouse_id', '=', f.warehouse_id);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.manifest_id !== undefined) q = q.where('manifest_id', '=', f.manifest_id);
  if (f.package_id !== undefined) q = q.where('package_id', '=', f.package_id);
  if (f.scope) q = q.where('warehouse_id', 'in', f.scope.length > 0 ? f.scope : ['']);
  if (f.after !== undefined) q = q.where('id', '>', f.after);
  if (f.limit !== undefined) q = q.limit(f.limit);
  return (await q.execute()) as ShipmentView[];
}

/** The shipment's tracking history, oldest first. */
export async function listShipmentEvents(db: Executor, shipmentId: string): Promise<ShipmentEventView[]> {
  return db.selectFrom('shipment_events').select(['event_id', 'status', 'carrier_status', 'message', 'location', 'occurred_at', 'applied', 'received_at'])
    .where('shipment_id', '=', shipmentId).orderBy('occurred_at').orderBy('id').execute();
}

/** The stored label of a shipment, as PDF or ZPL (throws label_not_found). */
export async function getShipmentLabel(db: Executor, shipmentId: string, format: 'pdf' | 'zpl'): Promise<Buffer | string> {
  const row = await db.selectFrom('shipment_labels').select(format === 'pdf' ? 'pdf' : 'zpl').where('shipment_id', '=', shipmentId).executeTakeFirst();
  if (!row) throw new AppError('not_found', 'label_not_found', `Shipment ${shipmentId} has no stored label`, { shipment_id: shipmentId });
  return (row as { pdf?: Buffer; zpl?: string })[format]!;
}

/**
 * The carrier account standing for a carrier a 3PL ships with (by SCAC), created on first use: kind `external`, so
 * it is never rated or asked for labels; it only names the carrier of the 3PL's shipments.
 */
export async function ensureExternalCarrier(tx: Executor, scac: string): Promise<string> {
  const clean = scac.trim().toLowerCase().replace(/[^a-z0-9_-]/g, '');
  const code = `3pl-${clean || 'unknown'}`.slice(0, 40);
  await tx.insertInto('carriers')
    .values({ code, name: `${scac.trim().toUpperCase() || 'Unknown carrier'} (shipped by a 3PL)`, kind: 'external', active: true, cod_capable: false, settings: JSON.stringify({ scac: scac.trim().toUpperCase() || null }) as never, credentials: JSON.stringify({}) as never })
    .onConflict((oc) => oc.column('code').doNothing())
    .execute();
  return code;
}
