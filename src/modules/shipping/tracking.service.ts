import type { Executor } from '../../db/database.js';
import { emit } from '../../events/outbox.js';
import type { ShipmentStatus, ShipmentView, TrackingUpdate } from './shipping.types.js';
import { SHIPMENT_COLUMNS } from './shipments.service.js';

/**
 * The shipment lifecycle as a transition table. Carriers send events late and out of order; an event whose
 * status the table does not allow from the current one is kept in the history but changes nothing
 * (an "in transit" scan arriving after "delivered" does not undo the delivery).
 */
export const SHIPMENT_TRANSITIONS: Readonly<Record<ShipmentStatus, readonly ShipmentStatus[]>> = {
  label_created: ['in_transit', 'out_for_delivery', 'delivered', 'exception', 'rto_initiated', 'cancelled'],
  in_transit: ['out_for_delivery', 'delivered', 'exception', 'rto_initiated'],
  out_for_delivery: ['in_transit', 'delivered', 'exception', 'rto_initiated'],
  exception: ['in_transit', 'out_for_delivery', 'delivered', 'rto_initiated'],
  rto_initiated: ['rto_delivered'],
  delivered: [],
  rto_delivered: [],
  cancelled: [],
};

/**
 * The status a reported one leads to from the current one, or null when it changes nothing. A "delivered"
 * scan on a parcel that is returning to sender is its delivery back to the warehouse: `rto_delivered`.
 */
export function nextShipmentStatus(current: ShipmentStatus, reported: ShipmentStatus | null): ShipmentStatus | null {
  if (reported === null) return null;
  const target = current === 'rto_initiated' && reported === 'delivered' ? 'rto_delivered' : reported;
  return SHIPMENT_TRANSITIONS[current].includes(target) ? target : null;
}

export type TrackingOutcome =
  | { outcome: 'duplicate'; shipment: ShipmentView }
  | { outcome: 'recorded'; shipment: ShipmentView }
  | { outcome: 'applied'; shipment: ShipmentView; from: ShipmentStatus; to: ShipmentStatus };

/**
 * Records one tracking event of a shipment (the caller holds the shipment's row lock): deduplicated on
 * (carrier, event id); when the lifecycle allows it the shipment moves on and `shipment.status_changed`
 * (and `shipment.rto_delivered`) is emitted in the same transaction.
 */
export async function recordTrackingUpdate(tx: Executor, shipment: ShipmentView, u: TrackingUpdate, actor?: string): Promise<TrackingOutcome> {
  const to = nextShipmentStatus(shipment.status, u.status);
  const inserted = await tx.insertInto('shipment_events').values({
    shipment_id: shipment.id, carrier: shipment.carrier, event_id: u.event_id, status: u.status, carrier_status: u.carrier_status.slice(0, 100),
    message: u.message, location: u.location?.slice(0, 300) ?? null, occurred_at: u.occurred_at, applied: to !== null,
  }).onConflict((oc) => oc.columns(['carrier', 'event_id']).doNothing()).returning('id').executeTakeFirst();
  if (!inserted) return { outcome: 'duplicate', shipment };
  if (to === null) return { outcome: 'recorded', shipment };
  const updated = (await tx.updateTable('shipments')
    .set({ status: to, updated_at: new Date(), ...(to === 'delivered' ? { delivered_at: u.occurred_at } : {}) })
    .where('id', '=', shipment.id).where('status', '=', shipment.status)
    .returning(SHIPMENT_COLUMNS).executeTakeFirstOrThrow()) as ShipmentView;
  const payload = { order_id: shipment.order_id, package_id: shipment.package_id, status: to, from: shipment.status, carrier: shipment.carrier, tracking_number: shipment.tracking_number, event_id: u.event_id, occurred_at: u.occurred_at.toISOString() };
  await emit(tx, { type: 'shipment.status_changed', aggregateType: 'shipment', aggregateId: shipment.id, payload, actor });
  if (to === 'rto_delivered') await emit(tx, { type: 'shipment.rto_delivered', aggregateType: 'shipment', aggregateId: shipment.id, payload, actor });
  if (to === 'delivered') await emit(tx, { type: 'shipment.delivered', aggregateType: 'shipment', aggregateId: shipment.id, payload, actor });
  return { outcome: 'applied', shipment: updated, from: shipment.status, to };
}

/** Per status, how many live (not cancelled) shipments an order has. */
export async function orderShipmentStatuses(db: Executor, orderId: string): Promise<ShipmentStatus[]> {
  const rows = await db.selectFrom('shipments').select('status').where('order_id', '=', orderId).where('status', '<>', 'cancelled').execute();
  return rows.map((r) => r.status);
}
