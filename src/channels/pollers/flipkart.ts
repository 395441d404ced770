/**
 * Flipkart Marketplace Seller API v3 poller: new and changed shipments and cancellations in a time window,
 * fed through the Flipkart connector's mappers into channel intake, each change exactly once.
 *
 * - Auth: OAuth client credentials, GET {endpoint}/oauth-service/oauth/token?grant_type=client_credentials
 *   &scope=Seller_Api with HTTP Basic app id : app secret → { access_token, token_type, expires_in, scope };
 *   then `Authorization: Bearer …`.
 * - Shipments: POST {endpoint}/sellers/v3/shipments/filter/ with { filter, pagination: { pageSize: 20 } }; while
 *   hasMore, GET {endpoint}/sellers{nextPageUrl}. New orders: type preDispatch with the pre-dispatch states and
 *   modifiedDate in the window; cancellations: type cancelled, state CANCELLED, per cancellationType, with
 *   cancellationDate in the window.
 * - Shipping details (addresses): GET {endpoint}/sellers/v3/shipments/{shipmentIds} (comma separated), only for
 *   shipments not taken in yet.
 */
import type { Db } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { findOrderByExternal, getOrderLines, type ChannelCancellation } from '../../modules/orders/index.js';
import { flipkartShipmentsPage, normalizeFlipkartCancellation, normalizeFlipkartOrder } from '../connectors/flipkart/index.js';
import { isRecord, malformed } from '../connectors/shared.js';
import { intakeCancellation, intakeOrder, rememberDelivery, seenDelivery, type IntakeResult } from '../../workflows/channel-intake.js';
import { USER_AGENT, accessToken, baseUrl, caller, forgetToken, requestJson, type Caller, type PollOptions } from './http.js';
import { credentials, deliveryId, isPermanent, isoSetting, recordError, runPoll, tally, type PollSummary } from './poll-run.js';

const CH = 'flipkart';
/** Shipments not yet dispatched: what the seller (Tandem) still has to pick, pack and hand over. */
const PRE_DISPATCH_STATES = ['APPROVED', 'PACKING_IN_PROGRESS', 'FORM_FAILED', 'PACKED', 'READY_TO_DISPATCH'];
const CANCELLATION_TYPES = ['buyerCancellation', 'sellerCancellation', 'marketplaceCancellation'];
const PAGE_SIZE = 20;
const MAX_PAGES = 50;
const DETAILS_BATCH = 20;

type Filter = Record<string, unknown>;

class Api {
  constructor(
    private readonly c: Caller,
    private readonly endpoint: string,
    private readonly token: string,
    private readonly tokenKey: string[],
  ) {}

  private async call(op: string, path: string, init: RequestInit): Promise<unknown> {
    const headers = { authorization: `Bearer ${this.token}`, accept: 'application/json', 'user-agent': USER_AGENT, ...(init.headers as Record<string, string> | undefined) };
    try {
      return await requestJson(this.c, { op, url: `${this.endpoint}${path}`, init: { ...init, headers } });
    } catch (err) {
      if (err instanceof AppError && err.code === 'channel_auth_failed') forgetToken(this.tokenKey);
      throw err;
    }
  }

  /** Every shipment matching the filter, across pages; a failure after the first page keeps what came. */
  async filter(filter: Filter, summary: PollSummary): Promise<{ shipments: unknown[]; complete: boolean }> {
    const shipments: unknown[] = [];
    let page = flipkartShipmentsPage(
      await this.call('shipments/filter', '/sellers/v3/shipments/filter/', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ filter, pagination: { pageSize: PAGE_SIZE } }),
      }),
    );
    for (let n = 1; ; n++) {
      shipments.push(...page.shipments);
      if (!page.nextPageUrl) return { shipments, complete: true };
      if (n === MAX_PAGES) {
        summary.errors.push({ stage: 'list', code: 'list_truncated', message: `more than ${MAX_PAGES} pages of ${String(filter.type)} shipments; the cursor waits until fewer remain` });
        return { shipments, complete: false };
      }
      try {
        page = flipkartShipmentsPage(await this.call('shipments/filter (next page)', `/sellers${this.relative(page.nextPageUrl)}`, { method: 'GET' }));
      } catch (err) {
        recordError(summary, 'list', err);
        return { shipments, complete: false };
      }
    }
  }

  /** nextPageUrl is a path under /sellers; anything pointing elsewhere is refused rather than followed. */
  private relative(next: string): string {
    if (next.startsWith('/') && !next.startsWith('//')) return next;
    throw malformed(CH, 'nextPageUrl', 'is not a path under /sellers');
  }

  /** Shipping details (addresses) by shipment id. */
  async details(ids: string[]): Promise<Map<string, unknown>> {
    const body = await this.call('shipments/{shipmentIds}', `/sellers/v3/shipments/${ids.map(encodeURIComponent).join(',')}`, { method: 'GET' });
    if (!isRecord(body) || !Array.isArray(body.shipments)) throw malformed(CH, 'details.shipments', 'is not an array');
    const out = new Map<string, unknown>();
    for (const d of body.shipments) if (isRecord(d) && typeof d.shipmentId === 'string') out.set(d.shipmentId, d);
    return out;
  }
}

