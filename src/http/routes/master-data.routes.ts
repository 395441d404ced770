import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { withTx } from '../../db/database.js';
import { createSku, getSku, listSkus, updateSku } from '../../modules/catalog/index.js';
import { createBins, getWarehouse, listBins, listWarehouses, createWarehouse, updateWarehouse } from '../../modules/warehouse/index.js';
import { rerouteWarehouse } from '../../workflows/reroute.js';
import { createChannel, getChannel, listChannels, listListings, updateChannel } from '../../modules/channels/index.js';
import { assertWarehouseScope } from '../../modules/auth/index.js';
import { createListing } from '../../workflows/create-listing.js';
import { releaseMappedHolds } from '../../workflows/release-mapped-holds.js';
import { ANY_ROLE, STAFF, ADMIN, defineRoute, principalOf } from '../route.js';
import { Address, Code, Cursor, Limit, Name, Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

const Dims = Strict({ l: Type.Integer({ minimum: 1, maximum: 100_000 }), w: Type.Integer({ minimum: 1, maximum: 100_000 }), h: Type.Integer({ minimum: 1, maximum: 100_000 }) });
const SkuBody = Strict({
  sku: Code,
  name: Name,
  gtin: Type.Optional(Type.String({ minLength: 8, maxLength: 14 })),
  weight_g: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
  dims_mm: Type.Optional(Dims),
  kit_components: Type.Optional(Type.Array(Strict({ sku: Code, qty: Type.Integer({ minimum: 1, maximum: 10_000 }) }), { minItems: 1, maxItems: 100 })),
});
const SkuPatch = Strict({
  name: Type.Optional(Name),
  gtin: Type.Optional(Type.Union([Type.String({ minLength: 8, maxLength: 14 }), Type.Null()])),
  weight_g: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 10_000_000 }), Type.Null()])),
  dims_mm: Type.Optional(Type.Union([Dims, Type.Null()])),
  active: Type.Optional(Type.Boolean()),
});
const RoutingPriority = Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Lower is preferred by the routing rule warehouse_priority (default 100); ties go by code' });
const WarehouseBody = Strict({
  code: Code,
  name: Name,
  address: Address,
  lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
  lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
  timezone: Type.String({ minLength: 1, maxLength: 64 }),
  cutoff_time: Type.Optional(Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'Daily carrier cut-off, local time HH:MM' })),
  type: Type.Optional(Type.Union([Type.Literal('own'), Type.Literal('external')])),
  routing_priority: Type.Optional(RoutingPriority),
});
const WarehousePatchBody = Strict({
  name: Type.Optional(Name),
  cutoff_time: Type.Optional(Type.Union([Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }), Type.Null()], { description: 'HH:MM local time; null removes the cut-off' })),
  routing_priority: Type.Optional(RoutingPriority),
  active: Type.Optional(Type.Boolean({ description: 'false stops routing to the warehouse and re-routes its unreleased work' })),
}, { description: 'Give at least one field' });
const BinBody = Strict({
  code: Code,
  zone: Type.Optional(Code),
  walk_sequence: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
  capacity_units: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
  pickable: Type.Optional(Type.Boolean()),
  aisle: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, description: 'aisle number, for S-shape pick paths' })),
  position: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, description: 'position along the aisle from its front end' })),
});
const ChannelBody = Strict({
  type: Type.Union(['shopify', 'woocommerce', 'amazon', 'flipkart', 'api', 'csv'].map((t) => Type.Literal(t))),
  name: Name,
  secret: Type.Optional(Type.String({ minLength: 8, maxLength: 500 })),
  settings: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 50 })),
});
const WhParams = Strict({ id: Type.String({ maxLength: 80 }) });

/**
 * After a SKU or a listing is created, orders held because a line's SKU was unknown may now resolve: release
 * them at once (up to a bound; `tandem work` sweeps the rest every minute). The new SKU or listing is committed
 * already, so a failure here is logged, not answered: the sweep retries it.
 */
