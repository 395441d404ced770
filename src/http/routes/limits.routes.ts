import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { withTx } from '../../db/database.js';
import { deletePurchaseLimit, listLimitUsage, listPurchaseLimits, setPurchaseLimit } from '../../modules/limits/index.js';
import { STAFF, defineRoute, principalOf } from '../route.js';
import { Cursor, Limit, Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

const Units = Type.Integer({ minimum: 1, maximum: 1_000_000 });
const Nullable = <T extends Parameters<typeof Type.Optional>[0]>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));
const DateTime = Type.String({ format: 'date-time' });
const LimitBody = Strict({
  sku: Type.String({ minLength: 1, maxLength: 64, description: 'Our SKU code' }),
  channel_id: Nullable(Type.String({ minLength: 1, maxLength: 80, description: 'Only orders of this channel; null or absent: every channel' })),
  max_units_per_order: Nullable(Units),
  max_units_per_customer: Nullable(Units),
  window_hours: Nullable(Type.Integer({ minimum: 1, maximum: 8784, description: 'Per-customer window length; null: the whole active period is one window (a sale)' })),
  active_from: Nullable(DateTime),
  active_until: Nullable(DateTime),
  action: Type.Union([Type.Literal('reject'), Type.Literal('hold')], { description: 'reject: API orders get 422 purchase_limit_exceeded; hold: captured and held (channel orders are always held)' }),
  note: Nullable(Type.String({ maxLength: 500 })),
});
const IdParams = Strict({ id: Type.String({ maxLength: 80 }) });

/** Purchase limits (OWASP API6): per-SKU caps per order and per customer for hot items. */
export function limitsRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;
  const tags = ['purchase-limits'];

  defineRoute(app, {
    method: 'PUT', url: '/api/v1/purchase-limits', access: STAFF, tags, summary: 'Set the purchase limit of a SKU (for one channel or all); replaces the limit of that SKU × channel',
    description: 'At least one of max_units_per_order and max_units_per_customer. Counters of an existing limit are kept. See docs/purchase-limits.md.',
    schema: { body: LimitBody },
    handler: async (req) => withTx(db, (tx) => setPurchaseLimit(tx, req.body, principalOf(req).id)),
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/purchase-limits', access: [...STAFF, 'integration'], tags, summary: 'List purchase limits (filter by SKU code and channel; channel_id=all for the every-channel ones)',
    schema: { querystring: Strict({ sku: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), channel_id: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })), cursor: Type.Optional(Cursor), limit: Limit }) },
    handler: async (req) => listPurchaseLimits(db, req.query),
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/purchase-limits/:id/usage', access: STAFF, tags, summary: 'What customers bought under a limit: units per customer key and window, the most first',
    schema: { params: IdParams, querystring: Strict({ limit: Limit }) },
    handler: async (req) => ({ data: await listLimitUsage(db, req.params.id, req.query), next_cursor: null }),
  });

  defineRoute(app, {
    method: 'DELETE', url: '/api/v1/purchase-limits/:id', access: STAFF, tags, summary: 'Delete a purchase limit and its counters (orders it held stay held)',
    schema: { params: IdParams },
    handler: async (req, reply) => {
      await withTx(db, (tx) => deletePurchaseLimit(tx, req.params.id, principalOf(req).id));
      return reply.code(204).send();
    },
  });
}
