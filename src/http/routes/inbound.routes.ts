import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Role } from '../../modules/auth/index.js';
import { asnPutaway, cancelAsn, closeAsn, createAsn, getAsnFor, listAsnsFor, listPutawayZones, putaway, putawaySuggestions, receiveAsn, setPutawayZone } from '../../workflows/receive-asn.js';
import { cancelReplenishment, confirmReplenishment, getTaskFor, listRulesFor, listTasksFor, runReplenishmentFor, setReplenishmentRule } from '../../workflows/replenish.js';
import { STAFF, defineRoute, principalOf } from '../route.js';
import { Code, Cursor, Limit, Qty, Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

/** Floor work (receiving, putaway, replenishment moves); integrations may send and read ASNs (suppliers' EDI). */
const FLOOR: readonly Role[] = ['admin', 'ops', 'picker'];
const ASN_WRITERS: readonly Role[] = ['admin', 'ops', 'integration'];
const ASN_READERS: readonly Role[] = ['admin', 'ops', 'picker', 'integration'];

const Ref = Type.String({ minLength: 1, maxLength: 80, description: 'id or code' });
const Lot = Type.String({ minLength: 1, maxLength: 64 });
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const IdParams = Strict({ id: Type.String({ maxLength: 80 }) });
const Units = Type.Integer({ minimum: 0, maximum: 1_000_000 });
const AsnStatus = Type.Union(['open', 'receiving', 'closed', 'cancelled'].map((s) => Type.Literal(s)));
const State = Type.Union([Type.Literal('available'), Type.Literal('damaged'), Type.Literal('quarantine')]);

const AsnBody = Strict({
  warehouse_id: Ref,
  reference: Type.String({ minLength: 1, maxLength: 100, description: 'the supplier\'s ASN or PO number; unique per warehouse' }),
  supplier: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  expected_at: Type.Optional(Type.String({ format: 'date-time' })),
  over_tolerance_pct: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'over-receipt accepted per line, percent of expected (default 10)' })),
  lines: Type.Array(Strict({ sku: Code, qty: Type.Integer({ minimum: 1, maximum: 1_000_000 }), lot: Type.Optional(Lot), expires_on: Type.Optional(Day) }), { minItems: 1, maxItems: 1000 }),
});
const ReceiveBody = Strict({
  lines: Type.Array(
    Strict({
      sku_or_barcode: Type.String({ minLength: 1, maxLength: 64 }),
      qty: Units,
      damaged_qty: Type.Optional(Units),
      lot: Type.Optional(Lot),
      expires_on: Type.Optional(Day),
      bin: Type.Optional(Ref),
    }, { description: 'qty: good units; damaged_qty: damaged units besides them (received in state damaged)' }),
    { minItems: 1, maxItems: 500 },
  ),
});
const PutawayBody = Strict({ warehouse_id: Ref, sku: Ref, qty: Qty, to_bin: Ref, lot: Type.Optional(Lot), state: Type.Optional(State) });
const ZoneBody = Strict({ warehouse_id: Ref, sku: Ref, zone: Type.Union([Code, Type.Null()], { description: 'zone code, or null to clear' }) });
const RuleBody = Strict({
  warehouse_id: Ref, bin: Ref, sku: Ref,
  min_qty: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
  max_qty: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
  active: Type.Optional(Type.Boolean()),
});
const TaskStatus = Type.Union([Type.Literal('open'), Type.Literal('done'), Type.Literal('cancelled')]);

