import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../shared/errors.js';
import type { Role } from '../../modules/auth/index.js';
import { getWarehouse } from '../../modules/warehouse/index.js';
import { CONDITIONS, DISPOSITIONS, RETURN_REASONS, RETURN_STATUSES, RETURN_TYPES, listReturns } from '../../modules/returns/index.js';
import { cancelReturn, closeReturn, createCustomerReturn, getReturnFor, inspectReturn, receiveReturn } from '../../workflows/returns.js';
import { exchangeReturn } from '../../workflows/returns-exchange.js';
import { createRtoReturn } from '../../workflows/returns-rto.js';
import { ANY_ROLE, STAFF, defineRoute, principalOf } from '../route.js';
import { Cursor, Limit, Qty, Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

/** Receiving returned parcels is dock work: pickers and packers scan them in. */
const DOCK: readonly Role[] = ['admin', 'ops', 'picker', 'packer'];

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Ref = Type.String({ minLength: 1, maxLength: 80 });
const LineId = Type.String({ minLength: 1, maxLength: 80, description: 'the order line id' });
const Amount = Type.Integer({ minimum: 0, maximum: 1e13, description: 'minor units' });
const IdParams = Strict({ id: Type.String({ maxLength: 80 }) });
const Note = Type.String({ minLength: 1, maxLength: 500 });

const CreateBody = Strict({
  type: Type.Optional(literals(RETURN_TYPES)),
  order_id: Type.Optional(Ref),
  shipment_id: Type.Optional(Ref),
  lines: Type.Optional(Type.Array(Strict({ line_id: LineId, qty: Qty, reason: literals(RETURN_REASONS) }), { minItems: 1, maxItems: 500 })),
  warehouse_id: Type.Optional(Ref),
  refund_shipping: Type.Optional(Type.Boolean({ description: 'also refund the order\'s shipping fee (once per order); default false' })),
  note: Type.Optional(Note),
}, { description: 'customer: order_id and lines; rto: shipment_id (the whole parcel comes back, no lines)' });
const ReceiveBody = Strict({ lines: Type.Array(Strict({ sku_or_barcode: Type.String({ minLength: 1, maxLength: 64 }), qty: Qty }), { minItems: 1, maxItems: 500 }) });
const InspectBody = Strict({
  lines: Type.Array(
    Strict({
      line_id: LineId,
      qty: Type.Optional(Qty),
      condition: literals(CONDITIONS),
      disposition: literals(DISPOSITIONS),
      bin: Type.Optional(Type.String({ minLength: 1, maxLength: 80, description: 'bin code or id; absent = suggested (restock) or unplaced (quarantine)' })),
      note: Type.Optional(Note),
    }),
    { minItems: 1, maxItems: 500 },
  ),
});
const ExchangeBody = Strict({
  lines: Type.Array(Strict({ line_id: LineId, sku: Type.String({ minLength: 1, maxLength: 64 }), qty: Qty, unit_price_amount: Type.Optional(Amount) }), { minItems: 1, maxItems: 100 }),
});
const CancelBody = Strict({ reason: Type.String({ minLength: 1, maxLength: 500 }) });

/** A field problem as the schema validator would report it: 400 validation_failed, nothing changes. */
const fieldError = (path: string, message: string): AppError => new AppError('invalid', 'validation_failed', `${path}: ${message}`, {}, [{ path: `body.${path}`, message }]);

export function returnRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;
  const tags = ['returns'];

  defineRoute(app, {
    method: 'POST', url: '/api/v1/returns', access: STAFF, tags, status: 201,
    summary: 'Open a return: a customer RMA for shipped units (reason per line) or the return to origin of a shipment',
    schema: { body: CreateBody },
    handler: async (req) => {
      const p = principalOf(req);
      const b = req.body;
      if ((b.type ?? 'customer') === 'rto') {
        if (!b.shipment_id) throw fieldError('shipment_id', 'required for type rto');
        if (b.lines) throw fieldError('lines', 'a return to origin takes the whole shipment; give no lines');
        return createRtoReturn(db, p, b.shipment_id, b.order_id);
      }
      if (!b.order_id) throw fieldError('order_id', 'required');
      if (!b.lines) throw fieldError('lines', 'required for a customer return');
      if (b.shipment_id) throw fieldError('shipment_id', 'only for type rto');
      return createCustomerReturn(db, p, { order_id: b.order_id, lines: b.lines, warehouse_id: b.warehouse_id, refund_shipping: b.refund_shipping, note: b.note });
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/returns', access: ANY_ROLE, tags, summary: 'Returns in the caller\'s warehouses, newest first',
    schema: {
      querystring: Strict({
        order_id: Type.Optional(Ref), status: Type.Optional(literals(RETURN_STATUSES)), type: Type.Optional(literals(RETURN_TYPES)), warehouse_id: Type.Optional(Ref),
        limit: Limit, cursor: Type.Optional(Cursor),
      }),
    },
    handler: async (req) => {
      const p = principalOf(req);
      const q = req.query;
      const wh = q.warehouse_id ? (await getWarehouse(db, q.warehouse_id)).id : undefined;
      return listReturns(db, { order_id: q.order_id, status: q.status, type: q.type, warehouse_id: wh, scope: p.warehouseIds, limit: q.limit, cursor: q.cursor });
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/returns/:id', access: ANY_ROLE, tags, summary: 'A return with its lines, inspections, refund and exchange orders',
    schema: { params: IdParams },
    handler: async (req) => getReturnFor(db, principalOf(req), req.params.id),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/returns/:id/receive', access: DOCK, tags, summary: 'Record returned units scanned at the warehouse (SKU code or GTIN); they await inspection, not yet stock',
    schema: { params: IdParams, body: ReceiveBody },
    handler: async (req) => receiveReturn(db, principalOf(req), req.params.id, req.body),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/returns/:id/inspect', access: STAFF, tags,
    summary: 'Inspect received units: condition and disposition (restock to a bin, quarantine, scrap); computes and emits the refund due',
    schema: { params: IdParams, body: InspectBody },
    handler: async (req) => inspectReturn(db, principalOf(req), req.params.id, req.body),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/returns/:id/exchange', access: STAFF, tags, status: 201,
    summary: 'Create a replacement order for returned units (captured, routed and reserved like any order); those units are not refunded',
    schema: { params: IdParams, body: ExchangeBody },
    handler: async (req) => exchangeReturn(db, principalOf(req), req.params.id, req.body),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/returns/:id/cancel', access: STAFF, tags, summary: 'Cancel a return nothing has been received for',
    schema: { params: IdParams, body: CancelBody },
    handler: async (req) => cancelReturn(db, principalOf(req), req.params.id, req.body.reason),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/returns/:id/close', access: STAFF, tags, summary: 'Close a return whose received units are all inspected',
    schema: { params: IdParams },
    handler: async (req) => closeReturn(db, principalOf(req), req.params.id),
  });
}
