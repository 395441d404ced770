import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Role } from '../../modules/auth/index.js';
import { AppError } from '../../shared/errors.js';
import { canAccessWarehouse } from '../../modules/auth/index.js';
import { getFulfillmentOrder, listPickExceptions, listWaves, searchFulfillmentOrders } from '../../modules/fulfillment/index.js';
import { createWave, getWaveFor, pickListFor } from '../../workflows/wave-release.js';
import { claimPickTask, confirmPick, getPickTaskFor, shortPick } from '../../workflows/pick-execution.js';
import { warehouseFor } from '../../workflows/stock-commands.js';
import { STAFF, defineRoute, principalOf } from '../route.js';
import { Code, Cursor, Limit, Qty, Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

/** Pickers work tasks; the floor (and packers, for the hand-off) reads fulfillment orders. */
const PICKERS: readonly Role[] = ['admin', 'ops', 'picker'];
const FLOOR: readonly Role[] = ['admin', 'ops', 'picker', 'packer'];

const Ref = Type.String({ minLength: 1, maxLength: 80, description: 'id or code' });
const IdParams = Strict({ id: Type.String({ maxLength: 80 }) });
const Scan = Type.String({ minLength: 1, maxLength: 128 });
const FoStatus = Type.Union(['pending', 'released', 'picking', 'picked', 'packing', 'packed', 'shipped', 'cancelled'].map((s) => Type.Literal(s)));
const WaveStatus = Type.Union(['released', 'picking', 'picked', 'cancelled'].map((s) => Type.Literal(s)));
const Max = Type.Integer({ minimum: 1, maximum: 100_000 });

const WaveBody = Strict({
  warehouse_id: Ref,
  strategy: Type.Union([Type.Literal('single'), Type.Literal('batch'), Type.Literal('zone')]),
  max_orders: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
  max_lines: Type.Optional(Max),
  max_units: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
  carrier: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'matches the order\'s shipping method (prefix, any case)' })),
  zone: Type.Optional(Code),
  single_line_only: Type.Optional(Type.Boolean()),
  cutoff_before: Type.Optional(Type.String({ format: 'date-time', description: 'only orders to dispatch before this instant' })),
  orders_per_task: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'batch: orders (cart slots) per task, default 10' })),
});
const ConfirmBody = Strict({
  bin: Scan,
  sku_or_barcode: Scan,
  qty: Qty,
  line_id: Type.Optional(Type.String({ maxLength: 80 })),
}, { description: 'bin code and item (SKU code or GTIN) as scanned' });
const ShortBody = Strict({
  qty_found: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
  line_id: Type.Optional(Type.String({ maxLength: 80 })),
}, { description: 'units found at the bin for the line (the next open line when line_id is absent)' });

