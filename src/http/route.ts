import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods, RouteOptions } from 'fastify';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Principal, Role } from '../modules/auth/index.js';
import { ROLES } from '../modules/auth/index.js';
import { AppError } from '../shared/errors.js';
import { inAuditScope } from './audit.js';

export type Access = readonly Role[] | 'public';

/** Shorthands for who may call a route. */
export const ANY_ROLE: readonly Role[] = ROLES;
export const STAFF: readonly Role[] = ['admin', 'ops'];
export const ADMIN: readonly Role[] = ['admin'];

export interface RouteSchemas {
  body?: TSchema;
  querystring?: TSchema;
  params?: TSchema;
  response?: Record<number, TSchema>;
}

type In<S, K extends keyof RouteSchemas> = S extends { [P in K]: infer T extends TSchema } ? Static<T> : unknown;

export interface RouteDef<S extends RouteSchemas> {
  method: HTTPMethods;
  url: string;
  access: Access;
  summary: string;
  description?: string;
  tags: string[];
  schema: S;
  /** Content type of a non-JSON body this route accepts (e.g. text/csv). */
  consumes?: string[];
  produces?: string[];
  /** Default HTTP status for a successful response. */
  status?: number;
  handler: (
    req: FastifyRequest<{ Body: In<S, 'body'>; Querystring: In<S, 'querystring'>; Params: In<S, 'params'> }>,
    reply: FastifyReply,
  ) => Promise<unknown>;
}

/** One row of the route table: used by the docs, the auth walk test and the access checks. */
export interface RouteEntry {
  method: string;
  url: string;
  access: Access;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyInstance {
    routeTable: RouteEntry[];
  }
}

/** The caller, or a 401 if the route was reached without one (it cannot be, for non-public routes). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new AppError('unauthorized', 'unauthorized', 'Authentication required');
  return req.principal;
}

const errorResponses = (access: Access, method: string): Record<number, unknown> => {
  const r: Record<number, unknown> = {
    400: { $ref: 'Problem#', description: 'Invalid request (validation_failed, malformed_json)' },
    404: { $ref: 'Problem#', description: 'Not found (or outside the caller\'s warehouse scope)' },
    500: { $ref: 'Problem#', description: 'Internal error' },
  };
  if (access !== 'public') {
    r[401] = { $ref: 'Problem#', description: 'Missing or invalid API key' };
    r[403] = { $ref: 'Problem#', description: 'The key\'s role may not call this route' };
  }
  if (method !== 'GET') {
    r[409] = { $ref: 'Problem#', description: 'Conflict with the current state' };
    r[422] = { $ref: 'Problem#', description: 'Unprocessable (e.g. idempotency_key_reused)' };
  }
  return r;
};

/** Registers a route with its access rule, OpenAPI metadata and standard error responses. */
export function defineRoute<S extends RouteSchemas>(app: FastifyInstance, def: RouteDef<S>): void {
  const response: Record<number, unknown> = { ...errorResponses(def.access, def.method as string) };
  for (const [code, schema] of Object.entries(def.schema.response ?? {})) response[Number(code)] = schema;
  const opts: RouteOptions = {
    method: def.method,
    url: def.url,
    config: { access: def.access },
    schema: {
      summary: def.summary,
      ...(def.description ? { description: def.description } : {}),
      tags: def.tags,
      ...(def.schema.body ? { body: def.schema.body } : {}),
      ...(def.schema.querystring ? { querystring: def.schema.querystring } : {}),
      ...(def.schema.params ? { params: def.schema.params } : {}),
      response,
      ...(def.access === 'public' ? {} : { security: [{ bearerAuth: [] }] }),
      ...(def.consumes ? { consumes: def.consumes } : {}),
      ...(def.produces ? { produces: def.produces } : {}),
      ...({ 'x-roles': def.access === 'public' ? 'public' : [...def.access] } as Record<string, unknown>),
    },
    handler: async (req, reply) => {
      // An audited write's transactions carry its audit entry (src/http/audit.ts).
      const result = await inAuditScope(req, () => def.handler(req as never, reply));
      if (reply.sent) return reply;
      if (def.status) reply.code(def.status);
      return result;
    },
  };
  app.route(opts);
}
