import { withTx, type Db, type Tx } from '../db/database.js';
import { resolveSkus } from '../modules/catalog/index.js';
import { getChannel, resolveListings } from '../modules/channels/index.js';
import {
  addHolds, computeTotals, derivePriority, evaluateHolds, findLookalikes, findOrderByExternal, getRules, insertOrder,
  transitionOrder, type OrderInput, type OrderRow, type ResolvedLine,
} from '../modules/orders/index.js';
import { applyPurchaseLimits } from '../modules/limits/index.js';
import { allocateOrder } from './allocate-order.js';

export interface CaptureResult {
  order: OrderRow;
  /** False when the order was already captured (same channel and external id): nothing changed. */
  created: boolean;
}

/** Maps each line to one of our SKUs: by our SKU code, else through the channel's listings. */
async function resolveLines(tx: Tx, channelId: string, input: OrderInput): Promise<(ResolvedLine & { kit: boolean | undefined })[]> {
  const skus = await resolveSkus(tx, input.lines.map((l) => l.sku).filter((s): s is string => !!s));
  const listingKeys = input.lines.flatMap((l) => [l.channel_sku, l.sku].filter((s): s is string => !!s));
  const listings = await resolveListings(tx, channelId, [...new Set(listingKeys)]);
  return input.lines.map((l, i) => {
    const bySku = l.sku ? skus.get(l.sku) : undefined;
    const byListing = (l.channel_sku && listings.get(l.channel_sku)) || (l.sku && listings.get(l.sku)) || null;
    // Whether the SKU is a kit is known only when it was found by its code (the listing gives just an id).
    return { line_no: i + 1, sku_id: bySku?.id ?? byListing ?? null, input: l, kit: bySku ? bySku.is_kit : undefined };
  });
}

/**
 * Places an order from any channel, exactly once: capture (idempotent on channel + external id), verify
 * (holds), then route and reserve — all in one transaction, so an order exists with its reservations and
 * events, or not at all. A repeated delivery returns the first order unchanged.
 */
export async function captureOrder(db: Db, channelId: string, input: OrderInput, actor?: string, opts: { channelVerified?: boolean } = {}): Promise<CaptureResult> {
  return withTx(db, async (tx) => {
    const existing = await findOrderByExternal(tx, channelId, input.external_id);
    if (existing) return { order: existing, created: false };
    // 404 channel_not_found for an unknown channel, unless the caller has just read it (the API channel).
    if (!opts.channelVerified) await getChannel(tx, channelId);

    const lines = await resolveLines(tx, channelId, input);
    const totals = computeTotals(input);
    const rules = await getRules(tx, channelId);
    const placedAt = input.placed_at ? new Date(input.placed_at) : new Date();
    const { priority, dispatchBy, why } = derivePriority(input, rules, placedAt);
    const lineKey = lines
      .map((l) => `${l.sku_id ?? l.input.channel_sku ?? l.input.sku ?? ''}x${l.input.qty}`)
      .sort()
      .join(',');
    const duplicates =
      rules.duplicate_window_minutes > 0
        ? await findLookalikes(tx, { phone: input.customer.phone, email: input.customer.email, since: new Date(Date.now() - rules.duplicate_window_minutes * 60_000), lineKey })
        : [];
    const holds = evaluateHolds(
      {
        input,
        totalAmount: totals.total,
        unmapped: lines.filter((l) => !l.sku_id && l.input.needs_shipping !== false).map((l) => ({ line_no: l.line_no, sku: l.input.sku, channel_sku: l.input.channel_sku })),
        duplicates,
        needsShipping: input.lines.some((l) => l.needs_shipping !== false && !l.fulfilled_externally),
      },
      rules,
    );

    const placed = { data: { channel_id: channelId, external_id: input.external_id, total_amount: totals.total, currency: input.currency, priority, priority_reasons: why }, actor };
    // Inserts the order, its lines and its `order.placed` timeline entry and event.
    const { order, created, lines: inserted } = await insertOrder(tx, { channelId, input, lines: lines.map(({ kit: _kit, ...l }) => l), totals, priority, dispatchBy, placed });
    if (!created) return { order, created };
    // Purchase limits (hot items): throws 422 purchase_limit_exceeded for a refusable order, else may add a hold.
    holds.push(...(await applyPurchaseLimits(tx, { orderId: order.id, channelId, lines, customer: input.customer, channelData: input.channel_data })));

    // No lockOrder here: a row this transaction inserted is invisible to every other transaction until we commit
    // (a concurrent capture of the same external id waits on it in insertOrder), so it is as good as locked.
    const locked = order;
    if (holds.length > 0) {
      await addHolds(tx, order.id, holds, actor);
      return { order: await transitionOrder(tx, locked, 'on_hold', `On hold: ${holds.map((h) => h.reason).join(', ')}`, { reasons: holds.map((h) => h.reason) }, actor), created };
    }
    // Allocation starts from what capture knows (the lines just written, no reservations) instead of reading it back.
    const fresh = inserted ? { lines: inserted, noKits: lines.every((l) => !l.sku_id || l.kit === false) } : undefined;
    return { order: await allocateOrder(tx, locked, actor, fresh), created };
  });
}
