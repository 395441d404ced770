/**
 * Amazon SP-API Orders v0 confirmShipment, for merchant-fulfilled (MFN) orders only:
 * `POST /orders/v0/orders/{orderId}/shipmentConfirmation` `{ marketplaceId, packageDetail: { packageReferenceId,
 * carrierCode, carrierName?, shippingMethod, trackingNumber, shipDate, orderItems: [{ orderItemId, quantity }] } }`
 * → 204. `packageReferenceId` is the package's number within the order (positive, unique per order, as Amazon
 * requires). carrierCode is Amazon's code from the write-back settings, else `Other` with the carrier's name.
 * Amazon answers 204 with no body, so the reference kept is `<orderId>/<packageReferenceId>`.
 */
import { PushFailure, USER_AGENT, base, failureOf, misconfigured, send } from '../sync/adapters/http.js';
import type { AdapterContext } from '../sync/adapters/types.js';
import { lwaToken } from '../sync/adapters/amazon.js';
import type { WritebackAdapter, WritebackContext, WritebackRequest } from './types.js';



/** The confirmShipment body (exported for tests). */
export function shipmentConfirmation(req: WritebackRequest, marketplaceId: string): unknown {
  return {
    marketplaceId,
    packageDetail: {
      packageReferenceId: String(req.shipment.package_seq),
      carrierCode: req.shipment.carrier_code ?? 'Other',
      ...(req.shipment.carrier_code ? {} : { carrierName: req.shipment.carrier_name }),
      shippingMethod: req.shipment.service,
      trackingNumber: req.shipment.tracking_number,
      shipDate: req.shipment.shipped_at.toISOString(),
      orderItems: req.items.map((i) => ({ orderItemId: i.external_line_id, quantity: i.qty })),
    },
  };
}

function marketplaceOf(ctx: WritebackContext, req: WritebackRequest): string {
  const ids = ctx.channel.settings.marketplace_ids;
  const fromOrder = req.order.channel_data.marketplace_id;
  const id = ctx.policy.marketplace_id ?? (typeof fromOrder === 'string' ? fromOrder : null) ?? (Array.isArray(ids) && typeof ids[0] === 'string' ? ids[0] : null);
  if (!id) throw misconfigured(ctx as AdapterContext, 'no marketplace id (stock policy, order or channel settings)');
  return id;
}

export const amazonWriteback: WritebackAdapter = {
  type: 'amazon',
  credentialSets: [['access_token'], ['refresh_token', 'client_id', 'client_secret']],
  async write(ctx, req) {
    const c = ctx as AdapterContext;
    if (req.items.some((i) => !i.external_line_id)) throw new PushFailure(false, 'writeback_unmapped_lines', `amazon: order ${req.order.number} has lines without an OrderItemId`, null);
    const body = shipmentConfirmation(req, marketplaceOf(ctx, req));
    const op = 'confirmShipment';
    const a = await send(c, op, `${base(c)}/orders/v0/orders/${encodeURIComponent(req.order.external_id)}/shipmentConfirmation`, {
      method: 'POST', headers: { 'x-amz-access-token': await lwaToken(ctx, 'amazon-writeback'), 'content-type': 'application/json', accept: 'application/json', 'user-agent': USER_AGENT }, body: JSON.stringify(body),
    });
    if (a.status !== 204 && a.status !== 200) throw failureOf(c, op, a);
    const ref = `${req.order.external_id}/${req.shipment.package_seq}`;
    return { external_ref: ref, message: `Amazon shipment confirmed (package ${req.shipment.package_seq}, tracking ${req.shipment.tracking_number})` };
  },
};
