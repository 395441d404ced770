/**
 * WooCommerce REST v3, batch endpoints with HTTP Basic (consumer key : consumer secret, over https):
 * `POST /wp-json/wc/v3/products/batch { update: [{ id, stock_quantity, manage_stock: true }] }` for products and
 * `POST /wp-json/wc/v3/products/{id}/variations/batch` for variations, at most 100 objects a call. The answer lists
 * each updated object, or `{ id, error: { code, message, data: { status } } }` for one it refused.
 */
import { USER_AGENT, allFailed, base, idValue, sendOk } from './http.js';
import type { AdapterContext, ItemResult, PushItem, StockAdapter } from './types.js';

const PER_CALL = 100;

function groupKey(item: PushItem): string {
  return item.mapping.variation_id ? `variations:${String(item.mapping.product_id)}` : 'products';
}

async function pushGroup(ctx: AdapterContext, key: string, items: PushItem[]): Promise<ItemResult[]> {
  const variations = key.startsWith('variations:');
  const path = variations ? `/wp-json/wc/v3/products/${encodeURIComponent(key.slice('variations:'.length))}/variations/batch` : '/wp-json/wc/v3/products/batch';
  const idOf = (i: PushItem): number | string => idValue(variations ? i.mapping.variation_id : i.mapping.product_id);
  const auth = Buffer.from(`${ctx.credentials.consumer_key}:${ctx.credentials.consumer_secret}`, 'utf8').toString('base64');
  try {
    const body = (await sendOk(ctx, variations ? 'variations/batch' : 'products/batch', base(ctx) + path, {
      method: 'POST',
      headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json', accept: 'application/json', 'user-agent': USER_AGENT },
      body: JSON.stringify({ update: items.map((i) => ({ id: idOf(i), stock_quantity: i.quantity, manage_stock: true })) }),
    })) as { update?: { id?: unknown; stock_quantity?: unknown; error?: { code?: string; message?: string; data?: { status?: number } } }[] } | undefined;
    const answers = new Map((body?.update ?? []).map((u) => [String(u.id), u]));
    const acked = new Date();
    return items.map((i): ItemResult => {
      const u = answers.get(String(idOf(i)));
      if (!u) return { listing_id: i.listing_id, ok: false, transient: true, code: 'channel_bad_answer', message: `woocommerce: the batch answer has no entry for id ${String(idOf(i))}`, status: 200 };
      if (u.error) {
        const status = u.error.data?.status ?? 400;
        return { listing_id: i.listing_id, ok: false, transient: status >= 500, code: status >= 500 ? 'channel_unavailable' : 'channel_rejected', message: `woocommerce: ${u.error.code ?? 'error'}: ${u.error.message ?? ''}`.slice(0, 300), status };
      }
      return { listing_id: i.listing_id, ok: true, acked_at: acked };
    });
  } catch (err) {
    return allFailed(items, err);
  }
}

export const woocommerceAdapter: StockAdapter = {
  type: 'woocommerce',
  maxBatch: 1000,
  credentialSets: [['consumer_key', 'consumer_secret']],
  async push(ctx, items) {
    const groups = new Map<string, PushItem[]>();
    for (const i of items) groups.set(groupKey(i), [...(groups.get(groupKey(i)) ?? []), i]);
    const calls: Promise<ItemResult[]>[] = [];
    for (const [key, list] of groups) {
      for (let k = 0; k < list.length; k += PER_CALL) calls.push(pushGroup(ctx, key, list.slice(k, k + PER_CALL)));
    }
    return (await Promise.all(calls)).flat();
  },
};
