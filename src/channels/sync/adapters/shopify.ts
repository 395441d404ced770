/**
 * Shopify Admin REST 2024-10: `POST /admin/api/2024-10/inventory_levels/set.json` with
 * `{ location_id, inventory_item_id, available }` and `X-Shopify-Access-Token`; the answer is
 * `{ inventory_level: { inventory_item_id, location_id, available, updated_at } }`. One call per listing
 * (the REST API has no batch set), a few in flight at once; the listing maps to an inventory item and the
 * channel (or the listing) to a location.
 */
import { PushFailure, USER_AGENT, allFailed, base, failureOf, idValue, misconfigured, send } from './http.js';
import type { AdapterContext, ItemResult, PushItem, StockAdapter } from './types.js';

const IN_FLIGHT = 4;

async function pushOne(ctx: AdapterContext, item: PushItem): Promise<ItemResult> {
  try {
    const itemId = item.mapping.inventory_item_id;
    const location = item.mapping.location_id ?? ctx.policy.location_id;
    if (itemId === undefined || itemId === null || itemId === '') throw misconfigured(ctx, `listing ${item.channel_sku} has no inventory_item_id`);
    if (!location) throw misconfigured(ctx, 'no location_id on the stock policy or the listing');
    const op = 'inventory_levels/set';
    const a = await send(ctx, op, `${base(ctx)}/admin/api/2024-10/inventory_levels/set.json`, {
      method: 'POST',
      headers: { 'x-shopify-access-token': ctx.credentials.access_token!, 'content-type': 'application/json', accept: 'application/json', 'user-agent': USER_AGENT },
      body: JSON.stringify({ location_id: idValue(location), inventory_item_id: idValue(itemId), available: item.quantity }),
    });
    if (a.status !== 200 && a.status !== 201) throw failureOf(ctx, op, a);
    const level = (a.body as { inventory_level?: { available?: unknown } } | undefined)?.inventory_level;
    if (!level || level.available !== item.quantity) {
      throw new PushFailure(true, 'channel_bad_answer', `shopify: ${op} answered without inventory_level.available = ${item.quantity}`, a.status);
    }
    return { listing_id: item.listing_id, ok: true, acked_at: new Date() };
  } catch (err) {
    return allFailed([item], err)[0]!;
  }
}

export const shopifyAdapter: StockAdapter = {
  type: 'shopify',
  maxBatch: 200,
  credentialSets: [['access_token']],
  async push(ctx, items) {
    const results: ItemResult[] = new Array(items.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < items.length) {
        const i = next++;
        results[i] = await pushOne(ctx, items[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, items.length) }, lane));
    return results;
  },
};