export function inboundRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;
  const tags = ['inbound'];

  // ASNs and receiving
  defineRoute(app, {
    method: 'POST', url: '/api/v1/asns', access: ASN_WRITERS, tags, status: 201, summary: 'Create an ASN (expected goods) with its lines, optional lot and expiry',
    schema: { body: AsnBody },
    handler: async (req) => createAsn(db, principalOf(req), req.body),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/asns', access: ASN_READERS, tags, summary: 'ASNs of the caller\'s warehouses, newest first; `reference` finds one by the supplier\'s ASN or PO number',
    schema: { querystring: Strict({ warehouse_id: Type.Optional(Ref), status: Type.Optional(AsnStatus), reference: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), limit: Limit, cursor: Type.Optional(Cursor) }) },
    handler: async (req) => listAsnsFor(db, principalOf(req), { ...req.query, status: req.query.status as never }),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/asns/:id', access: ASN_READERS, tags, summary: 'An ASN: lines with expected, received, damaged, over, short; and its receipts',
    schema: { params: IdParams },
    handler: async (req) => getAsnFor(db, principalOf(req), req.params.id),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/asns/:id/receive', access: FLOOR, tags, summary: 'Receive scanned units against an ASN (into a bin, or unplaced awaiting putaway); damaged units in state damaged',
    description: 'Over-receipt is accepted up to the ASN\'s tolerance (default 10 % of a line); beyond it the request is refused with 422 over_receipt_exceeds_tolerance and nothing is recorded.',
    schema: { params: IdParams, body: ReceiveBody },
    handler: async (req) => receiveAsn(db, principalOf(req), req.params.id, req.body),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/asns/:id/close', access: STAFF, tags, summary: 'Close an ASN: what never arrived is recorded as short per line',
    schema: { params: IdParams },
    handler: async (req) => closeAsn(db, principalOf(req), req.params.id),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/asns/:id/cancel', access: STAFF, tags, summary: 'Cancel an ASN nothing was received against',
    schema: { params: IdParams },
    handler: async (req) => cancelAsn(db, principalOf(req), req.params.id),
  });

  // Putaway
  defineRoute(app, {
    method: 'GET', url: '/api/v1/asns/:id/putaway', access: FLOOR, tags, summary: 'Units of the ASN\'s SKUs awaiting putaway, with suggested bins',
    schema: { params: IdParams },
    handler: async (req) => asnPutaway(db, principalOf(req), req.params.id),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/putaway-suggestions', access: FLOOR, tags, summary: 'Where to put units of a SKU: bins holding it with room, then the preferred zone\'s empty bins, then empty pickable bins',
    schema: { querystring: Strict({ warehouse_id: Ref, sku: Ref, qty: Type.Optional(Qty) }) },
    handler: async (req) => putawaySuggestions(db, principalOf(req), req.query),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/putaway', access: FLOOR, tags, status: 201, summary: 'Put received units away: unplaced → bin (refused beyond the bin\'s capacity)',
    schema: { body: PutawayBody },
    handler: async (req) => putaway(db, principalOf(req), req.body),
  });
  defineRoute(app, {
    method: 'PUT', url: '/api/v1/putaway-zones', access: STAFF, tags, summary: 'Set (or clear with zone null) a SKU\'s preferred putaway zone in a warehouse',
    schema: { body: ZoneBody },
    handler: async (req) => setPutawayZone(db, principalOf(req), req.body),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/putaway-zones', access: FLOOR, tags, summary: 'Preferred putaway zones of a warehouse',
    schema: { querystring: Strict({ warehouse_id: Ref }) },
    handler: async (req) => ({ data: await listPutawayZones(db, principalOf(req), req.query.warehouse_id), next_cursor: null }),
  });

  // Replenishment
  defineRoute(app, {
    method: 'PUT', url: '/api/v1/replenishment-rules', access: STAFF, tags, summary: 'Set the min/max of a pick-face bin × SKU (below min, a task refills it to max from reserve bins)',
    schema: { body: RuleBody },
    handler: async (req) => setReplenishmentRule(db, principalOf(req), req.body),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/replenishment-rules', access: FLOOR, tags, summary: 'Replenishment rules of a warehouse',
    schema: { querystring: Strict({ warehouse_id: Ref }) },
    handler: async (req) => ({ data: await listRulesFor(db, principalOf(req), req.query.warehouse_id), next_cursor: null }),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/replenishment/run', access: STAFF, tags, summary: 'Plan replenishment now (the background job does this every minute)',
    schema: { body: Strict({ warehouse_id: Ref }) },
    handler: async (req) => runReplenishmentFor(db, principalOf(req), req.body.warehouse_id),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/replenishment-tasks', access: FLOOR, tags, summary: 'Replenishment tasks of a warehouse, newest first',
    schema: { querystring: Strict({ warehouse_id: Ref, status: Type.Optional(TaskStatus), limit: Limit }) },
    handler: async (req) => ({ data: await listTasksFor(db, principalOf(req), req.query), next_cursor: null }),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/replenishment-tasks/:id', access: FLOOR, tags, summary: 'A replenishment task with its source bins',
    schema: { params: IdParams },
    handler: async (req) => getTaskFor(db, principalOf(req), req.params.id),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/replenishment-tasks/:id/confirm', access: FLOOR, tags, summary: 'Confirm a replenishment: the units move from the reserve bins to the pick face',
    schema: { params: IdParams, body: Strict({ qty: Type.Optional(Qty) }, { description: 'send {} to confirm every planned unit; qty: units actually moved, when fewer' }) },
    handler: async (req) => confirmReplenishment(db, principalOf(req), req.params.id, req.body),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/replenishment-tasks/:id/cancel', access: FLOOR, tags, summary: 'Cancel an open replenishment task (nothing moves)',
    schema: { params: IdParams },
    handler: async (req) => cancelReplenishment(db, principalOf(req), req.params.id),
  });
}
