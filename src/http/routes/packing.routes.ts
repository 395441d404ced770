import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Role } from '../../modules/auth/index.js';
import { listPackages } from '../../modules/fulfillment/index.js';
import { canAccessWarehouse } from '../../modules/auth/index.js';
import { cancelPackageFor, packFulfillmentOrder, packStatus, packageFor, packingSlipFor, scanForPacking } from '../../workflows/pack-order.js';
import { AppError } from '../../shared/errors.js';
import { ANY_ROLE, defineRoute, principalOf } from '../route.js';
import { Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

/** Packing is the packer's work, and ops' and admins'. */
const PACKERS: readonly Role[] = ['admin', 'ops', 'packer'];

const IdParams = Strict({ id: Type.String({ maxLength: 80 }) });
const Barcode = Type.String({ minLength: 1, maxLength: 128, description: 'SKU code or GTIN as scanned' });
const CartonCode = Type.String({ minLength: 1, maxLength: 80, description: 'carton code (or id) from the warehouse catalog' });
const Grams = Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'grams, from the scale' });

const ScanBody = Strict({ barcode: Barcode, qty: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'units in this scan (default 1)' })) });
const PackBody = Strict({
  scans: Type.Optional(Type.Array(Barcode, { maxItems: 5000, description: 'units scanned offline, one barcode per unit; they count like pack-scans' })),
  carton: Type.Optional(CartonCode),
  weight_g: Type.Optional(Grams),
  packages: Type.Optional(Type.Array(Strict({
    carton: CartonCode,
    weight_g: Type.Optional(Grams),
    items: Type.Optional(Type.Array(Strict({ sku: Barcode, qty: Type.Integer({ minimum: 1, maximum: 100_000 }) }), { minItems: 1, maxItems: 500, description: 'absent in at most one package: it takes the rest' })),
  }), { minItems: 1, maxItems: 100 })),
}, { description: 'Neither carton nor packages: cartons are chosen automatically from the SKUs\' dimensions. Without weight_g the weight is computed (items + tare) and flagged estimated.' });
const CancelBody = Strict({ reason: Type.String({ minLength: 1, maxLength: 500 }) });

export function packingRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;
  const tags = ['packing'];

  defineRoute(app, {
    method: 'POST', url: '/api/v1/fulfillment-orders/:id/pack-scans', access: PACKERS, tags, status: 201,
    summary: 'Scan an item at the pack station (SKU code or GTIN); wrong item or over-scan → 422 and nothing recorded',
    description: 'The first scan opens the pack session (fulfillment order picked → packing). The response shows scanned vs expected per SKU.',
    schema: { params: IdParams, body: ScanBody },
    handler: async (req) => scanForPacking(db, principalOf(req), req.params.id, req.body),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/fulfillment-orders/:id/pack', access: PACKERS, tags, summary: 'Pack session of a fulfillment order: scanned vs expected per SKU, and its packages',
    schema: { params: IdParams },
    handler: async (req) => packStatus(db, principalOf(req), req.params.id),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/fulfillment-orders/:id/pack', access: PACKERS, tags, status: 201,
    summary: 'Close packing: every unit scanned, carton(s) given or chosen automatically, weight recorded → package(s); fulfillment order → packed',
    schema: { params: IdParams, body: PackBody },
    handler: async (req) => packFulfillmentOrder(db, principalOf(req), req.params.id, req.body),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/fulfillment-orders/:id/packing-slip.pdf', access: PACKERS, tags, produces: ['application/pdf'],
    summary: 'Packing slip (PDF): order number with Code 128 barcode, ship-to, lines with SKU, name and quantity',
    schema: { params: IdParams },
    handler: async (req, reply) => {
      const pdf = await packingSlipFor(db, principalOf(req), req.params.id);
      reply.header('content-type', 'application/pdf').header('content-disposition', `inline; filename="packing-slip-${req.params.id}.pdf"`);
      return pdf;
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/packages', access: ANY_ROLE, tags, summary: 'Packages of a fulfillment order or an order (cancelled ones included, by status)',
    schema: { querystring: Strict({ fulfillment_order_id: Type.Optional(Type.String({ maxLength: 80 })), order_id: Type.Optional(Type.String({ maxLength: 80 })) }) },
    handler: async (req) => {
      const p = principalOf(req);
      if (req.query.fulfillment_order_id === undefined && req.query.order_id === undefined) {
        throw new AppError('invalid', 'validation_failed', 'Filter packages by fulfillment_order_id or order_id', {}, [{ path: 'querystring', message: 'fulfillment_order_id or order_id is required' }]);
      }
      const all = await listPackages(db, { fulfillment_order_id: req.query.fulfillment_order_id, order_id: req.query.order_id });
      return { data: all.filter((pkg) => canAccessWarehouse(p, pkg.warehouse_id)), next_cursor: null };
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/packages/:id', access: ANY_ROLE, tags, summary: 'A package with its items',
    schema: { params: IdParams },
    handler: async (req) => packageFor(db, principalOf(req), req.params.id),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/packages/:id/cancel', access: PACKERS, tags,
    summary: 'Cancel a packed (not shipped) package to repack it: the fulfillment order goes back to packing and its units must be scanned again',
    schema: { params: IdParams, body: CancelBody },
    handler: async (req) => cancelPackageFor(db, principalOf(req), req.params.id, req.body.reason),
  });
}
