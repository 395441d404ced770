/**
 * Flipkart Marketplace Seller API, listings v3: `POST /sellers/listings/v3/update/inventory` with
 * `{ "<seller sku>": { product_id, locations: [{ id, inventory }] } }` (at most 10 SKUs a call) and
 * `Authorization: Bearer`. The answer is keyed by SKU: `{ status: SUCCESS | WARNING | FAILURE, errors: [{ severity,
 * code, description }] }`. Tokens: OAuth client credentials, as the poller gets them.
 */
import { AppError } from '../../../shared/errors.js';
import { accessToken, caller, requestJson } from '../../pollers/http.js';
import { PushFailure, USER_AGENT, allFailed, base, misconfigured, sendOk } from './http.js';
import type { AdapterContext, ItemResult, PushItem, StockAdapter } from './types.js';

const PER_CALL = 10;

async function token(ctx: AdapterContext): Promise<string> {
  const c = ctx.credentials;
  if (c.access_token) return c.access_token;
  const endpoint = base(ctx);
  const call = caller('flipkart', { fetch: ctx.fetch, maxRetries: 0 });
  const basic = Buffer.from(`${c.app_id}:${c.app_secret}`, 'utf8').toString('base64');
  try {
    return await accessToken(call, ['flipkart-stock', endpoint, c.app_id!, c.app_secret!], () =>
      requestJson(call, { op: 'oauth token', url: `${endpoint}/oauth-service/oauth/token?grant_type=client_credentials&scope=Seller_Api`, init: { method: 'GET', headers: { authorization: `Basic ${basic}`, accept: 'application/json', 'user-agent': USER_AGENT } } }),
    );
  } catch (err) {
    const status = err instanceof AppError ? ((err.details as { status?: number } | undefined)?.status ?? null) : null;
    throw new PushFailure(status === null || status >= 500 || status === 429, 'channel_auth_failed', (err as Error).message, status);
  }
}

async function pushCall(ctx: AdapterContext, bearer: string, items: PushItem[]): Promise<ItemResult[]> {
  try {
    const payload: Record<string, unknown> = {};
    for (const i of items) {
      const location = i.mapping.location_id ?? ctx.policy.location_id;
      if (!location) throw misconfigured(ctx, 'no location_id on the stock policy or the listing');
      payload[i.channel_sku] = { product_id: String(i.mapping.product_id), locations: [{ id: String(location), inventory: i.quantity }] };
    }
    const body = (await sendOk(ctx, 'listings/v3/update/inventory', `${base(ctx)}/sellers/listings/v3/update/inventory`, {
      method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'application/json', 'user-agent': USER_AGENT }, body: JSON.stringify(payload),
    })) as Record<string, { status?: string; errors?: { code?: number; description?: string }[] }> | undefined;
    const acked = new Date();
    return items.map((i): ItemResult => {
      const r = body?.[i.channel_sku];
      if (!r) return { listing_id: i.listing_id, ok: false, transient: true, code: 'channel_bad_answer', message: `flipkart: no answer for SKU ${i.channel_sku}`, status: 200 };
      if (r.status === 'SUCCESS' || r.status === 'WARNING') return { listing_id: i.listing_id, ok: true, acked_at: acked };
      const e = r.errors?.[0];
      return { listing_id: i.listing_id, ok: false, transient: false, code: 'channel_rejected', message: `flipkart: ${r.status ?? 'FAILURE'}${e ? ` ${e.code ?? ''}: ${e.description ?? ''}` : ''}`.slice(0, 300), status: 200 };
    });
  } catch (err) {
    return allFailed(items, err);
  }
}

export const flipkartAdapter: StockAdapter = {
  type: 'flipkart',
  maxBatch: 200,
  credentialSets: [['access_token'], ['app_id', 'app_secret']],
  async push(ctx, items) {
    let bearer: string;
    try {
      bearer = await token(ctx);
    } catch (err) {
      return allFailed(items, err);
    }
    const results: ItemResult[] = [];
    for (let k = 0; k < items.length; k += PER_CALL) results.push(...(await pushCall(ctx, bearer, items.slice(k, k + PER_CALL))));
    return results;
  },
};