async function flipkartToken(c: Caller, endpoint: string, cred: Record<'app_id' | 'app_secret', string>): Promise<{ token: string; key: string[] }> {
  const key = [CH, endpoint, cred.app_id, cred.app_secret];
  const basic = Buffer.from(`${cred.app_id}:${cred.app_secret}`, 'utf8').toString('base64');
  const token = await accessToken(c, key, () =>
    requestJson(c, {
      op: 'oauth token',
      url: `${endpoint}/oauth-service/oauth/token?grant_type=client_credentials&scope=Seller_Api`,
      init: { method: 'GET', headers: { authorization: `Basic ${basic}`, accept: 'application/json', 'user-agent': USER_AGENT } },
    }),
  );
  return { token, key };
}

function shipmentIdOf(raw: unknown, index: number): string {
  if (!isRecord(raw) || typeof raw.shipmentId !== 'string' || raw.shipmentId === '') throw malformed(CH, `shipments[${index}].shipmentId`, 'is required');
  return raw.shipmentId;
}

/** The lines of a partial cancellation that are still open in Tandem's order (by Flipkart's orderItemId). */
async function openCancelLines(db: Db, orderId: string, lines: NonNullable<ChannelCancellation['lines']>): Promise<NonNullable<ChannelCancellation['lines']>> {
  const ours = await getOrderLines(db, orderId);
  return lines.flatMap((l) => {
    const line = ours.find((o) => o.external_line_id === l.external_line_id);
    // An item cancelled before the order was taken in was never a line; one cancelled before is not cancelled twice.
    const qty = line ? l.qty - line.qty_cancelled : 0;
    return qty > 0 ? [{ external_line_id: l.external_line_id, qty }] : [];
  });
}

async function takeCancellation(db: Db, channelId: string, raw: unknown, summary: PollSummary): Promise<void> {
  let c: ChannelCancellation;
  try {
    c = normalizeFlipkartCancellation(raw);
  } catch (err) {
    // The cancelled filter may return a shipment whose cancelled items it no longer lists: nothing to do.
    if (!(err instanceof AppError && err.code === 'not_cancelled')) throw err;
    summary.skipped++;
    return;
  }
  const items = c.lines ? c.lines.map((l) => `${l.external_line_id}x${l.qty}`).sort().join(',') : 'all';
  const delivery = deliveryId([CH, c.external_id, 'cancel', items]);
  if (await seenDelivery(db, channelId, delivery)) {
    summary.already_known++;
    return;
  }
  const order = await findOrderByExternal(db, channelId, c.external_id);
  let result: IntakeResult;
  if (!order) result = { outcome: 'ignored' };
  else if (c.lines) {
    const lines = await openCancelLines(db, order.id, c.lines);
    result = lines.length > 0 ? await intakeCancellation(db, channelId, { ...c, lines }, `channel:${channelId}`) : { outcome: 'already_known', order_id: order.id };
  } else result = await intakeCancellation(db, channelId, c, `channel:${channelId}`);
  await rememberDelivery(db, channelId, delivery, 'shipment.cancelled', result, c.external_id);
  tally(summary, result.outcome);
}

