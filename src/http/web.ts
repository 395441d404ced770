import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import { Type } from '@sinclair/typebox';
import { defineRoute } from './route.js';
import { Strict } from './schemas.js';

/**
 * The dashboard's client-side sections. Each gets `/<section>`, `/<section>/:a` and `/<section>/:a/:b` answering with the app's
 * index.html (deep links and reloads work); listing them keeps `/api`, `/hooks` and `/metrics` out of reach
 * of the fallback, so an unknown API path still answers problem+json.
 */
export const WEB_SECTIONS = ['login', 'orders', 'holds', 'inventory', 'floor', 'shipping', 'settings'] as const;

/** Where the built dashboard is: `web/dist` of the package, seen from `src/http` (tsx) or `dist/src/http` (built). */
export function findWebRoot(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    const dir = path.resolve(here, up, 'web', 'dist');
    if (fs.existsSync(path.join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

function placeholder(info: { version: string; databaseKind: string; postgresVersion: string }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Tandem</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1d2433}a{color:#2456c7}</style></head>
<body><h1>Tandem ${info.version}</h1><p>Order management and warehouse management in one system, on ${info.databaseKind} PostgreSQL ${info.postgresVersion}.</p>
<p>The dashboard is not built: run <code>npm run build</code>. Meanwhile: <a href="/api/docs">API docs</a> · <a href="/api/openapi.json">OpenAPI</a> · <a href="/api/health">health</a> · <a href="/metrics">metrics</a></p></body></html>`;
}

/**
 * Serves the dashboard (a single-page app built by Vite into `web/dist`): `/` and each section's paths answer
 * with index.html (never cached, so a deploy is picked up at once), `/assets/:file` with the content-hashed files
 * (cached for a year). Without a build, `/` shows a page that says how to build it.
 */
export async function installWeb(app: FastifyInstance, info: { version: string; databaseKind: string; postgresVersion: string }, root = findWebRoot()): Promise<void> {
  if (root) await app.register(fastifyStatic, { root, serve: false, index: false });
  const index = (reply: FastifyReply): FastifyReply => {
    reply.header('cache-control', 'no-cache');
    if (!root) return reply.type('text/html; charset=utf-8').send(placeholder(info));
    return reply.sendFile('index.html', root, { cacheControl: false });
  };
  const tags = ['dashboard'];
  const page = { produces: ['text/html'], tags, access: 'public' as const, schema: {} };

  defineRoute(app, { ...page, method: 'GET', url: '/', summary: 'The dashboard (single-page app)', handler: async (_req, reply) => index(reply) });
  const Segment = Type.String({ maxLength: 200 });
  for (const section of WEB_SECTIONS) {
    defineRoute(app, { ...page, method: 'GET', url: `/${section}`, summary: `Dashboard: ${section}`, handler: async (_req, reply) => index(reply) });
    // Client-side routes one and two levels deep (`/orders/ord_…`, `/floor/pick/wave_…`): parameters, not a
    // wildcard, so each route is documented and nothing else can fall into the fallback.
    defineRoute(app, { ...page, method: 'GET', url: `/${section}/:a`, summary: `Dashboard: ${section} (client-side route)`, schema: { params: Strict({ a: Segment }) }, handler: async (_req, reply) => index(reply) });
    defineRoute(app, { ...page, method: 'GET', url: `/${section}/:a/:b`, summary: `Dashboard: ${section} (client-side route)`, schema: { params: Strict({ a: Segment, b: Segment }) }, handler: async (_req, reply) => index(reply) });
  }
  defineRoute(app, {
    method: 'GET', url: '/assets/:file', access: 'public', tags, summary: 'The dashboard\'s built assets (content-hashed, immutable)',
    schema: { params: Strict({ file: Type.String({ maxLength: 200 }) }) },
    handler: async (req, reply) => {
      const file = req.params.file;
      if (!root || !/^[\w.-]+$/.test(file)) return reply.callNotFound();
      return reply.sendFile(path.join('assets', file), root, { maxAge: 31_536_000_000, immutable: true });
    },
  });
}
