/**
 * Channel stock sync, the database side: what a channel may sell (its routing rules' allowed warehouses,
 * safety stock, routing's reserve, its buffer and cap) read from the modules that own each part, and the
 * writes that change it (stock policy, safety stock, listing mappings), each in one transaction.
 */
import { withTx, type Db, type Executor } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { resolveSkus, kitComponents } from '../modules/catalog/index.js';
import { availabilityFor } from '../modules/inventory/index.js';
import { loadRoutingRules, type RoutingRule } from '../modules/routing/index.js';
import { getWarehouse, listWarehouses } from '../modules/warehouse/index.js';
import {
  ensureSyncRows, getStockPolicy, listSafetyStock, saveStockPolicy, setListingMapping, setSafetyStock,
  type ListingMapping, type StockPolicy, type StockPolicyInput, type StockPolicyView, type SafetyStockView,
} from '../modules/channels/index.js';
import { computeAvailability, levelKey, type Availability } from '../channels/sync/ats.js';

export interface ChannelFeed {
  warehouses: { id: string; code: string }[];
  /** Where the list of warehouses came from: the channel's routing rule, or every active warehouse. */
  source: 'routing_rules' | 'all_active';
  keep_reserve: number;
}

/**
 * The warehouses that feed a channel: the active ones its routing rules allow (`allowed_warehouses`), else every
 * active warehouse — exactly the candidates routing would ship the channel's orders from, so a channel is never
 * offered stock its orders cannot be routed to. `keep_reserve` (for normal-priority orders) is held back too.
 */
export async function channelFeed(db: Executor, channelId: string): Promise<ChannelFeed> {
  const [rules, warehouses] = await Promise.all([loadRoutingRules(db, channelId), listWarehouses(db, null)]);
  const allowed = rules.rules.find((r): r is Extract<RoutingRule, { rule: 'allowed_warehouses' }> => r.rule === 'allowed_warehouses');
  const active = warehouses.filter((w) => w.active && (!allowed || allowed.warehouse_ids.includes(w.id)));
  const keep = rules.rules
    .filter((r): r is Extract<RoutingRule, { rule: 'keep_reserve' }> => r.rule === 'keep_reserve' && (!r.priorities || r.priorities.includes('normal')))
    .reduce((m, r) => Math.max(m, r.units), 0);
  return { warehouses: active.map((w) => ({ id: w.id, code: w.code })), source: allowed ? 'routing_rules' : 'all_active', keep_reserve: keep };
}

/** Available-to-sell of these SKUs (ids) on a channel, with the breakdown by warehouse (and by component for kits). */
export async function channelAvailability(db: Executor, channelId: string, skuIds: string[], known?: { policy?: StockPolicy; feed?: ChannelFeed }): Promise<{ feed: ChannelFeed; policy: StockPolicy; items: Availability[] }> {
  const policy = known?.policy ?? (await getStockPolicy(db, channelId));
  const feed = known?.feed ?? (await channelFeed(db, channelId));
  const ids = [...new Set(skuIds)];
  const kits = await kitComponents(db, ids);
  const stockIds = [...new Set([...ids.filter((id) => !kits.has(id)), ...[...kits.values()].flat().map((c) => c.sku_id)])];
  const warehouseIds = feed.warehouses.map((w) => w.id);
  const [levels, safety] = await Promise.all([
    availabilityFor(db, stockIds, warehouseIds),
    stockIds.length > 0 && warehouseIds.length > 0 ? listSafetyStock(db, { sku_ids: stockIds, warehouse_ids: warehouseIds, limit: stockIds.length * warehouseIds.length }) : [],
  ]);
  const items = computeAvailability(skuIds, {
    warehouses: feed.warehouses,
    levels,
    safety: new Map(safety.map((s) => [levelKey(s.sku_id, s.warehouse_id), s.units])),
    keepReserve: feed.keep_reserve,
    kits: new Map([...kits].map(([k, cs]) => [k, cs.map((c) => ({ sku_id: c.sku_id, qty: c.qty }))])),
    policy,
  });
  return { feed, policy, items };
}

/** Saves a channel's stock policy; enabling sync creates the sync state of its listings. */
export async function saveChannelStockPolicy(db: Db, channelId: string, input: StockPolicyInput, actor?: string): Promise<StockPolicyView> {
  return withTx(db, async (tx) => {
    const view = await saveStockPolicy(tx, channelId, input, actor);
    if (view.sync_enabled) await ensureSyncRows(tx, view.channel_id);
    return view;
  });
}

/** Sets safety stock by SKU code/id and warehouse code/id (kits have none: their components do). */
export async function setSafetyStockFor(db: Db, input: { sku: string; warehouse_id: string; units: number }, actor?: string): Promise<SafetyStockView> {
  return withTx(db, async (tx) => {
    const sku = (await resolveSkus(tx, [input.sku])).get(input.sku);
    if (!sku) throw new AppError('not_found', 'sku_not_found', `SKU ${input.sku} was not found`, { sku: input.sku });
    if (sku.is_kit) throw new AppError('invalid', 'sku_is_kit', `${sku.sku} is a kit; set safety stock on its components`, { sku: sku.sku });
    const wh = await getWarehouse(tx, input.warehouse_id);
    return setSafetyStock(tx, { sku_id: sku.id, sku: sku.sku, warehouse_id: wh.id, units: input.units }, actor);
  });
}

/** Sets where a listing lives on its channel and pushes it again. */
export async function setListingSyncMapping(db: Db, channelId: string, listingId: string, mapping: ListingMapping, actor?: string): Promise<{ listing_id: string; channel_sku: string; mapping: ListingMapping }> {
  return withTx(db, (tx) => setListingMapping(tx, channelId, listingId, mapping, actor));
}
