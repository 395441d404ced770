import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { withTx } from '../../db/database.js';
import { loadRoutingRules, saveRoutingRules, type RoutingRule } from '../../modules/routing/index.js';
import { simulateRoutingRules, SIMULATE_MAX_ORDERS } from '../../workflows/simulate-routing.js';
import { ADMIN, STAFF, defineRoute, principalOf } from '../route.js';
import { Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

const Weight = Type.Optional(Type.Number({ minimum: 0, maximum: 1000, description: 'Weight in weighted mode (default 1)' }));
const Band = Strict({ max_km: Type.Number({ exclusiveMinimum: 0 }), transit_days: Type.Integer({ minimum: 0, maximum: 60 }), cost: Type.Number({ minimum: 0 }) });

export const RoutingRuleSchema = Type.Union([
  Strict({ rule: Type.Literal('allowed_warehouses'), warehouse_ids: Type.Array(Type.String({ maxLength: 80 }), { minItems: 1, maxItems: 500 }) }, { description: 'Only these warehouses may ship the channel\'s orders' }),
  Strict({ rule: Type.Literal('fewest_shipments'), allow_split: Type.Optional(Type.Boolean({ description: 'true: each line from its best warehouse even when one has everything' })), weight: Weight }),
  Strict({ rule: Type.Literal('meets_promise'), weight: Weight }, { description: 'Cut-off on the warehouse clock + transit days by distance band vs the promised dates' }),
  Strict({ rule: Type.Literal('nearest'), weight: Weight }, { description: 'Haversine distance to the destination postal-code centroid' }),
  Strict({
    rule: Type.Literal('lowest_cost'), weight: Weight, bands: Type.Optional(Type.Array(Band, { minItems: 1, maxItems: 20 })),
    source: Type.Optional(Type.Union([Type.Literal('bands'), Type.Literal('rate_cards')], { description: 'bands (default): estimated cost by distance band; rate_cards: the cheapest price of the lane on the active rate-card carriers for the order\'s parcel (and their transit days)' })),
  }, { description: 'Estimated shipping cost, by distance band or by rate card' }),
  Strict({ rule: Type.Literal('warehouse_priority'), weight: Weight }),
  Strict({ rule: Type.Literal('keep_reserve'), units: Type.Integer({ minimum: 1, maximum: 1_000_000 }), priorities: Type.Optional(Type.Array(Type.Union([Type.Literal('low'), Type.Literal('normal'), Type.Literal('high'), Type.Literal('urgent')]), { minItems: 1 })) }, { description: 'Leave the last N units of each SKU for other orders (optionally only for these order priorities)' }),
  Strict({ rule: Type.Literal('max_splits'), max: Type.Integer({ minimum: 0, maximum: 20 }) }),
]);

const RulesBody = Strict({
  mode: Type.Union([Type.Literal('strict'), Type.Literal('weighted')]),
  rules: Type.Array(RoutingRuleSchema, { maxItems: 30 }),
  allow_backorder: Type.Optional(Type.Boolean({ default: true })),
});
const SimulateBody = Strict({
  rules: RulesBody,
  channel_id: Type.Optional(Type.String({ maxLength: 80, description: 'Replay only this channel\'s orders' })),
  from: Type.String({ format: 'date-time', description: 'Orders created at or after' }),
  to: Type.String({ format: 'date-time', description: 'Orders created before' }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: SIMULATE_MAX_ORDERS, default: 100_000 })),
});
const ChannelQuery = Strict({ channel_id: Type.Optional(Type.String({ maxLength: 80, description: 'Omit for the default rules' })) });

/** Routing rules: an ordered, editable list per channel, with a default. */
export function routingRoutes(app: FastifyInstance, ctx: RouteContext): void {
  defineRoute(app, {
    method: 'GET', url: '/api/v1/routing/rules', access: STAFF, summary: 'Get the routing rules of a channel (or the default)', tags: ['routing'],
    description: 'Returns the channel\'s own rules, else the stored default, else the built-in default; `source` says which.',
    schema: { querystring: ChannelQuery },
    handler: async (req) => loadRoutingRules(ctx.db, req.query.channel_id ?? null),
  });
  defineRoute(app, {
    method: 'PUT', url: '/api/v1/routing/rules', access: ADMIN, summary: 'Replace the routing rules of a channel (or the default)', tags: ['routing'],
    description: 'Strict mode compares candidates rule by rule in list order; weighted mode sums weight × factor score. Applies to orders routed from now on.',
    schema: { querystring: ChannelQuery, body: RulesBody },
    handler: async (req) => withTx(ctx.db, (tx) => saveRoutingRules(tx, req.query.channel_id ?? null, { mode: req.body.mode, rules: req.body.rules as RoutingRule[], allow_backorder: req.body.allow_backorder }, principalOf(req).id)),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/routing/simulate', access: STAFF, summary: 'What-if: replay past orders under proposed rules and compare with the live rules', tags: ['routing'],
    description: 'Replays the orders created in [from, to) (optionally one channel\'s) in creation order under their live rules and under the proposed rules, each over the same stock pool (available now plus what those orders still hold), and reports shipments, splits, backorders, distance and estimated cost for both, with examples of orders that would ship differently. Changes nothing.',
    schema: { body: SimulateBody },
    handler: async (req) => simulateRoutingRules(ctx.db, {
      rules: { mode: req.body.rules.mode, rules: req.body.rules.rules as RoutingRule[], allow_backorder: req.body.rules.allow_backorder },
      channel_id: req.body.channel_id, from: new Date(req.body.from), to: new Date(req.body.to), limit: req.body.limit,
    }),
  });
}
