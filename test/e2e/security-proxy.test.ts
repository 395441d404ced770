import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.js';
import { createApiKey } from '../../src/modules/auth/index.js';
import { withTx } from '../../src/db/database.js';
import { ConfigError, trustProxySetting, type TrustProxy } from '../../src/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

/**
 * Behind a load balancer (`TANDEM_TRUST_PROXY`): the client address that rate limits count and the audit log records
 * comes from `X-Forwarded-For` only when the connection comes from a trusted proxy; otherwise the header is ignored.
 */
let db: TestDb;
let admin: string;
const servers: FastifyInstance[] = [];
const url: Record<'trusted' | 'untrusted', string> = { trusted: '', untrusted: '' };

async function start(trustProxy: TrustProxy | undefined): Promise<string> {
  const app = await buildServer({ db: db.db, version: 'test', databaseKind: 'external', postgresVersion: '16', logger: false, rateLimit: { perKeyPerMinute: 0, perIpPerMinute: 3 }, trustProxy });
  servers.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

beforeAll(async () => {
  db = await createTestDb(6);
  admin = (await withTx(db.db, (tx) => createApiKey(tx, { name: 'proxy admin', role: 'admin' }))).token;
  url.trusted = await start(trustProxySetting('127.0.0.1'));
  url.untrusted = await start(undefined);
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await db?.close();
});

const call = (which: keyof typeof url, path: string, forwardedFor?: string, init: RequestInit = {}) =>
  fetch(url[which] + path, { ...init, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}), ...(init.headers as Record<string, string> | undefined) } });
const buckets = async () => (await sql<{ bucket: string; hits: number }>`SELECT bucket, sum(hits)::int AS hits FROM rate_limit_windows GROUP BY bucket ORDER BY bucket`.execute(db.db)).rows;
/** The limits count per wall-clock minute: start a burst early in a minute so it is not split across two windows. */
async function freshWindow(): Promise<void> {
  await sql`DELETE FROM rate_limit_windows`.execute(db.db);
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 5_000) await new Promise((r) => setTimeout(r, left + 50));
}

describe('TANDEM_TRUST_PROXY', () => {
  it('parses false, true and proxy addresses or ranges, and refuses hop counts and junk', () => {
    expect(trustProxySetting(undefined)).toBe(false);
    expect(trustProxySetting('')).toBe(false);
    expect(trustProxySetting('false')).toBe(false);
    expect(trustProxySetting('TRUE')).toBe(true);
    expect(trustProxySetting('10.0.0.0/8, 127.0.0.1,::1,fd00::/8')).toEqual(['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8']);
    for (const bad of ['1', '2', '10.0.0.0/33', 'proxy.internal', '10.0.0.1/8/1']) expect(() => trustProxySetting(bad), bad).toThrow(ConfigError);
  });

  it('counts the forwarded client address per IP when the proxy is trusted, and ignores the header otherwise', async () => {
    await freshWindow();
    // Trusted proxy: each client behind it has its own bucket; one client's fourth request in the minute → 429.
    const a: number[] = [];
    for (let i = 0; i < 4; i++) a.push((await call('trusted', '/api/v1/skus', '203.0.113.7')).status);
    expect(a).toEqual([200, 200, 200, 429]);
    expect((await call('trusted', '/api/v1/skus', '203.0.113.8')).status).toBe(200);
    // The left-most address is the client when a chain of trusted hops forwarded it.
    expect((await call('trusted', '/api/v1/skus', '198.51.100.1, 127.0.0.1')).status).toBe(200);
    expect(await buckets()).toEqual([{ bucket: 'ip:198.51.100.1', hits: 1 }, { bucket: 'ip:203.0.113.7', hits: 4 }, { bucket: 'ip:203.0.113.8', hits: 1 }]);

    // Untrusted: whatever the header claims, the socket's address is counted, so rotating the header does not help.
    await freshWindow();
    const b: number[] = [];
    for (let i = 0; i < 4; i++) b.push((await call('untrusted', '/api/v1/skus', `203.0.113.${20 + i}`)).status);
    expect(b).toEqual([200, 200, 200, 429]);
    expect(await buckets()).toEqual([{ bucket: 'ip:127.0.0.1', hits: 4 }]);
  });

  it('records the forwarded client address in the audit log only behind a trusted proxy', async () => {
    await sql`DELETE FROM rate_limit_windows`.execute(db.db);
    const created: string[] = [];
    for (const which of ['trusted', 'untrusted'] as const) {
      const r = await call(which, '/api/v1/api-keys', '192.0.2.44', { method: 'POST', body: JSON.stringify({ name: `via ${which}`, role: 'packer' }) });
      expect(r.status).toBe(201);
      created.push(((await r.json()) as { id: string }).id);
    }
    const ips = await db.db.selectFrom('audit_log').select(['object_id', 'ip']).where('object_id', 'in', created).execute();
    expect(Object.fromEntries(ips.map((e) => [e.object_id, e.ip]))).toEqual({ [created[0]!]: '192.0.2.44', [created[1]!]: '127.0.0.1' });
  });
});
