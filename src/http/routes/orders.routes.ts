import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { withTx } from '../../db/database.js';
import { ensureApiChannel, findApiChannel } from '../../modules/channels/index.js';
import { ORDER_STATUSES, getRules, listHeldOrders, listOrders, setRules, type OrderInput } from '../../modules/orders/index.js';
import { captureOrder } from '../../workflows/capture-order.js';
import { cancelOrder, editOrder, reallocateOrder, releaseOrderHold } from '../../workflows/order-actions.js';
import { orderView } from '../../workflows/order-view.js';
import { ORDER_CSV_COLUMNS, importOrders } from '../../workflows/import-orders.js';
import { AppError } from '../../shared/errors.js';
import { STAFF, ADMIN, defineRoute, principalOf } from '../route.js';
import type { Role } from '../../modules/auth/index.js';
import { Cursor, Limit, Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

const Amount = Type.Integer({ minimum: 0, maximum: 1e13, description: 'minor units' });
const OrderAddress = Strict({
  name: Type.Optional(Type.String({ maxLength: 200 })),
  company: Type.Optional(Type.String({ maxLength: 200 })),
  line1: Type.String({ minLength: 1, maxLength: 300 }),
  line2: Type.Optional(Type.String({ maxLength: 300 })),
  city: Type.String({ minLength: 1, maxLength: 100 }),
  state: Type.Optional(Type.String({ maxLength: 100 })),
  postal_code: Type.String({ maxLength: 20 }),
  country: Type.String({ pattern: '^[A-Z]{2}$' }),
  phone: Type.Optional(Type.String({ maxLength: 40 })),
});
const Priority = Type.Union(['low', 'normal', 'high', 'urgent'].map((p) => Type.Literal(p)));
const DateTime = Type.String({ format: 'date-time' });
const OrderBody = Strict({
  external_id: Type.String({ minLength: 1, maxLength: 128 }),
  channel_id: Type.Optional(Type.String({ maxLength: 80 })),
  number: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  placed_at: Type.Optional(DateTime),
  customer: Strict({ name: Type.String({ minLength: 1, maxLength: 200 }), email: Type.Optional(Type.String({ format: 'email', maxLength: 200 })), phone: Type.Optional(Type.String({ maxLength: 40 })) }),
  shipping_address: Type.Optional(OrderAddress),
  billing_address: Type.Optional(OrderAddress),
  payment: Strict({ method: Type.Union([Type.Literal('prepaid'), Type.Literal('cod')]) }),
  lines: Type.Array(
    Strict({
      external_line_id: Type.Optional(Type.String({ maxLength: 128 })),
      sku: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      channel_sku: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
      title: Type.Optional(Type.String({ maxLength: 300 })),
      qty: Type.Integer({ minimum: 1, maximum: 100_000 }),
      unit_price_amount: Amount,
      discount_amount: Type.Optional(Amount),
      tax_amount: Type.Optional(Amount),
      needs_shipping: Type.Optional(Type.Boolean()),
      fulfilled_externally: Type.Optional(Type.Boolean()),
    }),
    { minItems: 1, maxItems: 500 },
  ),
  shipping_amount: Type.Optional(Amount),
  discount_amount: Type.Optional(Amount),
  tax_amount: Type.Optional(Amount),
  taxes_included: Type.Optional(Type.Boolean()),
  total_amount: Type.Optional(Amount),
  priority: Type.Optional(Priority),
  shipping_method: Type.Optional(Type.String({ maxLength: 100 })),
  promised_ship_by: Type.Optional(DateTime),
  promised_deliver_by: Type.Optional(DateTime),
  promised_by: Type.Optional(DateTime),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 50 })),
});
const IdParams = Strict({ id: Type.String({ maxLength: 80 }) });
const RulesBody = Strict({
  cod_limit_amount: Type.Optional(Type.Union([Amount, Type.Null()])),
  high_value_amount: Type.Optional(Type.Union([Amount, Type.Null()])),
  blocked_phones: Type.Optional(Type.Array(Type.String({ minLength: 4, maxLength: 40 }), { maxItems: 10_000 })),
  blocked_postal_codes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 20 }), { maxItems: 10_000 })),
  duplicate_window_minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_080 })),
  express_methods: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 100 })),
  priority_tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 100 })),
  handling_hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720 })),
});
const ORDER_WRITERS = ['admin', 'ops', 'integration'] as const;

type Address = Record<string, unknown> | null;
interface ContactFields { customer: { name: string | null; email: string | null; phone: string | null }; shipping_address: unknown; billing_address: unknown }

/**
 * Customer contact data by role (OWASP API3): a picker needs none of it (region only); a packer needs the ship-to
 * for the packing slip and the label, but not the buyer's e-mail, phone or billing address; everyone else sees all.
 */
