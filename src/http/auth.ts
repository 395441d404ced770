import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/database.js';
import { authenticate } from '../modules/auth/index.js';
import { sendProblem } from './error-handler.js';

/**
 * Authenticates every request to a non-public route and checks the role the route allows.
 * A route without a declared access rule is refused: nothing is reachable by accident.
 */
export function installAuth(app: FastifyInstance, db: Db): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (req, reply) => {
    const access = req.routeOptions.config?.access;
    if (access === 'public') return;
    if (!req.routeOptions.url) return; // 404 handler: nothing to protect, nothing to reveal
    if (access === undefined) {
      return sendProblem(req, reply, 403, 'forbidden', 'This route declares no access rule');
    }
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      reply.header('www-authenticate', 'Bearer');
      return sendProblem(req, reply, 401, 'unauthorized', 'Send an API key as "Authorization: Bearer <key>"');
    }
    const principal = await authenticate(db, match[1]!);
    if (!principal) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      return sendProblem(req, reply, 401, 'unauthorized', 'The API key is unknown or revoked');
    }
    req.principal = principal;
    if (!access.includes(principal.role)) {
      return sendProblem(req, reply, 403, 'forbidden', `The role "${principal.role}" may not call this route`, {
        details: { role: principal.role, allowed_roles: [...access] },
      });
    }
  });
}
