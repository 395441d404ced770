import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { withTx } from '../../db/database.js';
import { ROLES, checkCredentials, createUser, csrfMatches, csrfTokenFor, endSession, listUsers, openSession, resolveSession, updateUser, type Role } from '../../modules/auth/index.js';
import { sendProblem } from '../error-handler.js';
import { ADMIN, ANY_ROLE, defineRoute, principalOf } from '../route.js';
import { Strict } from '../schemas.js';
import { CSRF_HEADER, clearSessionCookie, readSessionCookie, sameOrigin, setSessionCookie } from '../session-cookie.js';
import type { RouteContext } from './context.js';

const Email = Type.String({ minLength: 3, maxLength: 200 });
const Password = Type.String({ minLength: 1, maxLength: 1024 });
const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
const WarehouseIds = Type.Union([Type.Array(Type.String({ minLength: 1, maxLength: 80 }), { maxItems: 100 }), Type.Null()]);
const UserOut = Type.Object({
  id: Type.String(), email: Type.String(), name: Type.String(), role: Type.String(), warehouse_ids: Type.Union([Type.Array(Type.String()), Type.Null()]),
});
const SessionOut = Type.Object({
  user: UserOut,
  via: Type.Union([Type.Literal('session'), Type.Literal('api_key')]),
  csrf_token: Type.Union([Type.String(), Type.Null()]),
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const INVALID = 'The e-mail or password is not right';

/** Sign-in, the current session, sign-out, and the admin's management of dashboard users. */
export function sessionRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;
  const tags = ['session'];

  defineRoute(app, {
    method: 'POST', url: '/api/v1/session', access: 'public', tags, summary: 'Sign in with e-mail and password: sets the session cookie, returns the CSRF token',
    description: 'Failures answer 401 `invalid_credentials` whichever part was wrong; repeated failures per e-mail or client address answer 429 `too_many_attempts` with Retry-After.',
    schema: { body: Strict({ email: Email, password: Password }), response: { 200: SessionOut } },
    handler: async (req, reply) => {
      if (!sameOrigin(req)) return sendProblem(req, reply, 403, 'csrf_failed', 'Sign in from this site');
      const check = await checkCredentials(db, { email: req.body.email, password: req.body.password, ip: req.ip });
      if (!check.ok && check.reason === 'throttled') {
        reply.header('retry-after', String(check.retryAfterSeconds));
        return sendProblem(req, reply, 429, 'too_many_attempts', `Too many failed sign-ins; try again in ${check.retryAfterSeconds} s`, { details: { retry_after_seconds: check.retryAfterSeconds } });
      }
      if (!check.ok) return sendProblem(req, reply, 401, 'invalid_credentials', INVALID);
      const ua = req.headers['user-agent'];
      const s = await withTx(db, (tx) => openSession(tx, check, { ip: req.ip, userAgent: typeof ua === 'string' ? ua : undefined }));
      setSessionCookie(req, reply, s.token, s.expiresAt);
      reply.header('cache-control', 'no-store');
      return { user: s.user, via: 'session', csrf_token: s.csrfToken, expires_at: s.expiresAt.toISOString() };
    },
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/session', access: ANY_ROLE, tags, summary: 'Who is calling: the signed-in user (with the CSRF token for writes) or the API key',
    schema: { response: { 200: SessionOut } },
    handler: async (req, reply) => {
      const p = principalOf(req);
      reply.header('cache-control', 'no-store');
      const token = req.headers.authorization === undefined ? readSessionCookie(req) : undefined;
      const session = token ? await resolveSession(db, token) : undefined;
      if (token && session) {
        return { user: { ...session.user, role: p.role, warehouse_ids: p.warehouseIds }, via: 'session', csrf_token: csrfTokenFor(token), expires_at: session.idleExpiresAt.toISOString() };
      }
      return { user: { id: p.id, email: '', name: p.name, role: p.role, warehouse_ids: p.warehouseIds }, via: 'api_key', csrf_token: null, expires_at: null };
    },
  });

  defineRoute(app, {
    method: 'DELETE', url: '/api/v1/session', access: 'public', tags, summary: 'Sign out: ends the session in the database and clears the cookie',
    description: 'Needs the CSRF token when the session is still open; answers 204 whether or not one was open.',
    schema: {},
    status: 204,
    handler: async (req, reply) => {
      const token = readSessionCookie(req);
      if (token && (await resolveSession(db, token))) {
        const csrf = req.headers[CSRF_HEADER];
        if (!sameOrigin(req) || !csrfMatches(token, typeof csrf === 'string' ? csrf : undefined)) {
          return sendProblem(req, reply, 403, 'csrf_failed', `Signing out needs the session's CSRF token in the ${CSRF_HEADER} header`);
        }
        await withTx(db, (tx) => endSession(tx, token));
      }
      clearSessionCookie(req, reply);
      return reply.code(204).send();
    },
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/users', access: ADMIN, tags, summary: 'Dashboard users (never their password hashes)',
    schema: {},
    handler: async () => ({ data: await listUsers(db), next_cursor: null }),
  });

  defineRoute(app, {
    method: 'POST', url: '/api/v1/users', access: ADMIN, tags, summary: 'Create a dashboard user (password hashed with scrypt)', status: 201,
    schema: { body: Strict({ email: Email, name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), role: RoleSchema, password: Password, warehouse_ids: Type.Optional(WarehouseIds) }) },
    handler: async (req) => {
      const b = req.body;
      return withTx(db, (tx) => createUser(tx, { email: b.email, name: b.name, role: b.role as Role, password: b.password, warehouseIds: b.warehouse_ids, actor: principalOf(req).id }));
    },
  });

  defineRoute(app, {
    method: 'PATCH', url: '/api/v1/users/:id', access: ADMIN, tags, summary: 'Change a user\'s role, warehouse scope, name or password, or disable them (ends their sessions)',
    schema: {
      params: Strict({ id: Type.String({ maxLength: 80 }) }),
      body: Type.Object(
        { role: Type.Optional(RoleSchema), warehouse_ids: Type.Optional(WarehouseIds), name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), password: Type.Optional(Password), disabled: Type.Optional(Type.Boolean()) },
        { additionalProperties: false, minProperties: 1, description: 'at least one field' },
      ),
    },
    handler: async (req) => {
      const b = req.body;
      return withTx(db, (tx) => updateUser(tx, req.params.id, { role: b.role as Role | undefined, warehouseIds: b.warehouse_ids, name: b.name, password: b.password, disabled: b.disabled, actor: principalOf(req).id }));
    },
  });
}
