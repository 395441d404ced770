/**
 * Flipkart Marketplace Seller API v3, self-ship dispatch (`POST /sellers/v3/shipments/selfShip/dispatch`, from
 * Flipkart's order API documentation "SelfShipDispatch"): `{ shipments: [{ shipmentId, dispatchDate,
 * tentativeDeliveryDate, deliveryPartner, deliveryPartnerCode, trackingId, locationId, invoice: { invoiceNumber,
 * invoiceDate, items: [{ orderItemId, quantity }] } }] }` → `{ shipments: [{ shipmentId, processingStatus:
 * SUCCESS | FAILURE, errorCode, errorMessage }] }`. A Tandem order of a Flipkart channel is one Flipkart
 * shipment (the connector keys orders by shipmentId). Flipkart-logistics (non self-ship) orders are
 * dispatched by Flipkart's own pickup and have no equivalent call here.
 */
import { AppError } from '../../shared/errors.js';
import { accessToken, caller, requestJson } from '../pollers/http.js';
import { PushFailure, USER_AGENT, base, failureOf, send } from '../sync/adapters/http.js';
import type { AdapterContext } from '../sync/adapters/types.js';
import type { WritebackAdapter, WritebackContext, WritebackRequest } from './types.js';

async function token(ctx: WritebackContext): Promise<string> {
  const c = ctx.credentials;
  if (c.access_token) return c.access_token;
  const endpoint = base(ctx as AdapterContext);
  const call = caller('flipkart', { fetch: ctx.fetch, maxRetries: 0 });
  const basic = Buffer.from(`${c.app_id}:${c.app_secret}`, 'utf8').toString('base64');
  try {
    return await accessToken(call, ['flipkart-writeback', endpoint, c.app_id!, c.app_secret!], () =>
      requestJson(call, { op: 'oauth token', url: `${endpoint}/oauth-service/oauth/token?grant_type=client_credentials&scope=Seller_Api`, init: { method: 'GET', headers: { authorization: `Basic ${basic}`, accept: 'application/json', 'user-agent': USER_AGENT } } }),
    );
  } catch (err) {
    const status = err instanceof AppError ? ((err.details as { status?: number } | undefined)?.status ?? null) : null;
    throw new PushFailure(status === null || status >= 500 || status === 429, 'channel_auth_failed', (err as Error).message, status);
  }
}

/** The dispatch body (exported for tests). */
export function selfShipDispatch(req: WritebackRequest, locationId: string | null): unknown {
  const shipped = req.shipment.shipped_at.toISOString();
  const delivery = req.shipment.estimated_delivery ? new Date(`${req.shipment.estimated_delivery}T18:00:00.000Z`).toISOString() : new Date(req.shipment.shipped_at.getTime() + 5 * 86_400_000).toISOString();
  return {
    shipments: [{
      shipmentId: req.order.external_id,
      dispatchDate: shipped,
      tentativeDeliveryDate: delivery,
      deliveryPartner: req.shipment.carrier_name,
      deliveryPartnerCode: req.shipment.carrier_code ?? req.shipment.carrier,
      trackingId: req.shipment.tracking_number,
      ...(locationId ? { locationId } : {}),
      invoice: { invoiceNumber: req.order.number, invoiceDate: shipped, items: req.items.map((i) => ({ orderItemId: i.external_line_id, quantity: i.qty })) },
    }],
  };
}

export const flipkartWriteback: WritebackAdapter = {
  type: 'flipkart',
  credentialSets: [['access_token'], ['app_id', 'app_secret']],
  async write(ctx, req) {
    const c = ctx as AdapterContext;
    if (req.items.some((i) => !i.external_line_id)) throw new PushFailure(false, 'writeback_unmapped_lines', `flipkart: order ${req.order.number} has lines without an orderItemId`, null);
    const op = 'shipments/selfShip/dispatch';
    const a = await send(c, op, `${base(c)}/sellers/v3/shipments/selfShip/dispatch`, {
      method: 'POST', headers: { authorization: `Bearer ${await token(ctx)}`, 'content-type': 'application/json', accept: 'application/json', 'user-agent': USER_AGENT },
      body: JSON.stringify(selfShipDispatch(req, ctx.policy.location_id)),
    });
    if (a.status !== 200) throw failureOf(c, op, a);
    const r = (a.body as { shipments?: { shipmentId?: unknown; processingStatus?: unknown; errorCode?: unknown; errorMessage?: unknown }[] } | undefined)?.shipments?.find((s) => s.shipmentId === req.order.external_id);
    if (!r) throw new PushFailure(true, 'channel_bad_answer', `flipkart: no answer for shipment ${req.order.external_id}`, a.status);
    if (r.processingStatus !== 'SUCCESS') throw new PushFailure(false, 'channel_rejected', `flipkart: dispatch ${String(r.processingStatus)} ${String(r.errorCode ?? '')}: ${String(r.errorMessage ?? '')}`.slice(0, 300), a.status);
    return { external_ref: req.order.external_id, message: `Flipkart shipment ${req.order.external_id} marked dispatched (tracking ${req.shipment.tracking_number})` };
  },
};