export function fulfillmentRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;
  const tags = ['fulfillment'];

  defineRoute(app, {
    method: 'POST', url: '/api/v1/waves', access: STAFF, tags, status: 201,
    summary: 'Release a wave: choose fulfillment orders (cut-off, priority, dispatch_by, age), allocate bins, create pick tasks in path order',
    schema: { body: WaveBody },
    handler: async (req) => createWave(db, principalOf(req), req.body),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/waves', access: PICKERS, tags, summary: 'Waves of a warehouse with progress, newest first',
    schema: { querystring: Strict({ warehouse_id: Type.Optional(Ref), status: Type.Optional(WaveStatus), limit: Limit, cursor: Type.Optional(Cursor) }) },
    handler: async (req) => {
      const p = principalOf(req);
      const wh = req.query.warehouse_id ? await warehouseFor(db, p, req.query.warehouse_id) : undefined;
      return listWaves(db, { scope: p.warehouseIds, warehouse_id: wh, status: req.query.status, limit: req.query.limit, cursor: req.query.cursor });
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/waves/:id', access: PICKERS, tags, summary: 'A wave: its tasks (path length), progress and the lines it could not release',
    schema: { params: IdParams },
    handler: async (req) => getWaveFor(db, principalOf(req), req.params.id),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/waves/:id/picklist.pdf', access: PICKERS, tags, produces: ['application/pdf'],
    summary: 'Pick list (PDF): per task, lines in walking order with Code 128 barcodes of bin and SKU',
    schema: { params: IdParams },
    handler: async (req, reply) => {
      const pdf = await pickListFor(db, principalOf(req), req.params.id);
      reply.header('content-type', 'application/pdf').header('content-disposition', `inline; filename="picklist-${req.params.id}.pdf"`);
      return pdf;
    },
  });

  defineRoute(app, {
    method: 'POST', url: '/api/v1/pick-tasks/claim', access: PICKERS, tags,
    summary: 'Claim the next pick task of a warehouse (or the one already held); never two pickers on one task',
    schema: { body: Strict({ warehouse_id: Ref }) },
    handler: async (req) => {
      const p = principalOf(req);
      return claimPickTask(db, p, await warehouseFor(db, p, req.body.warehouse_id));
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/pick-tasks/:id', access: PICKERS, tags, summary: 'A pick task: the next line first, then the rest in path order',
    schema: { params: IdParams },
    handler: async (req) => getPickTaskFor(db, principalOf(req), req.params.id),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/pick-tasks/:id/confirm', access: PICKERS, tags,
    summary: 'Confirm a pick by scanning bin and item (SKU or GTIN) and quantity; 422 wrong_bin / wrong_item / over_pick',
    schema: { params: IdParams, body: ConfirmBody },
    handler: async (req) => confirmPick(db, principalOf(req), req.params.id, req.body),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/pick-tasks/:id/short', access: PICKERS, tags,
    summary: 'Report a short pick: found units are picked, missing ones adjusted out (lost), re-allocated here or re-routed',
    schema: { params: IdParams, body: ShortBody },
    handler: async (req) => shortPick(db, principalOf(req), req.params.id, req.body),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/pick-exceptions', access: STAFF, tags, summary: 'Short picks for the supervisor, newest first',
    schema: { querystring: Strict({ warehouse_id: Type.Optional(Ref), limit: Limit, cursor: Type.Optional(Cursor) }) },
    handler: async (req) => {
      const p = principalOf(req);
      const wh = req.query.warehouse_id ? await warehouseFor(db, p, req.query.warehouse_id) : undefined;
      const rows = await listPickExceptions(db, { warehouse_ids: wh ? [wh] : p.warehouseIds, limit: req.query.limit + 1, before: req.query.cursor });
      const page = rows.slice(0, req.query.limit);
      return { data: page, next_cursor: rows.length > req.query.limit ? page.at(-1)!.id : null };
    },
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/fulfillment-orders', access: FLOOR, tags, summary: 'Fulfillment orders by warehouse, status, wave or order (lines and picked units)',
    schema: { querystring: Strict({ warehouse_id: Type.Optional(Ref), status: Type.Optional(FoStatus), wave_id: Type.Optional(Type.String({ maxLength: 80 })), order_id: Type.Optional(Type.String({ maxLength: 80 })), limit: Limit, cursor: Type.Optional(Cursor) }) },
    handler: async (req) => {
      const p = principalOf(req);
      const q = req.query;
      const wh = q.warehouse_id ? await warehouseFor(db, p, q.warehouse_id) : undefined;
      return searchFulfillmentOrders(db, { scope: p.warehouseIds, warehouse_id: wh, status: q.status as never, wave_id: q.wave_id, order_id: q.order_id, limit: q.limit, cursor: q.cursor });
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/fulfillment-orders/:id', access: FLOOR, tags, summary: 'A fulfillment order: lines, status, wave and picked units',
    schema: { params: IdParams },
    handler: async (req) => {
      const fo = await getFulfillmentOrder(db, req.params.id);
      if (!canAccessWarehouse(principalOf(req), fo.warehouse_id)) throw new AppError('not_found', 'fulfillment_order_not_found', `Fulfillment order ${req.params.id} was not found`, { fulfillment_order_id: req.params.id });
      return fo;
    },
  });
}
