/**
 * Shopify Admin REST 2024-10, FulfillmentOrder-based: `GET /orders/{id}/fulfillment_orders.json` says which
 * fulfillment-order line items can still be fulfilled (per location), then `POST /fulfillments.json` with
 * `{ fulfillment: { line_items_by_fulfillment_order: [{ fulfillment_order_id, fulfillment_order_line_items:
 * [{ id, quantity }] }], tracking_info: { number, company, url }, notify_customer } }` → 201 `{ fulfillment: { id } }`.
 * Only the shipment's lines and quantities are sent, so a split order is fulfilled part by part.
 *
 * Before creating, the order's fulfillments are read (`GET /orders/{id}/fulfillments.json`): one that already
 * carries this tracking number is the answer of an earlier attempt whose response was lost, and is adopted
 * instead of creating a second one.
 */
import { PushFailure, USER_AGENT, base, failureOf, idValue, misconfigured, send } from '../sync/adapters/http.js';
import type { AdapterContext } from '../sync/adapters/types.js';
import type { WritebackAdapter, WritebackContext, WritebackItem, WritebackRequest } from './types.js';

const API = '/admin/api/2024-10';

interface FoLine { id: number | string; line_item_id: number | string; fulfillable_quantity: number }
interface FulfillmentOrder { id: number | string; status: string; line_items: FoLine[] }

const headers = (ctx: WritebackContext): Record<string, string> => ({ 'x-shopify-access-token': ctx.credentials.access_token!, 'content-type': 'application/json', accept: 'application/json', 'user-agent': USER_AGENT });

async function getJson(ctx: WritebackContext, op: string, url: string): Promise<unknown> {
  const a = await send(ctx as AdapterContext, op, url, { method: 'GET', headers: headers(ctx) });
  if (a.status !== 200) throw failureOf(ctx as AdapterContext, op, a);
  return a.body;
}

/** An earlier fulfillment of this tracking number (a retry after a lost answer), if any. */
async function existingFulfillment(ctx: WritebackContext, orderId: string, tracking: string): Promise<string | undefined> {
  const body = (await getJson(ctx, 'orders/fulfillments', `${base(ctx as AdapterContext)}${API}/orders/${orderId}/fulfillments.json`)) as { fulfillments?: { id: unknown; status?: string; tracking_number?: unknown; tracking_numbers?: unknown[] }[] } | undefined;
  const f = body?.fulfillments?.find((x) => x.status !== 'cancelled' && (x.tracking_number === tracking || (Array.isArray(x.tracking_numbers) && x.tracking_numbers.includes(tracking))));
  return f ? String(f.id) : undefined;
}

/** Spreads the shipment's units over the open fulfillment orders' line items (exported for tests). */
export function allocateToFulfillmentOrders(fos: FulfillmentOrder[], items: WritebackItem[]): { fulfillment_order_id: number | string; fulfillment_order_line_items: { id: number | string; quantity: number }[] }[] | { missing: WritebackItem[] } {
  const left = new Map<string, number>();
  for (const fo of fos) for (const li of fo.line_items) left.set(`${fo.id}:${li.id}`, li.fulfillable_quantity);
  const byFo = new Map<string, { fulfillment_order_id: number | string; fulfillment_order_line_items: { id: number | string; quantity: number }[] }>();
  const missing: WritebackItem[] = [];
  for (const item of items) {
    let need = item.qty;
    for (const fo of fos.filter((f) => f.status === 'open' || f.status === 'in_progress')) {
      for (const li of fo.line_items.filter((l) => String(l.line_item_id) === item.external_line_id)) {
        const key = `${fo.id}:${li.id}`;
        const take = Math.min(need, left.get(key) ?? 0);
        if (take <= 0) continue;
        left.set(key, (left.get(key) ?? 0) - take);
        need -= take;
        const group = byFo.get(String(fo.id)) ?? { fulfillment_order_id: fo.id, fulfillment_order_line_items: [] };
        group.fulfillment_order_line_items.push({ id: li.id, quantity: take });
        byFo.set(String(fo.id), group);
      }
    }
    if (need > 0) missing.push({ ...item, qty: need });
  }
  return missing.length > 0 ? { missing } : [...byFo.values()];
}

export const shopifyWriteback: WritebackAdapter = {
  type: 'shopify',
  credentialSets: [['access_token']],
  async write(ctx, req: WritebackRequest) {
    const orderId = req.order.external_id;
    if (!/^\d{1,20}$/.test(orderId)) throw misconfigured(ctx as AdapterContext, `order ${req.order.number} has no numeric Shopify id`);
    const unmapped = req.items.filter((i) => !i.external_line_id);
    if (unmapped.length > 0) throw new PushFailure(false, 'writeback_unmapped_lines', `shopify: order ${req.order.number} has lines without a Shopify line item id (${unmapped.map((i) => i.sku ?? i.order_line_id).join(', ')})`, null);
    const earlier = await existingFulfillment(ctx, orderId, req.shipment.tracking_number);
    if (earlier) return { external_ref: earlier, message: `Shopify already had fulfillment ${earlier} for tracking ${req.shipment.tracking_number}` };
    const fos = ((await getJson(ctx, 'orders/fulfillment_orders', `${base(ctx as AdapterContext)}${API}/orders/${orderId}/fulfillment_orders.json`)) as { fulfillment_orders?: FulfillmentOrder[] } | undefined)?.fulfillment_orders ?? [];
    const plan = allocateToFulfillmentOrders(fos, req.items);
    if (!Array.isArray(plan)) {
      throw new PushFailure(false, 'channel_nothing_to_fulfill', `shopify: no open fulfillment order can take ${plan.missing.map((m) => `${m.qty} × line ${m.external_line_id}`).join(', ')} (fulfilled or cancelled on Shopify?)`, null);
    }
    const op = 'fulfillments';
    const a = await send(ctx as AdapterContext, op, `${base(ctx as AdapterContext)}${API}/fulfillments.json`, {
      method: 'POST', headers: headers(ctx),
      body: JSON.stringify({
        fulfillment: {
          line_items_by_fulfillment_order: plan.map((p) => ({ fulfillment_order_id: idValue(p.fulfillment_order_id), fulfillment_order_line_items: p.fulfillment_order_line_items.map((l) => ({ id: idValue(l.id), quantity: l.quantity })) })),
          tracking_info: { number: req.shipment.tracking_number, company: req.shipment.carrier_name, ...(req.shipment.tracking_url ? { url: req.shipment.tracking_url } : {}) },
          notify_customer: req.notify_customer,
        },
      }),
    });
    if (a.status !== 201 && a.status !== 200) throw failureOf(ctx as AdapterContext, op, a);
    const id = (a.body as { fulfillment?: { id?: unknown } } | undefined)?.fulfillment?.id;
    if (id === undefined || id === null) throw new PushFailure(true, 'channel_bad_answer', 'shopify: fulfillments answered without fulfillment.id', a.status);
    const units = req.items.reduce((s, i) => s + i.qty, 0);
    return { external_ref: String(id), message: `Shopify fulfillment ${String(id)} created (${units} unit(s), tracking ${req.shipment.tracking_number})` };
  },
};