/**
 * Polls a Flipkart channel once over the window from the cursor (first run: settings.created_after, else
 * seven days back) to now: new shipments are captured with their addresses, known ones need nothing, then
 * cancellations are applied — whole, or per item for the items still open. A malformed shipment is
 * reported and the rest still land. The cursor becomes the window's end minus the overlap once every
 * page was read and nothing failed transiently; otherwise it stays and the next poll covers the window again.
 */
export async function pollFlipkart(db: Db, channelId: string, opts: PollOptions = {}): Promise<PollSummary> {
  return runPoll(db, channelId, 'flipkart', async ({ channel, cursor, summary }) => {
    const endpoint = baseUrl(channel.settings.endpoint, CH, 'endpoint');
    const createdAfter = isoSetting(channel, 'created_after');
    const cred = await credentials(db, channel, ['app_id', 'app_secret'] as const);
    const c = caller(CH, opts);
    const now = opts.now ?? new Date();
    const overlap = opts.overlapMs ?? 5 * 60_000;
    const window = { from: cursor ?? createdAfter ?? new Date(now.getTime() - 7 * 86_400_000).toISOString(), to: now.toISOString() };
    const { token, key } = await flipkartToken(c, endpoint, cred);
    const api = new Api(c, endpoint, token, key);
    let complete = true;
    let transient = false;
    const fail = (stage: string, err: unknown, id?: string) => {
      recordError(summary, stage, err, id);
      if (!isPermanent(err)) transient = true;
    };

    // 1. New and changed shipments; only those not taken in yet need their shipping details.
    const listed = await api.filter({ type: 'preDispatch', states: PRE_DISPATCH_STATES, modifiedDate: window }, summary);
    complete &&= listed.complete;
    const fresh: { raw: unknown; id: string; delivery: string }[] = [];
    for (const [i, raw] of listed.shipments.entries()) {
      summary.fetched++;
      try {
        const id = shipmentIdOf(raw, i);
        const updatedAt = (raw as Record<string, unknown>).updatedAt;
        const delivery = deliveryId([CH, id, typeof updatedAt === 'string' && updatedAt ? updatedAt : 'order']);
        if (await seenDelivery(db, channel.id, delivery)) summary.already_known++;
        else {
          const known = await findOrderByExternal(db, channel.id, id);
          if (!known) fresh.push({ raw, id, delivery });
          else {
            await rememberDelivery(db, channel.id, delivery, 'shipment.preDispatch', { outcome: 'already_known', order_id: known.id }, id);
            summary.already_known++;
          }
        }
      } catch (err) {
        fail('intake', err, isRecord(raw) && typeof raw.shipmentId === 'string' ? raw.shipmentId : undefined);
      }
    }
    for (let i = 0; i < fresh.length; i += DETAILS_BATCH) {
      const batch = fresh.slice(i, i + DETAILS_BATCH);
      let details: Map<string, unknown>;
      try {
        details = await api.details(batch.map((b) => b.id));
      } catch (err) {
        for (const b of batch) fail('details', err, b.id);
        continue;
      }
      for (const b of batch) {
        try {
          const result = await intakeOrder(db, channel.id, normalizeFlipkartOrder(b.raw, details.get(b.id)), `channel:${channel.id}`);
          await rememberDelivery(db, channel.id, b.delivery, 'shipment.preDispatch', result, b.id);
          tally(summary, result.outcome);
        } catch (err) {
          fail('intake', err, b.id);
        }
      }
    }

    // 2. Cancellations, after the orders they may refer to.
    for (const cancellationType of CANCELLATION_TYPES) {
      let cancelled: { shipments: unknown[]; complete: boolean };
      try {
        cancelled = await api.filter({ type: 'cancelled', states: ['CANCELLED'], cancellationType, cancellationDate: window }, summary);
      } catch (err) {
        recordError(summary, 'list', err);
        complete = false;
        continue;
      }
      complete &&= cancelled.complete;
      for (const [i, raw] of cancelled.shipments.entries()) {
        summary.fetched++;
        try {
          shipmentIdOf(raw, i);
          await takeCancellation(db, channel.id, raw, summary);
        } catch (err) {
          fail('intake', err, isRecord(raw) && typeof raw.shipmentId === 'string' ? raw.shipmentId : undefined);
        }
      }
    }

    if (!complete || transient) return cursor;
    const next = new Date(now.getTime() - overlap).toISOString();
    return cursor !== null && cursor > next ? cursor : next;
  });
}
