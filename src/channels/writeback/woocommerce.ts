/**
 * WooCommerce REST v3: the tracking goes into an order note (`POST /wp-json/wc/v3/orders/{id}/notes` `{ note,
 * customer_note }` → 201 `{ id }`, shown to the customer when `notify_customer`), and when every shippable unit
 * has shipped the order becomes `completed` (`PUT /wp-json/wc/v3/orders/{id}` `{ status: "completed" }`). A note
 * already carrying the tracking number (an earlier attempt whose answer was lost) is not written twice.
 */
import { PushFailure, USER_AGENT, base, failureOf, misconfigured, send } from '../sync/adapters/http.js';
import type { AdapterContext } from '../sync/adapters/types.js';
import type { WritebackAdapter, WritebackContext, WritebackRequest } from './types.js';

const headers = (ctx: WritebackContext): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(`${ctx.credentials.consumer_key}:${ctx.credentials.consumer_secret}`, 'utf8').toString('base64')}`,
  'content-type': 'application/json', accept: 'application/json', 'user-agent': USER_AGENT,
});

/** The note's text (exported for tests). */
export function trackingNote(req: WritebackRequest): string {
  const units = req.items.reduce((s, i) => s + i.qty, 0);
  return `Shipped ${units} item(s) with ${req.shipment.carrier_name} (${req.shipment.service}). Tracking number: ${req.shipment.tracking_number}${req.shipment.tracking_url ? ` — ${req.shipment.tracking_url}` : ''}`;
}

export const woocommerceWriteback: WritebackAdapter = {
  type: 'woocommerce',
  credentialSets: [['consumer_key', 'consumer_secret']],
  async write(ctx, req) {
    const c = ctx as AdapterContext;
    const id = req.order.external_id;
    if (!/^\d{1,20}$/.test(id)) throw misconfigured(c, `order ${req.order.number} has no numeric WooCommerce id`);
    const orderUrl = `${base(c)}/wp-json/wc/v3/orders/${id}`;
    const list = await send(c, 'orders/notes', `${orderUrl}/notes`, { method: 'GET', headers: headers(ctx) });
    if (list.status !== 200) throw failureOf(c, 'orders/notes', list);
    let noteId = (Array.isArray(list.body) ? (list.body as { id?: unknown; note?: unknown }[]) : []).find((n) => typeof n.note === 'string' && n.note.includes(req.shipment.tracking_number))?.id;
    if (noteId === undefined) {
      const a = await send(c, 'create order note', `${orderUrl}/notes`, { method: 'POST', headers: headers(ctx), body: JSON.stringify({ note: trackingNote(req), customer_note: req.notify_customer }) });
      if (a.status !== 201 && a.status !== 200) throw failureOf(c, 'create order note', a);
      noteId = (a.body as { id?: unknown } | undefined)?.id;
      if (noteId === undefined || noteId === null) throw new PushFailure(true, 'channel_bad_answer', 'woocommerce: the order note answer has no id', a.status);
    }
    if (!req.order.complete) return { external_ref: `note:${String(noteId)}`, message: `WooCommerce order note ${String(noteId)} added with tracking ${req.shipment.tracking_number} (order not complete yet)` };
    const u = await send(c, 'update order', orderUrl, { method: 'PUT', headers: headers(ctx), body: JSON.stringify({ status: 'completed' }) });
    if (u.status !== 200) throw failureOf(c, 'update order', u);
    const status = (u.body as { status?: unknown } | undefined)?.status;
    if (status !== 'completed') throw new PushFailure(true, 'channel_bad_answer', `woocommerce: the order is ${String(status)} after setting completed`, u.status);
    return { external_ref: `note:${String(noteId)}`, message: `WooCommerce order marked completed; note ${String(noteId)} with tracking ${req.shipment.tracking_number}` };
  },
};