async function releaseHeldLines(req: FastifyRequest, db: RouteContext['db'], channelId: string | undefined): Promise<void> {
  try {
    const r = await releaseMappedHolds(db, { channelId, actor: principalOf(req).id, maxHolds: 2_000 });
    if (r.lines_mapped > 0) req.log.info({ ...r, channel_id: channelId }, 'released holds of lines that now resolve');
    if (r.failed.length > 0) req.log.error({ failed: r.failed, channel_id: channelId }, 'some held orders could not continue; the worker will retry');
  } catch (err) {
    req.log.error({ err }, 'releasing held lines failed; the worker will retry');
  }
}

export function masterDataRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;

  defineRoute(app, {
    method: 'POST', url: '/api/v1/skus', access: STAFF, summary: 'Create a SKU or a kit', tags: ['catalog'], status: 201,
    schema: { body: SkuBody },
    handler: async (req) => {
      const created = await withTx(db, (tx) => createSku(tx, req.body, principalOf(req).id));
      await releaseHeldLines(req, db, undefined);
      return created;
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/skus', access: ANY_ROLE, summary: 'List SKUs', tags: ['catalog'],
    schema: { querystring: Strict({ limit: Limit, cursor: Type.Optional(Cursor), q: Type.Optional(Type.String({ maxLength: 100 })), active: Type.Optional(Type.Boolean()) }) },
    handler: async (req) => listSkus(db, req.query),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/skus/:sku', access: ANY_ROLE, summary: 'Get a SKU by code or id', tags: ['catalog'],
    schema: { params: Strict({ sku: Type.String({ maxLength: 80 }) }) },
    handler: async (req) => getSku(db, req.params.sku),
  });
  defineRoute(app, {
    method: 'PATCH', url: '/api/v1/skus/:sku', access: STAFF, summary: 'Change a SKU\'s name, GTIN, weight, dimensions or active flag', tags: ['catalog'],
    schema: { params: Strict({ sku: Type.String({ maxLength: 80 }) }), body: SkuPatch },
    handler: async (req) => withTx(db, (tx) => updateSku(tx, req.params.sku, req.body, principalOf(req).id)),
  });

  defineRoute(app, {
    method: 'POST', url: '/api/v1/warehouses', access: ADMIN, summary: 'Create a warehouse', tags: ['warehouse'], status: 201,
    schema: { body: WarehouseBody },
    handler: async (req) => withTx(db, (tx) => createWarehouse(tx, req.body, principalOf(req).id)),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/warehouses', access: ANY_ROLE, summary: 'List the warehouses in the caller\'s scope', tags: ['warehouse'],
    schema: {},
    handler: async (req) => ({ data: await listWarehouses(db, principalOf(req).warehouseIds), next_cursor: null }),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/warehouses/:id', access: ANY_ROLE, summary: 'Get a warehouse by id or code', tags: ['warehouse'],
    schema: { params: WhParams },
    handler: async (req) => {
      const wh = await getWarehouse(db, req.params.id);
      assertWarehouseScope(principalOf(req), wh.id, 'Warehouse', req.params.id);
      return wh;
    },
  });
  defineRoute(app, {
    method: 'PATCH', url: '/api/v1/warehouses/:id', access: ADMIN, summary: 'Change a warehouse\'s name, cut-off, routing priority or active flag', tags: ['warehouse'],
    description: 'Deactivating a warehouse stops routing to it and re-routes its unreleased work (pending fulfillment orders): their reservations are released and the orders are routed again, with the reason on each order\'s timeline. Work already in a wave stays.',
    schema: { params: WhParams, body: WarehousePatchBody },
    handler: async (req) => {
      const p = principalOf(req);
      const wh = await getWarehouse(db, req.params.id);
      assertWarehouseScope(p, wh.id, 'Warehouse', req.params.id);
      const { before, after } = await withTx(db, (tx) => updateWarehouse(tx, wh.id, req.body, p.id));
      const rerouted = before.active && !after.active ? await rerouteWarehouse(db, wh.id, `warehouse ${wh.code} was disabled`, p.id) : null;
      return { ...after, rerouted };
    },
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/warehouses/:id/reroute', access: ADMIN, summary: 'Re-route the unreleased work of a warehouse', tags: ['warehouse', 'routing'],
    description: 'Releases the reservations of every pending (not yet waved) fulfillment order at the warehouse and routes those orders again. For an inactive warehouse this empties it of unreleased work; an active one may be chosen again.',
    schema: { params: WhParams, body: Type.Optional(Strict({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) })) },
    handler: async (req) => {
      const wh = await getWarehouse(db, req.params.id);
      assertWarehouseScope(principalOf(req), wh.id, 'Warehouse', req.params.id);
      return rerouteWarehouse(db, wh.id, req.body?.reason ?? `re-route requested for ${wh.code}`, principalOf(req).id);
    },
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/warehouses/:id/bins', access: STAFF, summary: 'Create one bin, or many (an array), in a warehouse', tags: ['warehouse'], status: 201,
    schema: { params: WhParams, body: Type.Union([BinBody, Type.Array(BinBody, { minItems: 1, maxItems: 5000 })]) },
    handler: async (req) => {
      const p = principalOf(req);
      const wh = await getWarehouse(db, req.params.id);
      assertWarehouseScope(p, wh.id, 'Warehouse', req.params.id);
      const many = Array.isArray(req.body);
      const bins = await withTx(db, (tx) => createBins(tx, wh.id, many ? (req.body as never[]) : [req.body as never], p.id));
      return many ? { data: bins } : bins[0];
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/warehouses/:id/bins', access: ANY_ROLE, summary: 'List a warehouse\'s bins in walk order', tags: ['warehouse'],
    schema: { params: WhParams, querystring: Strict({ zone: Type.Optional(Code) }) },
    handler: async (req) => {
      const wh = await getWarehouse(db, req.params.id);
      assertWarehouseScope(principalOf(req), wh.id, 'Warehouse', req.params.id);
      return { data: await listBins(db, wh.id, req.query.zone ? { zone: req.query.zone } : {}), next_cursor: null };
    },
  });

  defineRoute(app, {
    method: 'POST', url: '/api/v1/channels', access: ADMIN, summary: 'Create a sales channel', tags: ['channels'], status: 201,
    schema: { body: ChannelBody },
    handler: async (req) => withTx(db, (tx) => createChannel(tx, req.body as never, principalOf(req).id)),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/channels', access: STAFF, summary: 'List sales channels (secrets are never returned)', tags: ['channels'],
    schema: {},
    handler: async () => ({ data: await listChannels(db), next_cursor: null }),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/channels/:id', access: STAFF, summary: 'Get a sales channel', tags: ['channels'],
    schema: { params: Strict({ id: Type.String({ maxLength: 80 }) }) },
    handler: async (req) => getChannel(db, req.params.id),
  });
  defineRoute(app, {
    method: 'PATCH', url: '/api/v1/channels/:id', access: ADMIN, summary: 'Rename a sales channel or replace its signing secret', tags: ['channels'],
    description: 'A new `secret` (or `null` to remove it) is sealed at rest and takes effect at commit: inbound webhooks then verify against it only, so change it right after the channel (e.g. the Shopify app) starts signing with it. The secret is never returned.',
    schema: {
      params: Strict({ id: Type.String({ maxLength: 80 }) }),
      body: Strict({ name: Type.Optional(Name), secret: Type.Optional(Type.Union([Type.String({ minLength: 8, maxLength: 500 }), Type.Null()])) }),
    },
    handler: async (req) => withTx(db, (tx) => updateChannel(tx, req.params.id, req.body, principalOf(req).id)),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/channels/:id/listings', access: STAFF, summary: 'Map a channel SKU to one of our SKUs', tags: ['channels'], status: 201,
    schema: { params: Strict({ id: Type.String({ maxLength: 80 }) }), body: Strict({ channel_sku: Type.String({ minLength: 1, maxLength: 128 }), sku: Code }) },
    handler: async (req) => {
      const listing = await createListing(db, req.params.id, req.body, principalOf(req).id);
      await releaseHeldLines(req, db, req.params.id);
      return listing;
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/channels/:id/listings', access: STAFF, summary: 'List a channel\'s SKU mappings', tags: ['channels'],
    schema: { params: Strict({ id: Type.String({ maxLength: 80 }) }) },
    handler: async (req) => {
      await getChannel(db, req.params.id);
      return { data: await listListings(db, req.params.id), next_cursor: null };
    },
  });
}
