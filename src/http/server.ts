import Fastify, { type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { Db } from '../db/database.js';
import { newId } from '../shared/ids.js';
import { installErrorHandler } from './error-handler.js';
import { installAuth } from './auth.js';
import { installAudit } from './audit.js';
import { installIpRateLimit, installKeyRateLimit, type RateLimitSettings } from './rate-limit.js';
import { installIdempotency } from './idempotency.js';
import { installAdmission } from './admission.js';
import { installMetrics } from './metrics.js';
import { Problem } from './schemas.js';
import { registerRoutes } from './routes/index.js';
import { installWeb } from './web.js';
import type { Access } from './route.js';
import type { TrustProxy } from '../config.js';

export interface ServerDeps {
  db: Db;
  version: string;
  databaseKind: 'embedded' | 'external';
  postgresVersion: string;
  logLevel?: string;
  bodyLimitBytes?: number;
  /** When false, request logs are off (tests, benchmarks). */
  logger?: boolean;
  /** Requests per minute per key and per IP (`TANDEM_RATE_LIMIT_*`); absent = no limits (tests, benchmarks). */
  rateLimit?: RateLimitSettings | undefined;
  /** Which proxies' `X-Forwarded-For` decides `req.ip` (rate-limit buckets, audit entries): `TANDEM_TRUST_PROXY`; default none. */
  trustProxy?: TrustProxy | undefined;
  /** Requests this process works on at once, beyond which it answers 503 `overloaded` (`TANDEM_MAX_IN_FLIGHT`); absent or 0 = no bound (tests). */
  maxInFlight?: number | undefined;
  /** The built dashboard's directory; default: the package's `web/dist` when built. */
  webRoot?: string | undefined;
}

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: coerce ? 'array' : false,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  addFormats.default(ajv);
  ajv.addSchema(Problem);
  return ajv;
}

/** Builds the HTTP server: platform plugins, auth, idempotency, metrics and every module's routes. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger === false ? false : { level: deps.logLevel ?? 'info' },
    bodyLimit: deps.bodyLimitBytes ?? 1_048_576,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : newId('req');
    },
    requestIdHeader: false,
    return503OnClosing: true,
    trustProxy: deps.trustProxy ?? false,
    forceCloseConnections: 'idle',
    ajv: { customOptions: {} },
  });

  // Bodies are validated strictly (no coercion, unknown fields rejected); query strings and params are coerced.
  const strict = makeAjv(false);
  const coercing = makeAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));

  app.addSchema(Problem);
  app.decorate('routeTable', []);
  // Every route lands in the route table (the auth walk test reads it); the docs UI's own routes are public.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs')) route.config = { ...(route.config ?? {}), access: 'public' };
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      app.routeTable.push({ method: String(method), url: route.url, access: (route.config as { access?: Access } | undefined)?.access ?? [] });
    }
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  // While shutting down, close each connection after its response instead of leaving it idle until keep-alive expires.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tandem API',
        version: deps.version,
        description: 'Order management and warehouse management in one system. Errors are RFC 9457 problem+json with a stable `code`.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'API key' } } },
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  installErrorHandler(app);
  // First of the request hooks that do work: an overloaded process refuses before auth, rate limits or the database.
  installAdmission(app, deps.maxInFlight ?? 0);
  if (deps.rateLimit) installIpRateLimit(app, deps.db, deps.rateLimit);
  installAuth(app, deps.db);
  if (deps.rateLimit) installKeyRateLimit(app, deps.db, deps.rateLimit);
  installIdempotency(app, deps.db);
  installAudit(app, deps.db);
  const registry = installMetrics(app);

  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  registerRoutes(app, { db: deps.db, metrics: registry, info: deps });
  await installWeb(app, deps, deps.webRoot);
  return app;
}
