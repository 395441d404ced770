/**
 * Amazon Selling Partner API poller (Orders API v0): new and changed orders since the channel's cursor,
 * fed through the Amazon connector's mappers into channel intake, each change exactly once.
 *
 * - Auth: a Login with Amazon access token (POST token_endpoint, form-encoded grant_type=refresh_token,
 *   refresh_token, client_id, client_secret → { access_token, token_type, expires_in }), sent as
 *   `x-amz-access-token`. AWS Signature Version 4 (and the IAM role behind it) is no longer required by
 *   SP-API since 2 October 2023, so requests are not signed.
 * - getOrders: GET /orders/v0/orders?MarketplaceIds=…&LastUpdatedAfter=…, then NextToken pages (with
 *   MarketplaceIds, which is always required). getOrderItems: GET /orders/v0/orders/{id}/orderItems (+ NextToken).
 * - A change is one delivery, `amazon:{AmazonOrderId}:{LastUpdateDate}`: a change already taken in costs no
 *   getOrderItems call.
 */
import type { Db } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import type { ChannelView } from '../../modules/channels/index.js';
import { findOrderByExternal } from '../../modules/orders/index.js';
import { amazonOrderItemsPage, amazonOrdersPage, normalizeAmazonCancellation, normalizeAmazonOrder } from '../connectors/amazon/index.js';
import { isRecord, malformed } from '../connectors/shared.js';
import { intakeCancellation, intakeOrder, rememberDelivery, seenDelivery, type IntakeResult } from '../../workflows/channel-intake.js';
import { USER_AGENT, accessToken, baseUrl, caller, forgetToken, misconfigured, requestJson, type Caller, type PollOptions } from './http.js';
import { credentials, deliveryId, isPermanent, isoSetting, recordError, runPoll, tally, type PollSummary } from './poll-run.js';

const CH = 'amazon';
/** SP-API's LWA endpoint, the same for every region. */
const DEFAULT_TOKEN_ENDPOINT = 'https://api.amazon.com/auth/o2/token';
/** Documented default usage plans (requests per second), used when a 429 carries no x-amzn-RateLimit-Limit. */
const RATE = { getOrders: 0.0167, getOrderItems: 0.5 };
/** getOrders' burst is 20: more pages than that in one poll would only be throttled. */
const MAX_ORDER_PAGES = 20;
const MAX_ITEM_PAGES = 10;
/** Statuses without prices or payment yet: they come back when they change. */
const NOT_YET = new Set(['Pending', 'PendingAvailability']);

interface AmazonSettings {
  endpoint: string;
  tokenEndpoint: string;
  marketplaceIds: string[];
  createdAfter: string | undefined;
}

function settingsOf(channel: ChannelView): AmazonSettings {
  const s = channel.settings;
  const ids = s.marketplace_ids;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 50 || !ids.every((m) => typeof m === 'string' && /^[A-Z0-9]{5,20}$/.test(m))) {
    throw misconfigured(CH, 'settings.marketplace_ids must be a list of 1 to 50 marketplace ids, e.g. ["A21TJRUUN4KGV"]', 'marketplace_ids');
  }
  return {
    endpoint: baseUrl(s.endpoint, CH, 'endpoint'),
    tokenEndpoint: s.token_endpoint === undefined ? DEFAULT_TOKEN_ENDPOINT : baseUrl(s.token_endpoint, CH, 'token_endpoint'),
    marketplaceIds: ids as string[],
    createdAfter: isoSetting(channel, 'created_after'),
  };
}

interface OrderRef {
  raw: Record<string, unknown>;
  id: string;
  status: string;
  /** LastUpdateDate as Amazon sent it (part of the delivery id) and as a normalised ISO string. */
  updatedRaw: string;
  updated: string;
}

function refOf(raw: unknown, index: number): OrderRef {
  if (!isRecord(raw)) throw malformed(CH, `Orders[${index}]`, 'is not an object');
  const { AmazonOrderId: id, OrderStatus: status, LastUpdateDate: updatedRaw } = raw;
  if (typeof id !== 'string' || id === '') throw malformed(CH, `Orders[${index}].AmazonOrderId`, 'is required');
  if (typeof status !== 'string' || status === '') throw malformed(CH, `order ${id}.OrderStatus`, 'is required');
  const t = typeof updatedRaw === 'string' ? Date.parse(updatedRaw) : Number.NaN;
  if (Number.isNaN(t)) throw malformed(CH, `order ${id}.LastUpdateDate`, 'is not a date-time');
  return { raw, id, status, updatedRaw: updatedRaw as string, updated: new Date(t).toISOString() };
}

