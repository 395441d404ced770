import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../shared/errors.js';
import { canAccessWarehouse } from '../../modules/auth/index.js';
import { resolveSkus } from '../../modules/catalog/index.js';
import { getWarehouse } from '../../modules/warehouse/index.js';
import { getChannel, getStockPolicy, listSafetyStock, listSyncStatus, policyView, syncSummary } from '../../modules/channels/index.js';
import { channelAvailability, saveChannelStockPolicy, setListingSyncMapping, setSafetyStockFor } from '../../workflows/channel-stock-sync.js';
import { reconcileStock, registerSyncMetrics } from '../../channels/sync/index.js';
import { ADMIN, STAFF, defineRoute, principalOf } from '../route.js';
import { Code, Cursor, Limit, Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

const READERS = ['admin', 'ops', 'integration'] as const;
const ChannelParams = Strict({ id: Type.String({ maxLength: 80 }) });
const Ref = Type.String({ minLength: 1, maxLength: 80, description: 'id or code' });
const ExternalId = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._:/-]+$' });
const Url = Type.String({ minLength: 1, maxLength: 500, format: 'uri', description: 'https (plain http only to this machine)' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const PolicyBody = Strict({
  sync_enabled: Type.Optional(Type.Boolean()),
  buffer: Type.Optional(Strict({
    kind: Type.Union([Type.Literal('units'), Type.Literal('percent')]),
    value: Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'units held back, or a percentage 0–100 (the result rounded down)' }),
  })),
  max_units: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'never advertise more than this' }))),
  endpoint: Type.Optional(Nullable(Url)),
  location_id: Type.Optional(Nullable(ExternalId)),
  seller_id: Type.Optional(Nullable(ExternalId)),
  marketplace_id: Type.Optional(Nullable(Type.String({ pattern: '^[A-Z0-9]{5,20}$' }))),
  token_endpoint: Type.Optional(Nullable(Url)),
  credentials: Type.Optional(Nullable(Type.Record(Type.String({ pattern: '^[a-z_]{1,40}$' }), Type.String({ minLength: 1, maxLength: 2000 }), { maxProperties: 10, description: 'write-only' }))),
  min_interval_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000, description: 'at most one push batch per interval (Amazon createFeed: 120000)' })),
}, { description: 'Fields left out keep their value' });

const MappingBody = Strict({
  inventory_item_id: Type.Optional(ExternalId),
  product_id: Type.Optional(ExternalId),
  variation_id: Type.Optional(ExternalId),
  product_type: Type.Optional(Type.String({ pattern: '^[A-Z0-9_]{1,60}$' })),
  location_id: Type.Optional(ExternalId),
}, { description: 'Shopify: inventory_item_id (and location_id to override the channel\'s); WooCommerce: product_id (+ variation_id); Flipkart: product_id (+ location_id); Amazon: product_type (default PRODUCT)' });

