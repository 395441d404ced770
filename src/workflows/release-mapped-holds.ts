import { withTx, type Db } from '../db/database.js';
import { resolveSkus } from '../modules/catalog/index.js';
import { resolveListings } from '../modules/channels/index.js';
import { addHolds, listUnknownSkuHolds, lockOrder, mapHeldLine, transitionOrder, type UnknownSkuHold } from '../modules/orders/index.js';
import { applyPurchaseLimits } from '../modules/limits/index.js';
import { allocateOrder } from './allocate-order.js';

export interface MappedHoldsResult {
  /** Held lines that got their SKU. */
  lines_mapped: number;
  /** Orders left with no open hold, and therefore routed and reserved. */
  orders_released: number;
  /** Open unknown-SKU holds looked at. */
  holds_scanned: number;
  /** Orders whose transaction failed (left as they were; the next run tries again), with why. */
  failed: { order_id: string; error: string }[];
}

const PAGE = 500;

/**
 * Releases `unknown_sku` holds that can now be resolved — the SKU code the channel sent has been created, or
 * the channel's SKU has been mapped by a listing — the same way capture resolves lines (our SKU code first,
 * then the channel's listings). Each order is handled in its own transaction under its row lock: its lines get
 * their SKUs, the holds are released on the timeline, and an order with no hold left is routed and reserved,
 * exactly as a manual release would. Derived from database state alone, so it is safe to run anywhere, again,
 * and concurrently: a line already mapped or a hold already released changes nothing. `tandem work` runs it every
 * minute; creating a SKU or a listing runs it at once (bounded by `maxHolds`, the worker takes the rest).
 */
export async function releaseMappedHolds(
  db: Db,
  opts: { channelId?: string | undefined; actor?: string | undefined; /** Stop after this many holds (the rest waits for the next run). */ maxHolds?: number | undefined } = {},
): Promise<MappedHoldsResult> {
  const result: MappedHoldsResult = { lines_mapped: 0, orders_released: 0, holds_scanned: 0, failed: [] };
  const actor = opts.actor ?? 'system:sku-mapping';
  let afterId: string | undefined;
  for (;;) {
    const holds = await listUnknownSkuHolds(db, { channelId: opts.channelId, afterId, limit: PAGE });
    if (holds.length === 0) break;
    afterId = holds[holds.length - 1]!.hold_id;
    result.holds_scanned += holds.length;
    const resolved = await resolve(db, holds);
    const byOrder = new Map<string, typeof resolved>();
    for (const r of resolved) byOrder.set(r.hold.order_id, [...(byOrder.get(r.hold.order_id) ?? []), r]);
    for (const [orderId, mappings] of byOrder) {
      // One order that cannot proceed must not stop the others: its transaction rolls back and it is reported.
      const outcome = await withTx(db, async (tx) => {
        const order = await lockOrder(tx, orderId);
        if (order.status !== 'on_hold') return { mapped: 0, released: false };
        let mapped = 0;
        let left: number | undefined;
        const counted: { sku_id: string; input: { qty: number; fulfilled_externally: boolean } }[] = [];
        for (const m of mappings) {
          const l = await mapHeldLine(tx, { orderId, holdId: m.hold.hold_id, lineId: m.hold.line_id, skuId: m.skuId, sku: m.sku, via: m.via }, actor);
          if (l === undefined) continue;
          mapped++;
          left = l;
          counted.push({ sku_id: m.skuId, input: { qty: m.hold.qty, fulfilled_externally: m.hold.fulfilled_externally } });
        }
        // The mapped lines were never counted against purchase limits (their SKU was unknown at capture): count
        // them now. The order exists, so over a limit it is held for ops, never refused.
        const limitHolds = counted.length > 0
          ? await applyPurchaseLimits(tx, { orderId, channelId: order.channel_id, lines: counted, customer: order.customer, channelData: order.channel_data, neverRefuse: true })
          : [];
        if (limitHolds.length > 0) {
          await addHolds(tx, orderId, limitHolds, actor);
          return { mapped, released: false };
        }
        if (left !== 0) return { mapped, released: false };
        const pending = await transitionOrder(tx, order, 'pending', 'All holds released', {}, actor);
        await allocateOrder(tx, pending, actor);
        return { mapped, released: true };
      }).catch((err: unknown) => {
        result.failed.push({ order_id: orderId, error: err instanceof Error ? err.message : String(err) });
        return { mapped: 0, released: false };
      });
      result.lines_mapped += outcome.mapped;
      if (outcome.released) result.orders_released++;
    }
    if (holds.length < PAGE || (opts.maxHolds !== undefined && result.holds_scanned >= opts.maxHolds)) break;
  }
  return result;
}

/** Which held lines resolve now, and to what: our SKU code first, then the channel's listing (as capture does). */
async function resolve(db: Db, holds: UnknownSkuHold[]): Promise<{ hold: UnknownSkuHold; skuId: string; sku: string; via: 'sku' | 'listing' }[]> {
  const skus = await resolveSkus(db, holds.map((h) => h.sku).filter((s): s is string => !!s));
  const byChannel = new Map<string, Set<string>>();
  for (const h of holds) {
    const keys = byChannel.get(h.channel_id) ?? new Set<string>();
    for (const k of [h.channel_sku, h.sku]) if (k) keys.add(k);
    byChannel.set(h.channel_id, keys);
  }
  const listings = new Map<string, Map<string, string>>();
  for (const [channelId, keys] of byChannel) listings.set(channelId, await resolveListings(db, channelId, [...keys]));
  const listed = [...new Set([...listings.values()].flatMap((m) => [...m.values()]))];
  const listedSkus = await resolveSkus(db, listed);
  const out: { hold: UnknownSkuHold; skuId: string; sku: string; via: 'sku' | 'listing' }[] = [];
  for (const h of holds) {
    const own = h.sku ? skus.get(h.sku) : undefined;
    if (own) {
      out.push({ hold: h, skuId: own.id, sku: own.sku, via: 'sku' });
      continue;
    }
    const map = listings.get(h.channel_id)!;
    const id = (h.channel_sku && map.get(h.channel_sku)) || (h.sku && map.get(h.sku)) || undefined;
    if (id) out.push({ hold: h, skuId: id, sku: listedSkus.get(id)?.sku ?? id, via: 'listing' });
  }
  return out;
}