export function redactContact<T extends ContactFields>(order: T, role: Role): T {
  if (role !== 'picker' && role !== 'packer') return order;
  const ship = order.shipping_address as Address;
  const regionOf = (a: Address) => (a ? { city: a.city ?? null, state: a.state ?? null, postal_code: a.postal_code ?? null, country: a.country ?? null } : null);
  // An edit's timeline entry carries the address it set (`data.changes.shipping_address`): region only, for both roles
  // (a packer's slip needs the current ship-to, which is above, not earlier ones).
  const timeline = (order as { timeline?: unknown }).timeline;
  const redactedTimeline = Array.isArray(timeline)
    ? {
        timeline: (timeline as { data?: { changes?: { shipping_address?: Address } } }[]).map((e) => {
          const changes = e.data?.changes;
          return changes && typeof changes.shipping_address === 'object' && changes.shipping_address !== null
            ? { ...e, data: { ...e.data, changes: { ...changes, shipping_address: regionOf(changes.shipping_address) } } }
            : e;
        }),
      }
    : {};
  return {
    ...order,
    customer: { name: role === 'packer' ? order.customer.name : null, email: null, phone: null },
    shipping_address: role === 'packer' ? ship : regionOf(ship),
    billing_address: null,
    ...redactedTimeline,
  };
}

/** What the order list's `q` may match for a role: only the contact fields `redactContact` leaves that role. */
export function searchFieldsFor(role: Role): 'contact' | 'name' | 'none' {
  return role === 'picker' ? 'none' : role === 'packer' ? 'name' : 'contact';
}

