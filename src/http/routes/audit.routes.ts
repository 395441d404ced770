import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { listAudit } from '../../modules/audit/index.js';
import { ADMIN, defineRoute } from '../route.js';
import { Cursor, Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

export function auditRoutes(app: FastifyInstance, ctx: RouteContext): void {
  defineRoute(app, {
    method: 'GET', url: '/api/v1/audit', access: ADMIN, tags: ['security'],
    summary: 'The audit log of administrative changes (who, what, which object, from where, when, before/after), oldest first',
    schema: {
      querystring: Strict({
        actor: Type.Optional(Type.String({ maxLength: 100, description: 'API key or user id' })),
        object: Type.Optional(Type.String({ maxLength: 200, description: 'object id or code' })),
        object_type: Type.Optional(Type.String({ maxLength: 100 })),
        since: Type.Optional(Type.String({ format: 'date-time' })),
        until: Type.Optional(Type.String({ format: 'date-time' })),
        cursor: Type.Optional(Type.String({ ...Cursor, pattern: '^[0-9]{1,19}$' })),
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
      }),
    },
    handler: async (req) => listAudit(ctx.db, req.query),
  });
}
