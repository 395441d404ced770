import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { withTx } from '../../db/database.js';
import { listEvents } from '../../events/outbox.js';
import { ROLES, createApiKey, listApiKeys, revokeApiKey } from '../../modules/auth/index.js';
import { ADMIN, STAFF, defineRoute, principalOf } from '../route.js';
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
    url: '/',
    access: 'public',
    summary: 'The dashboard (a placeholder until the web app lands)',
    tags: ['platform'],
    produces: ['text/html'],
    schema: {},
    handler: async (_req, reply) => {
      reply.type('text/html; charset=utf-8');
      return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Tandem</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1d2433}a{color:#2456c7}</style></head>
<body><h1>Tandem ${ctx.info.version}</h1><p>Order management and warehouse management in one system, on ${ctx.info.databaseKind} PostgreSQL ${ctx.info.postgresVersion}.</p>
<p>The operations dashboard is coming. Meanwhile: <a href="/api/docs">API docs</a> · <a href="/api/openapi.json">OpenAPI</a> · <a href="/api/health">health</a> · <a href="/metrics">metrics</a></p></body></html>`;
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
    access: STAFF,
    summary: 'The event log after a sequence number, in commit order',
    description: 'Events become visible once every older transaction has finished, so paging with `after` never skips one.',
    tags: ['events'],
    schema: {
      querystring: Strict({
        after: Type.Optional(Type.Integer({ minimum: 0 })),
        limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        type: Type.Optional(Type.String({ maxLength: 100, pattern: '^[a-z_]+(\\.[a-z_]+)*(\\.\\*)?$' })),
        aggregate_id: Type.Optional(Type.String({ maxLength: 100 })),
      }),
    },
    handler: async (req) => {
      const data = await listEvents(db, { after: req.query.after, limit: req.query.limit, type: req.query.type, aggregateId: req.query.aggregate_id });
      return { data, next_after: data.length > 0 ? data.at(-1)!.seq : (req.query.after ?? 0) };
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