export function orderRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;

  defineRoute(app, {
    method: 'POST', url: '/api/v1/orders', access: ORDER_WRITERS, summary: 'Place an order (idempotent on channel + external_id)', tags: ['orders'],
    description: '201 with the order, its status, allocation and holds; 200 with the existing order when this external_id was already captured.',
    schema: { body: OrderBody },
    handler: async (req, reply) => {
      const p = principalOf(req);
      const { channel_id, promised_by, ...rest } = req.body;
      const input: OrderInput = { ...rest, promised_deliver_by: rest.promised_deliver_by ?? promised_by } as OrderInput;
      // The API channel exists after the first order: reading it needs no transaction of its own.
      const channelId = channel_id ?? (await findApiChannel(db))?.id ?? (await withTx(db, (tx) => ensureApiChannel(tx))).id;
      // The API channel was just read (or created): capture need not read it again.
      const { order, created } = await captureOrder(db, channelId, input, p.id, { channelVerified: channel_id === undefined });
      reply.code(created ? 201 : 200);
      return orderView(db, order.id);
    },
  });

  defineRoute(app, {
    method: 'POST', url: '/api/v1/orders/import', access: STAFF, summary: 'Import orders from CSV (text/csv): one row per line, grouped by order_id', tags: ['orders'],
    description: `Columns: ${ORDER_CSV_COLUMNS.join(', ')}. Every row is checked first; with any error nothing is imported (422 with the errors by row) unless skip_invalid=true.`,
    consumes: ['text/csv'],
    schema: { querystring: Strict({ channel_id: Type.Optional(Type.String({ maxLength: 80 })), skip_invalid: Type.Optional(Type.Boolean()) }) },
    handler: async (req) => {
      if (typeof req.body !== 'string') throw new AppError('invalid', 'malformed_csv', 'Send the CSV as the body with Content-Type: text/csv');
      const report = await importOrders(db, req.body, { channelId: req.query.channel_id, skipInvalid: req.query.skip_invalid, actor: principalOf(req).id });
      if (report.aborted) {
        throw new AppError('unprocessable', 'import_has_errors', `${report.errors.length} error(s) in ${report.rows} rows: nothing was imported`, { report },
          report.errors.map((e) => ({ path: `row ${e.row}.${e.field}`, message: e.message })));
      }
      return report;
    },
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/orders', access: ['admin', 'ops', 'integration', 'picker', 'packer'], summary: 'List orders (filters, search, SLA order)', tags: ['orders'],
    schema: {
      querystring: Strict({
        limit: Limit,
        cursor: Type.Optional(Cursor),
        status: Type.Optional(Type.Array(Type.Union(ORDER_STATUSES.map((s) => Type.Literal(s))), { maxItems: 13 })),
        channel_id: Type.Optional(Type.String({ maxLength: 80 })),
        warehouse_id: Type.Optional(Type.String({ maxLength: 80 })),
        created_after: Type.Optional(DateTime),
        created_before: Type.Optional(DateTime),
        hold_reason: Type.Optional(Type.String({ maxLength: 50 })),
        q: Type.Optional(Type.String({ maxLength: 100, description: 'order number, external id or SKU; also the customer\'s name, e-mail or phone for roles that see them (packers: the name; pickers: none)' })),
        sort: Type.Optional(Type.Union([Type.Literal('created'), Type.Literal('dispatch_by')])),
      }),
    },
    handler: async (req) => {
      const p = principalOf(req);
      const page = await listOrders(db, { ...req.query, warehouse_ids: p.warehouseIds, q_fields: searchFieldsFor(p.role) });
      return { ...page, data: page.data.map((o) => redactContact(o, p.role)) };
    },
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/orders/:id', access: ['admin', 'ops', 'integration', 'picker', 'packer'],
    summary: 'An order: lines, money, holds, allocations, fulfillment orders, routing explanation, timeline', tags: ['orders'],
    schema: { params: IdParams },
    handler: async (req) => {
      const p = principalOf(req);
      return redactContact(await orderView(db, req.params.id, p), p.role);
    },
  });

  defineRoute(app, {
    method: 'POST', url: '/api/v1/orders/:id/cancel', access: ORDER_WRITERS, summary: 'Cancel an order, or some units of its lines', tags: ['orders'],
    schema: { params: IdParams, body: Strict({ reason: Type.String({ minLength: 1, maxLength: 500 }), lines: Type.Optional(Type.Array(Strict({ line_id: Type.String({ maxLength: 80 }), qty: Type.Integer({ minimum: 1, maximum: 100_000 }) }), { minItems: 1, maxItems: 500 })) }) },
    handler: async (req) => {
      const p = principalOf(req);
      await orderView(db, req.params.id, p);
      await cancelOrder(db, req.params.id, req.body, p.id);
      return orderView(db, req.params.id);
    },
  });

  defineRoute(app, {
    method: 'PATCH', url: '/api/v1/orders/:id', access: STAFF, summary: 'Edit before picking: shipping address, priority, line quantities down', tags: ['orders'],
    schema: { params: IdParams, body: Strict({ shipping_address: Type.Optional(OrderAddress), priority: Type.Optional(Priority), lines: Type.Optional(Type.Array(Strict({ line_id: Type.String({ maxLength: 80 }), qty: Type.Integer({ minimum: 0, maximum: 100_000 }) }), { minItems: 1, maxItems: 500 })) }) },
    handler: async (req) => {
      const p = principalOf(req);
      await orderView(db, req.params.id, p);
      await editOrder(db, req.params.id, req.body as never, p.id);
      return orderView(db, req.params.id);
    },
  });

  defineRoute(app, {
    method: 'POST', url: '/api/v1/orders/:id/holds/:hold_id/release', access: STAFF, summary: 'Release a hold; with none left the order is routed and reserved', tags: ['orders'],
    schema: { params: Strict({ id: Type.String({ maxLength: 80 }), hold_id: Type.String({ maxLength: 80 }) }) },
    handler: async (req) => {
      const p = principalOf(req);
      await orderView(db, req.params.id, p);
      await releaseOrderHold(db, req.params.id, req.params.hold_id, p.id);
      return orderView(db, req.params.id);
    },
  });

  defineRoute(app, {
    method: 'POST', url: '/api/v1/orders/:id/allocate', access: STAFF, summary: 'Retry routing and reservation of what is still backordered', tags: ['orders'],
    schema: { params: IdParams },
    handler: async (req) => {
      const p = principalOf(req);
      await orderView(db, req.params.id, p);
      await reallocateOrder(db, req.params.id, p.id);
      return orderView(db, req.params.id);
    },
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/holds', access: STAFF, summary: 'The holds queue: orders waiting for a decision, oldest first', tags: ['orders'],
    description: 'A caller limited to warehouses sees the held orders it could open (`GET /orders/:id`): those with a fulfillment order in its warehouses. Holds are placed before routing, so unrouted held orders appear for unscoped staff only.',
    schema: { querystring: Strict({ limit: Limit }) },
    handler: async (req) => ({ data: await listHeldOrders(db, req.query.limit, principalOf(req).warehouseIds), next_cursor: null }),
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/order-rules', access: STAFF, summary: 'Verification and priority rules (global, or ?channel_id= for a channel)', tags: ['orders'],
    schema: { querystring: Strict({ channel_id: Type.Optional(Type.String({ maxLength: 80 })) }) },
    handler: async (req) => getRules(db, req.query.channel_id ?? ''),
  });

  defineRoute(app, {
    method: 'PUT', url: '/api/v1/order-rules', access: ADMIN, summary: 'Change verification and priority rules (global, or ?channel_id= for a channel)', tags: ['orders'],
    schema: { querystring: Strict({ channel_id: Type.Optional(Type.String({ maxLength: 80 })) }), body: RulesBody },
    handler: async (req) => {
      await withTx(db, (tx) => setRules(tx, req.query.channel_id ?? null, req.body, principalOf(req).id));
      return getRules(db, req.query.channel_id ?? '');
    },
  });
}
