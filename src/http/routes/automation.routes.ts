import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AUTOMATION_KINDS, listRules, listRuns, pausedWarehouses } from '../../modules/automation/index.js';
import { pauseAutomation, saveAutomationRule } from '../../workflows/automation.js';
import { STAFF, defineRoute, principalOf } from '../route.js';
import { Limit, Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

const Kind = Type.Union(AUTOMATION_KINDS.map((k) => Type.Literal(k)));
const HHMM = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });
const Minutes = Type.Integer({ minimum: 1, maximum: 10_080 });
const Settings = Strict({
  every_minutes: Type.Optional(Minutes),
  before_cutoff_minutes: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1440 }), Type.Null()])),
  strategy: Type.Optional(Type.Union([Type.Literal('single'), Type.Literal('batch'), Type.Literal('zone')])),
  max_orders: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  carrier: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_-]*$' })),
  service: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  pickup_time: Type.Optional(HHMM),
  carriers: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 })),
  hold_reasons: Type.Optional(Type.Array(Type.Union(['incomplete_address', 'undeliverable_postal_code', 'cod_over_limit', 'cod_blocked_phone', 'cod_blocked_postal_code', 'possible_duplicate', 'high_value', 'total_mismatch', 'unknown_sku', 'purchase_limit', 'manual'].map((r) => Type.Literal(r))), { maxItems: 20 })),
  older_than_minutes: Type.Optional(Minutes),
  at_risk_minutes: Type.Optional(Minutes),
  raise_to: Type.Optional(Type.Union([Type.Literal('high'), Type.Literal('urgent')])),
}, { description: 'Merged over the current settings (and the kind\'s defaults)' });
const WhParams = Strict({ id: Type.String({ maxLength: 80 }) });

export function automationRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;
  const tags = ['automation'];

  defineRoute(app, {
    method: 'GET', url: '/api/v1/automation/rules', access: STAFF, tags, summary: 'Automation rules per warehouse, with their next and last run, and which warehouses are paused',
    schema: {},
    handler: async (req) => {
      const p = principalOf(req);
      const paused = (await pausedWarehouses(db)).filter((x) => !p.warehouseIds || p.warehouseIds.includes(x.warehouse_id));
      return { data: await listRules(db, p.warehouseIds), paused };
    },
  });

  defineRoute(app, {
    method: 'PUT', url: '/api/v1/warehouses/:id/automation/:kind', access: STAFF, tags, summary: 'Creates or changes a warehouse\'s automation rule of one kind (runs next at once)',
    schema: { params: Strict({ id: Type.String({ maxLength: 80 }), kind: Kind }), body: Strict({ enabled: Type.Optional(Type.Boolean()), settings: Type.Optional(Settings) }) },
    handler: async (req) => saveAutomationRule(db, principalOf(req), req.params.id, req.params.kind, req.body),
  });

  defineRoute(app, {
    method: 'POST', url: '/api/v1/warehouses/:id/automation/pause', access: STAFF, tags, summary: 'Pauses every automation rule of the warehouse',
    schema: { params: WhParams, body: Type.Optional(Strict({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) })) },
    handler: async (req) => pauseAutomation(db, principalOf(req), req.params.id, true, req.body?.reason),
  });

  defineRoute(app, {
    method: 'POST', url: '/api/v1/warehouses/:id/automation/resume', access: STAFF, tags, summary: 'Resumes the warehouse\'s automation rules',
    schema: { params: WhParams, body: Type.Optional(Strict({})) },
    handler: async (req) => pauseAutomation(db, principalOf(req), req.params.id, false),
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/automation/runs', access: STAFF, tags, summary: 'What automation did: each run with its outcome, newest first',
    schema: { querystring: Strict({ warehouse_id: Type.Optional(Type.String({ maxLength: 80 })), kind: Type.Optional(Kind), limit: Limit }) },
    handler: async (req) => ({ data: await listRuns(db, { warehouse_ids: principalOf(req).warehouseIds, warehouse_id: req.query.warehouse_id, kind: req.query.kind, limit: req.query.limit }), next_cursor: null }),
  });
}
