import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { withTx } from '../../db/database.js';
import { eventCursor, listEvents, parseEventCursor } from '../../events/outbox.js';
import { ROLES, createApiKey, listApiKeys, revokeApiKey } from '../../modules/auth/index.js';
import { ADMIN, defineRoute, principalOf } from '../route.js';
import { Id, Name, Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

export function platformRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;

  defineRoute(app, {
    method: 'GET',
    url: '/api/health',
    access: 'public',
    summary: 'Liveness and database reachability',
    tags: ['platform'],
    schema: {
      response: {
        200: Type.Object({ status: Type.Literal('ok'), database: Type.Union([Type.Literal('embedded'), Type.Literal('external')]), postgres_version: Type.String(), version: Type.String() }),
      },
    },
    handler: async () => {
      await sql`select 1`.execute(db);
      return { status: 'ok', database: ctx.info.databaseKind, postgres_version: ctx.info.postgresVersion, version: ctx.info.version };
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/api/openapi.json',
    access: 'public',
    summary: 'This API as an OpenAPI 3.1 document',
    tags: ['platform'],
    schema: {},
    handler: async () => app.swagger(),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/metrics',
    access: 'public',
    summary: 'Prometheus metrics',
    tags: ['platform'],
    produces: ['text/plain'],
    schema: {},
    handler: async (_req, reply) => {
      reply.type(ctx.metrics.contentType);
      return ctx.metrics.metrics();
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/api/v1/events',
    access: ['admin', 'ops', 'integration'],
    summary: 'The event log after a position, oldest first',
    description: 'Page with `after` = the `next_after` of the previous page. Events become visible once every older transaction has finished and come in (transaction, seq) order, so paging never skips one that commits late. Within one aggregate, `version` (= seq) orders its events.',
    tags: ['events'],
    schema: {
      querystring: Strict({
        after: Type.Optional(Type.String({ pattern: '^[0-9]{1,20}-[0-9]{1,19}$', description: 'opaque position: next_after of the previous page' })),
        limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        type: Type.Optional(Type.String({ maxLength: 100, pattern: '^[a-z_]+(\\.[a-z_]+)*(\\.\\*)?$' })),
        aggregate_id: Type.Optional(Type.String({ maxLength: 100 })),
      }),
    },
    handler: async (req) => {
      const after = req.query.after === undefined ? undefined : parseEventCursor(req.query.after);
      const rows = await listEvents(db, { after, limit: req.query.limit, type: req.query.type, aggregateId: req.query.aggregate_id, warehouseIds: principalOf(req).warehouseIds });
      const data = rows.map(({ tx_id: _tx, ...e }) => ({ ...e, version: e.seq }));
      return { data, next_after: rows.length > 0 ? eventCursor(rows.at(-1)!) : (req.query.after ?? null) };
    },
  });

  const KeyBody = Strict({
    name: Name,
    role: Type.Union(ROLES.map((r) => Type.Literal(r))),
    warehouse_ids: Type.Optional(Type.Array(Id('wh'), { maxItems: 100, uniqueItems: true })),
  });

  defineRoute(app, {
    method: 'POST',
    url: '/api/v1/api-keys',
    access: ADMIN,
    summary: 'Create an API key (the token is shown once)',
    tags: ['auth'],
    status: 201,
    schema: { body: KeyBody },
    handler: async (req) => {
      const p = principalOf(req);
      return withTx(db, (tx) => createApiKey(tx, { name: req.body.name, role: req.body.role, warehouseIds: req.body.warehouse_ids, actor: p.id }));
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/api/v1/api-keys',
    access: ADMIN,
    summary: 'List API keys (never their secrets)',
    tags: ['auth'],
    schema: {},
    handler: async () => ({ data: await listApiKeys(db), next_cursor: null }),
  });

  defineRoute(app, {
    method: 'POST',
    url: '/api/v1/api-keys/:id/revoke',
    access: ADMIN,
    summary: 'Revoke an API key',
    tags: ['auth'],
    schema: { params: Strict({ id: Type.String({ maxLength: 80 }) }) },
    handler: async (req) => withTx(db, (tx) => revokeApiKey(tx, req.params.id, principalOf(req).id)),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/api/v1/me',
    access: ROLES,
    summary: 'The caller: role and warehouse scope',
    tags: ['auth'],
    schema: {},
    handler: async (req) => {
      const p = principalOf(req);
      return { id: p.id, name: p.name, role: p.role, warehouse_ids: p.warehouseIds };
    },
  });
}