class Api {
  constructor(
    private readonly c: Caller,
    private readonly s: AmazonSettings,
    private readonly token: string,
    private readonly tokenKey: string[],
  ) {}

  async get(op: keyof typeof RATE, path: string, query: URLSearchParams): Promise<unknown> {
    const qs = query.toString();
    const headers = { 'x-amz-access-token': this.token, accept: 'application/json', 'user-agent': USER_AGENT };
    try {
      return await requestJson(this.c, { op, url: `${this.s.endpoint}${path}${qs ? `?${qs}` : ''}`, init: { method: 'GET', headers }, rate: RATE[op] });
    } catch (err) {
      if (err instanceof AppError && err.code === 'channel_auth_failed') forgetToken(this.tokenKey);
      throw err;
    }
  }

  /** Every item of an order, across NextToken pages. */
  async items(id: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let next: string | undefined;
    for (let page = 0; page < MAX_ITEM_PAGES; page++) {
      const q = new URLSearchParams(next ? { NextToken: next } : {});
      const p = amazonOrderItemsPage(await this.get('getOrderItems', `/orders/v0/orders/${encodeURIComponent(id)}/orderItems`, q));
      if (p.amazonOrderId !== id) throw malformed(CH, 'getOrderItems.AmazonOrderId', `is ${p.amazonOrderId}, not ${id}`);
      items.push(...p.items);
      next = p.nextToken;
      if (!next) return items;
    }
    throw new AppError('unavailable', 'list_truncated', `amazon: order ${id} has more than ${MAX_ITEM_PAGES} pages of items`, { channel: CH, external_id: id });
  }
}

async function lwaToken(c: Caller, s: AmazonSettings, cred: Record<'client_id' | 'client_secret' | 'refresh_token', string>): Promise<{ token: string; key: string[] }> {
  const key = [CH, s.tokenEndpoint, cred.client_id, cred.client_secret, cred.refresh_token];
  const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cred.refresh_token, client_id: cred.client_id, client_secret: cred.client_secret });
  const token = await accessToken(c, key, () =>
    requestJson(c, {
      op: 'LWA token',
      url: s.tokenEndpoint,
      init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', accept: 'application/json', 'user-agent': USER_AGENT }, body: body.toString() },
    }),
  );
  return { token, key };
}

/** getOrders from `since`, every page; `complete` is false when a page failed or there were too many. */
async function listOrders(api: Api, s: AmazonSettings, since: string, summary: PollSummary): Promise<{ orders: unknown[]; complete: boolean }> {
  const orders: unknown[] = [];
  let next: string | undefined;
  for (let page = 0; ; page++) {
    if (page === MAX_ORDER_PAGES) {
      summary.errors.push({ stage: 'list', code: 'list_truncated', message: `more than ${MAX_ORDER_PAGES} pages of changed orders; the cursor waits until fewer remain` });
      return { orders, complete: false };
    }
    const q = new URLSearchParams({ MarketplaceIds: s.marketplaceIds.join(',') });
    if (next) q.set('NextToken', next);
    else {
      q.set('LastUpdatedAfter', since);
      q.set('MaxResultsPerPage', '100');
    }
    try {
      const p = amazonOrdersPage(await api.get('getOrders', '/orders/v0/orders', q));
      orders.push(...p.orders);
      next = p.nextToken;
    } catch (err) {
      // Nothing fetched yet: the poll failed as a whole (the caller sees why). Later pages: keep what came.
      if (page === 0) throw err;
      recordError(summary, 'list', err);
      return { orders, complete: false };
    }
    if (!next) return { orders, complete: true };
  }
}

/**
 * Takes one order change in: Pending → skipped (no prices yet); Canceled → a cancellation (of an order
 * Tandem has); a new order that Amazon fulfils (AFN), or that waits for the seller (Unshipped) → captured.
 * A new seller-fulfilled order already shipped or partly shipped elsewhere is skipped, so stock is not
 * reserved for goods that left. A known order's other changes need nothing.
 */
