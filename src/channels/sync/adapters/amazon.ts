/**
 * Amazon SP-API Feeds 2021-06-30 with a JSON_LISTINGS_FEED: one feed per batch, each listing a message
 * `{ messageId, sku, operationType: "PATCH", productType, patches: [{ op: "replace", path:
 * "/attributes/fulfillment_availability", value: [{ fulfillment_channel_code: "DEFAULT", quantity }] }] }`.
 * createFeedDocument (`POST /feeds/2021-06-30/documents` → `{ feedDocumentId, url }`), upload the document to
 * that pre-signed url (`PUT`, same content type, no token), then createFeed (`POST /feeds/2021-06-30/feeds`
 * → 202 `{ feedId }`). Calls carry `x-amz-access-token` (a Login with Amazon token; no SigV4 since 2023).
 * The acknowledgement is createFeed's acceptance: Amazon applies feeds asynchronously, and per-SKU results
 * arrive later in the processing report, which this adapter does not read (see docs/channel-sync.md).
 */
import { AppError } from '../../../shared/errors.js';
import { accessToken, caller, requestJson } from '../../pollers/http.js';
import { PushFailure, USER_AGENT, allFailed, base, misconfigured, sendOk } from './http.js';
import type { AdapterContext, PushItem, StockAdapter } from './types.js';

const CONTENT_TYPE = 'application/json; charset=UTF-8';
const DEFAULT_TOKEN_ENDPOINT = 'https://api.amazon.com/auth/o2/token';

/** The feed document for a batch (exported for tests). */
export function listingsFeed(sellerId: string, items: PushItem[]): unknown {
  return {
    header: { sellerId, version: '2.0', issueLocale: 'en_US' },
    messages: items.map((i, n) => ({
      messageId: n + 1,
      sku: i.channel_sku,
      operationType: 'PATCH',
      productType: typeof i.mapping.product_type === 'string' ? i.mapping.product_type : 'PRODUCT',
      patches: [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: i.quantity }] }],
    })),
  };
}

/**
 * An SP-API access token: the configured one, else exchanged from the refresh token at Login with Amazon (cached per
 * scope, client and refresh token). Shared by stock sync and shipment write-back.
 */
export async function lwaToken(ctx: AdapterContext, scope = 'amazon-stock'): Promise<string> {
  const c = ctx.credentials;
  if (c.access_token) return c.access_token;
  const endpoint = ctx.policy.token_endpoint ?? DEFAULT_TOKEN_ENDPOINT;
  const call = caller('amazon', { fetch: ctx.fetch, maxRetries: 0 });
  try {
    return await accessToken(call, [scope, endpoint, c.client_id!, c.refresh_token!], () =>
      requestJson(call, {
        op: 'LWA token',
        url: endpoint,
        init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', accept: 'application/json', 'user-agent': USER_AGENT }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: c.refresh_token!, client_id: c.client_id!, client_secret: c.client_secret! }).toString() },
      }),
    );
  } catch (err) {
    const status = err instanceof AppError ? ((err.details as { status?: number } | undefined)?.status ?? null) : null;
    throw new PushFailure(status === null || status >= 500 || status === 429, 'channel_auth_failed', (err as Error).message, status);
  }
}

function marketplaceOf(ctx: AdapterContext): string {
  const ids = ctx.channel.settings.marketplace_ids;
  const id = ctx.policy.marketplace_id ?? (Array.isArray(ids) && typeof ids[0] === 'string' ? ids[0] : null);
  if (!id) throw misconfigured(ctx, 'no marketplace_id on the stock policy (or marketplace_ids in the channel settings)');
  return id;
}

export const amazonAdapter: StockAdapter = {
  type: 'amazon',
  maxBatch: 5000,
  credentialSets: [['access_token'], ['refresh_token', 'client_id', 'client_secret']],
  async push(ctx, items) {
    try {
      if (!ctx.policy.seller_id) throw misconfigured(ctx, 'no seller_id on the stock policy');
      const marketplace = marketplaceOf(ctx);
      const headers = { 'x-amz-access-token': await lwaToken(ctx), 'content-type': 'application/json', accept: 'application/json', 'user-agent': USER_AGENT };
      const doc = (await sendOk(ctx, 'createFeedDocument', `${base(ctx)}/feeds/2021-06-30/documents`, { method: 'POST', headers, body: JSON.stringify({ contentType: CONTENT_TYPE }) })) as { feedDocumentId?: unknown; url?: unknown } | undefined;
      if (typeof doc?.feedDocumentId !== 'string' || typeof doc.url !== 'string') throw new PushFailure(true, 'channel_bad_answer', 'amazon: createFeedDocument answered without feedDocumentId and url', null);
      await sendOk(ctx, 'upload feed document', doc.url, { method: 'PUT', headers: { 'content-type': CONTENT_TYPE }, body: JSON.stringify(listingsFeed(ctx.policy.seller_id, items)) });
      const feed = (await sendOk(ctx, 'createFeed', `${base(ctx)}/feeds/2021-06-30/feeds`, {
        method: 'POST', headers, body: JSON.stringify({ feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [marketplace], inputFeedDocumentId: doc.feedDocumentId }),
      })) as { feedId?: unknown } | undefined;
      if (typeof feed?.feedId !== 'string') throw new PushFailure(true, 'channel_bad_answer', 'amazon: createFeed answered without feedId', null);
      const acked = new Date();
      return items.map((i) => ({ listing_id: i.listing_id, ok: true as const, acked_at: acked }));
    } catch (err) {
      return allFailed(items, err);
    }
  },
};