export function channelSyncRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;
  const tags = ['channel sync'];
  registerSyncMetrics(ctx.metrics);

  defineRoute(app, {
    method: 'GET', url: '/api/v1/channels/:id/availability', access: READERS, tags,
    summary: 'Available-to-sell of a SKU on a channel, with the breakdown by warehouse (and by component for kits)',
    schema: { params: ChannelParams, querystring: Strict({ sku: Ref }) },
    handler: async (req) => {
      const p = principalOf(req);
      const channel = await getChannel(db, req.params.id);
      const sku = (await resolveSkus(db, [req.query.sku])).get(req.query.sku);
      if (!sku) throw new AppError('not_found', 'sku_not_found', `SKU ${req.query.sku} was not found`, { sku: req.query.sku });
      const { feed, policy, items } = await channelAvailability(db, channel.id, [sku.id]);
      const a = items[0]!;
      const codes = a.components ? await resolveSkus(db, a.components.map((c) => c.sku_id)) : new Map();
      const sync = (await listSyncStatus(db, channel.id, { sku_id: sku.id, limit: 50 })).data;
      return {
        channel_id: channel.id, sku: sku.sku, sku_id: sku.id, is_kit: a.is_kit,
        available_to_sell: a.available_to_sell, sellable: a.sellable, buffer: { ...policy.buffer, units_held: a.buffer_units }, max_units: policy.max_units, capped: a.capped,
        warehouses_source: feed.source, keep_reserve: feed.keep_reserve,
        // A warehouse-scoped key sees the figure but only its own warehouses' rows.
        warehouses: a.warehouses.filter((w) => canAccessWarehouse(p, w.warehouse_id)),
        components: a.components?.map((c) => ({ ...c, sku: codes.get(c.sku_id)?.sku ?? c.sku_id })),
        listings: sync.map((s) => ({ listing_id: s.listing_id, channel_sku: s.channel_sku, state: s.state, last_pushed: s.last_pushed, last_pushed_at: s.last_pushed_at })),
      };
    },
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/channels/:id/sync-status', access: READERS, tags,
    summary: 'Stock sync of a channel: totals, lag (p50/p99 of each listing\'s last push), and each listing\'s state and error',
    schema: { params: ChannelParams, querystring: Strict({ state: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('error')])), sku: Type.Optional(Ref), limit: Limit, cursor: Type.Optional(Cursor) }) },
    handler: async (req) => {
      const channel = await getChannel(db, req.params.id);
      const q = req.query;
      const sku = q.sku ? (await resolveSkus(db, [q.sku])).get(q.sku) : undefined;
      if (q.sku && !sku) throw new AppError('not_found', 'sku_not_found', `SKU ${q.sku} was not found`, { sku: q.sku });
      const policy = await getStockPolicy(db, channel.id);
      const page = await listSyncStatus(db, channel.id, { state: q.state, sku_id: sku?.id, limit: q.limit, cursor: q.cursor });
      return { channel_id: channel.id, sync_enabled: policy.sync_enabled, summary: await syncSummary(db, channel.id), ...page };
    },
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/channels/:id/stock-policy', access: STAFF, tags, summary: 'A channel\'s stock policy (credentials are never returned)',
    schema: { params: ChannelParams },
    handler: async (req) => policyView(await getStockPolicy(db, req.params.id)),
  });
  defineRoute(app, {
    method: 'PUT', url: '/api/v1/channels/:id/stock-policy', access: ADMIN, tags,
    summary: 'Set a channel\'s stock policy: sync on/off, buffer (units or %), cap, endpoint, location, credentials; re-pushes its listings',
    schema: { params: ChannelParams, body: PolicyBody },
    handler: async (req) => saveChannelStockPolicy(db, req.params.id, req.body, principalOf(req).id),
  });

  defineRoute(app, {
    method: 'PUT', url: '/api/v1/channels/:id/listings/:listing_id/stock-sync', access: STAFF, tags,
    summary: 'Set where a listing lives on its channel (inventory item, product, variation); clears its sync error and pushes it again',
    schema: { params: Strict({ id: Type.String({ maxLength: 80 }), listing_id: Type.String({ maxLength: 80 }) }), body: MappingBody },
    handler: async (req) => setListingSyncMapping(db, req.params.id, req.params.listing_id, req.body, principalOf(req).id),
  });

  defineRoute(app, {
    method: 'POST', url: '/api/v1/channels/:id/sync/reconcile', access: STAFF, tags,
    summary: 'Recompute every listing\'s available-to-sell now and mark drift for the next push (force: push every listing again)',
    schema: { params: ChannelParams, body: Type.Optional(Strict({ force: Type.Optional(Type.Boolean()) })) },
    handler: async (req) => {
      const channel = await getChannel(db, req.params.id);
      const policy = await getStockPolicy(db, channel.id);
      if (!policy.sync_enabled) throw new AppError('conflict', 'stock_sync_disabled', `Stock sync is not enabled on channel ${channel.id}`, { channel_id: channel.id });
      return reconcileStock(db, { channelId: channel.id, force: req.body?.force ?? false });
    },
  });

  defineRoute(app, {
    method: 'PUT', url: '/api/v1/safety-stock', access: STAFF, tags,
    summary: 'Set the safety stock of a SKU at a warehouse (units never offered to any channel; 0 removes it)',
    schema: { body: Strict({ sku: Code, warehouse_id: Ref, units: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }) }) },
    handler: async (req) => {
      const p = principalOf(req);
      const wh = await getWarehouse(db, req.body.warehouse_id);
      if (!canAccessWarehouse(p, wh.id)) throw new AppError('not_found', 'warehouse_not_found', `Warehouse ${req.body.warehouse_id} was not found`, { warehouse: req.body.warehouse_id });
      return setSafetyStockFor(db, { ...req.body, warehouse_id: wh.id }, p.id);
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/safety-stock', access: STAFF, tags, summary: 'Safety stock by SKU and warehouse',
    schema: { querystring: Strict({ sku: Type.Optional(Ref), warehouse_id: Type.Optional(Ref) }) },
    handler: async (req) => {
      const p = principalOf(req);
      const sku = req.query.sku ? (await resolveSkus(db, [req.query.sku])).get(req.query.sku) : undefined;
      if (req.query.sku && !sku) throw new AppError('not_found', 'sku_not_found', `SKU ${req.query.sku} was not found`, { sku: req.query.sku });
      const wh = req.query.warehouse_id ? await getWarehouse(db, req.query.warehouse_id) : undefined;
      const rows = await listSafetyStock(db, { sku_ids: sku ? [sku.id] : undefined, warehouse_ids: wh ? [wh.id] : undefined, limit: 1000 });
      return { data: rows.filter((r) => canAccessWarehouse(p, r.warehouse_id)), next_cursor: null };
    },
  });
}