async function takeOrder(db: Db, api: Api, channelId: string, o: OrderRef, summary: PollSummary, stage: { at: string }): Promise<void> {
  if (NOT_YET.has(o.status)) {
    summary.skipped++;
    return;
  }
  const delivery = deliveryId([CH, o.id, o.updatedRaw]);
  if (await seenDelivery(db, channelId, delivery)) {
    summary.already_known++;
    return;
  }
  const actor = `channel:${channelId}`;
  const topic = `order.${o.status}`;
  const known = await findOrderByExternal(db, channelId, o.id);
  let result: IntakeResult;
  if (o.status === 'Canceled') {
    if (!known) result = { outcome: 'ignored' };
    else {
      stage.at = 'items';
      const items = await api.items(o.id);
      stage.at = 'intake';
      result = await intakeCancellation(db, channelId, normalizeAmazonCancellation(o.raw, items), actor);
    }
  } else if (known) {
    result = { outcome: 'already_known', order_id: known.id };
  } else if (o.raw.FulfillmentChannel !== 'AFN' && o.status !== 'Unshipped') {
    result = { outcome: 'ignored' };
  } else {
    stage.at = 'items';
    const items = await api.items(o.id);
    stage.at = 'intake';
    result = await intakeOrder(db, channelId, normalizeAmazonOrder(o.raw, items), actor);
  }
  await rememberDelivery(db, channelId, delivery, topic, result, o.id);
  tally(summary, result.outcome);
}

/**
 * Polls an Amazon channel once: every order changed since the cursor (first run: settings.created_after,
 * else seven days back), oldest change first. Returns what happened; a malformed order is reported and
 * the rest still land. The cursor becomes the latest LastUpdateDate taken in minus the overlap — or,
 * after a transient failure (or when the time budget ran out), that change's date minus the overlap, so the
 * next poll asks for it again.
 */
export async function pollAmazon(db: Db, channelId: string, opts: PollOptions = {}): Promise<PollSummary> {
  return runPoll(db, channelId, 'amazon', async ({ channel, cursor, summary }) => {
    const s = settingsOf(channel);
    const cred = await credentials(db, channel, ['client_id', 'client_secret', 'refresh_token'] as const);
    const c = caller(CH, opts);
    const now = opts.now ?? new Date();
    const overlap = opts.overlapMs ?? 5 * 60_000;
    const since = cursor ?? s.createdAfter ?? new Date(now.getTime() - 7 * 86_400_000).toISOString();
    const { token, key } = await lwaToken(c, s, cred);
    const api = new Api(c, s, token, key);

    const listed = await listOrders(api, s, since, summary);
    const refs: OrderRef[] = [];
    listed.orders.forEach((raw, i) => {
      summary.fetched++;
      try {
        refs.push(refOf(raw, i));
      } catch (err) {
        recordError(summary, 'intake', err, isRecord(raw) && typeof raw.AmazonOrderId === 'string' ? raw.AmazonOrderId : undefined);
      }
    });
    refs.sort((a, b) => (a.updated < b.updated ? -1 : a.updated > b.updated ? 1 : 0));

    let latest: string | undefined;
    let firstTransient: string | undefined;
    const deadline = Date.now() + (opts.budgetMs ?? 45_000);
    for (const [i, o] of refs.entries()) {
      if (Date.now() > deadline) {
        // Out of time (throttled item calls wait): the rest, and the cursor, wait for the next poll.
        summary.deferred = refs.length - i;
        firstTransient ??= o.updated;
        break;
      }
      const stage = { at: 'intake' };
      try {
        await takeOrder(db, api, channel.id, o, summary, stage);
      } catch (err) {
        recordError(summary, stage.at, err, o.id);
        if (!isPermanent(err)) firstTransient ??= o.updated;
      }
      latest = o.updated;
    }

    if (!listed.complete) return cursor;
    const upTo = firstTransient ?? latest;
    if (!upTo) return cursor;
    const next = new Date(Date.parse(upTo) - overlap).toISOString();
    return cursor !== null && cursor > next ? cursor : next;
  });
}
