import { withTx, type Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { canTransition, lockOrder, recordOrderEvent, transitionOrder } from '../modules/orders/index.js';
import {
  carrierAdapter, findShipmentByTracking, loadCarrierAccount, lockShipment, orderShipmentStatuses, recordTrackingUpdate, verifyTrackingWebhook,
  type ShipmentStatus, type TrackingOutcome, type TrackingUpdate,
} from '../modules/shipping/index.js';
import { openRtoReturn } from './returns-rto.js';

const WORDS: Record<ShipmentStatus, string> = {
  label_created: 'has its label', in_transit: 'is in transit', out_for_delivery: 'is out for delivery', delivered: 'was delivered',
  exception: 'has a delivery exception', rto_initiated: 'is returning to the warehouse (RTO)', rto_delivered: 'is back at the warehouse (RTO delivered)', cancelled: 'was cancelled',
};

/**
 * Applies one tracking update to its shipment in one transaction (order row, then shipment row, locked):
 * deduplicated by event id, the shipment moves on when its lifecycle allows, the order's timeline says so,
 * and the order is delivered once every live shipment of a fully shipped order is delivered.
 */
export async function applyTrackingUpdate(db: Db, shipmentId: string, orderId: string, u: TrackingUpdate, actor?: string): Promise<TrackingOutcome> {
  return withTx(db, async (tx) => {
    const order = await lockOrder(tx, orderId);
    const shipment = await lockShipment(tx, shipmentId);
    const r = await recordTrackingUpdate(tx, shipment, u, actor);
    if (r.outcome !== 'applied') return r;
    await recordOrderEvent(tx, order.id, `shipment_${r.to}`, `Shipment ${shipment.tracking_number} ${WORDS[r.to]}${u.location ? ` (${u.location})` : ''}`, { shipment_id: shipment.id, from: r.from, to: r.to, event_id: u.event_id }, actor);
    // A parcel back at the warehouse opens its return to origin in this same transaction (owned by returns: receive, inspect, restock).
    if (r.to === 'rto_delivered') await openRtoReturn(tx, shipment.id, actor);
    if (r.to === 'delivered' && order.status === 'shipped') {
      const statuses = await orderShipmentStatuses(tx, order.id);
      if (statuses.length > 0 && statuses.every((s) => s === 'delivered') && canTransition(order.status, 'delivered')) {
        await transitionOrder(tx, order, 'delivered', 'Every shipment was delivered', { shipment_id: shipment.id }, actor);
      }
    }
    return r;
  });
}

export interface HookResult {
  outcome: 'ignored' | 'processed';
  results: { event_id: string; tracking_number: string; outcome: TrackingOutcome['outcome'] | 'unknown_tracking_number'; status?: ShipmentStatus | undefined; shipment_id?: string | undefined }[];
}

const unauthorized = (): AppError => new AppError('unauthorized', 'invalid_signature', 'The webhook signature is not valid');

/**
 * A carrier's tracking webhook: authenticated with the account's webhook secret before anything is parsed
 * (an unknown carrier gets the same 401), each update applied to the shipment with that tracking number.
 * Updates for tracking numbers Tandem does not know are acknowledged and dropped, so the carrier stops retrying.
 */
export async function receiveTrackingWebhook(db: Db, carrier: string, raw: Buffer, auth: { signature?: string | undefined; token?: string | undefined }): Promise<HookResult> {
  const account = await loadCarrierAccount(db, carrier).catch(() => undefined);
  if (!account || !account.active || !verifyTrackingWebhook(account, raw, auth.signature, auth.token)) throw unauthorized();
  let payload: unknown;
  try {
    payload = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError('invalid', 'malformed_json', 'The webhook body is not valid JSON');
  }
  const updates = (await carrierAdapter(db, carrier)).parseTrackingEvent(payload);
  if (updates.length === 0) return { outcome: 'ignored', results: [] };
  const results: HookResult['results'] = [];
  for (const u of updates) {
    const shipment = await findShipmentByTracking(db, carrier, u.tracking_number);
    if (!shipment) {
      results.push({ event_id: u.event_id, tracking_number: u.tracking_number, outcome: 'unknown_tracking_number' });
      continue;
    }
    const r = await applyTrackingUpdate(db, shipment.id, shipment.order_id, u, `carrier:${carrier}`);
    results.push({ event_id: u.event_id, tracking_number: u.tracking_number, outcome: r.outcome, status: r.shipment.status, shipment_id: shipment.id });
  }
  return { outcome: 'processed', results };
}
