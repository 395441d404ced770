import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/database.js';
import { authenticate, csrfMatches, resolveSession, type Principal } from '../modules/auth/index.js';
import { CSRF_HEADER, isSafeMethod, readSessionCookie, sameOrigin } from './session-cookie.js';
import { sendProblem } from './error-handler.js';

/**
 * Authenticates every request to a non-public route and checks the role the route allows.
 * A route without a declared access rule is refused: nothing is reachable by accident.
 * The caller is an API key (`Authorization: Bearer`) or, without that header, a dashboard session cookie; a
 * cookie-authenticated write must also pass the CSRF checks. Both become the same Principal, so every route's
 * role and warehouse-scope checks apply to both alike.
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
    const sessionToken = header === undefined ? readSessionCookie(req) : undefined;
    if (sessionToken !== undefined) {
      // The dashboard: a session cookie, with the same principal model (role, warehouse scope) as an API key.
      const session = await resolveSession(db, sessionToken);
      if (!session) return sendProblem(req, reply, 401, 'unauthorized', 'The session has ended; sign in again');
      if (!isSafeMethod(req.method) && (!sameOrigin(req) || !csrfMatches(sessionToken, headerValue(req.headers[CSRF_HEADER])))) {
        return sendProblem(req, reply, 403, 'csrf_failed', `A signed-in write needs the session's CSRF token in the ${CSRF_HEADER} header, from this site`);
      }
      req.principal = session.principal;
    } else {
      const principal = await bearerPrincipal(req, reply, db, header);
      if (!principal) return reply;
      req.principal = principal;
    }
    const principal = req.principal;
    if (!access.includes(principal.role)) {
      return sendProblem(req, reply, 403, 'forbidden', `The role "${principal.role}" may not call this route`, {
        details: { role: principal.role, allowed_roles: [...access] },
      });
    }
  });
}

const headerValue = (v: string | string[] | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

async function bearerPrincipal(req: FastifyRequest, reply: FastifyReply, db: Db, header: string | undefined): Promise<Principal | undefined> {
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) {
    reply.header('www-authenticate', 'Bearer');
    sendProblem(req, reply, 401, 'unauthorized', 'Send an API key as "Authorization: Bearer <key>", or sign in');
    return undefined;
  }
  const principal = await authenticate(db, match[1]!);
  if (!principal) {
    reply.header('www-authenticate', 'Bearer error="invalid_token"');
    sendProblem(req, reply, 401, 'unauthorized', 'The API key is unknown or revoked');
    return undefined;
  }
  return principal;
}
