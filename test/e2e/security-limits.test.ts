import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.js';
import { createApiKey } from '../../src/modules/auth/index.js';
import { withTx } from '../../src/db/database.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

/** OWASP API4: rate limits per key and per IP, shared by every process through PostgreSQL; page-size maxima. */
let db: TestDb;
const servers: FastifyInstance[] = [];
const urls: string[] = [];

beforeAll(async () => {
  db = await createTestDb(10);
  for (let i = 0; i < 2; i++) {
    const app = await buildServer({ db: db.db, version: 'test', databaseKind: 'external', postgresVersion: '16', logger: false, rateLimit: { perKeyPerMinute: 5, perIpPerMinute: 9 } });
    servers.push(app);
    urls.push(await app.listen({ port: 0, host: '127.0.0.1' }));
  }
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await db?.close();
});

const key = async (role: 'admin' | 'ops') => (await withTx(db.db, (tx) => createApiKey(tx, { name: `rl ${role}`, role }))).token;
const get = (i: number, path: string, token?: string) => fetch(urls[i]! + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('rate limits', () => {
  it('answers 429 problem+json with Retry-After past the per-key limit, counted across two server processes', async () => {
    await sql`DELETE FROM rate_limit_windows`.execute(db.db);
    const k = await key('ops');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await get(i % 2, '/api/v1/skus', k)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const r = await get(0, '/api/v1/skus', k);
    expect(r.status).toBe(429);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    const retry = Number(r.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(await r.json()).toMatchObject({ status: 429, code: 'rate_limited', details: { limit: 5 } });
    // Health and metrics are never limited.
    for (let i = 0; i < 12; i++) expect((await get(0, '/api/health')).status).toBe(200);
    expect((await get(1, '/metrics')).status).toBe(200);
  });

  it('limits an address before authentication, so key guessing is throttled', async () => {
    await sql`DELETE FROM rate_limit_windows`.execute(db.db);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await get(i % 2, '/api/v1/skus', `tdm_guess_${i}_000000000000000000`)).status);
    expect(statuses.slice(0, 9).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(9)).toEqual([429, 429]);
    // A valid key from the same address is refused as well while the address is over its limit.
    expect((await get(0, '/api/v1/skus', await key('admin'))).status).toBe(429);
  });
});

describe('page sizes', () => {
  it('caps `limit` on every list route at 1000 or less', async () => {
    await sql`DELETE FROM rate_limit_windows`.execute(db.db);
    const doc = (await (await get(0, '/api/openapi.json')).json()) as { paths: Record<string, unknown> };
    const limits: [string, number | undefined][] = [];
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        const p = (op.parameters ?? []).find((x: any) => x.in === 'query' && x.name === 'limit');
        if (p) limits.push([`${method.toUpperCase()} ${path}`, p.schema?.maximum]);
      }
    }
    expect(limits.length).toBeGreaterThan(10);
    expect(limits.filter(([, max]) => max === undefined || max > 1000)).toEqual([]);
  });
});
