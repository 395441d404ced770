import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { withTx } from '../../db/database.js';
import { createSku, getSku, listSkus, updateSku } from '../../modules/catalog/index.js';
import { createBins, getWarehouse, listBins, listWarehouses, createWarehouse } from '../../modules/warehouse/index.js';
import { createChannel, getChannel, listChannels, listListings } from '../../modules/channels/index.js';
import { assertWarehouseScope } from '../../modules/auth/index.js';
import { createListing } from '../../workflows/create-listing.js';
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
const WarehouseBody = Strict({
  code: Code,
  name: Name,
  address: Address,
  lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
  lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
  timezone: Type.String({ minLength: 1, maxLength: 64 }),
  cutoff_time: Type.Optional(Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'Daily carrier cut-off, local time HH:MM' })),
  type: Type.Optional(Type.Union([Type.Literal('own'), Type.Literal('external')])),
});
const BinBody = Strict({
  code: Code,
  zone: Type.Optional(Code),
  walk_sequence: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
  capacity_units: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
  pickable: Type.Optional(Type.Boolean()),
});
const ChannelBody = Strict({
  type: Type.Union(['shopify', 'woocommerce', 'amazon', 'flipkart', 'api', 'csv'].map((t) => Type.Literal(t))),
  name: Name,
  secret: Type.Optional(Type.String({ minLength: 8, maxLength: 500 })),
  settings: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 50 })),
});
const WhParams = Strict({ id: Type.String({ maxLength: 80 }) });

export function masterDataRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;

  defineRoute(app, {
    method: 'POST', url: '/api/v1/skus', access: STAFF, summary: 'Create a SKU or a kit', tags: ['catalog'], status: 201,
    schema: { body: SkuBody },
    handler: async (req) => withTx(db, (tx) => createSku(tx, req.body, principalOf(req).id)),
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
    method: 'POST', url: '/api/v1/channels/:id/listings', access: STAFF, summary: 'Map a channel SKU to one of our SKUs', tags: ['channels'], status: 201,
    schema: { params: Strict({ id: Type.String({ maxLength: 80 }) }), body: Strict({ channel_sku: Type.String({ minLength: 1, maxLength: 128 }), sku: Code }) },
    handler: async (req) => createListing(db, req.params.id, req.body, principalOf(req).id),
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
