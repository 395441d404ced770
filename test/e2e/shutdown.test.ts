import { describe, expect, it } from 'vitest';
import http from 'node:http';
import { sql } from 'kysely';
import { createTestDb } from '../helpers/db.js';
import { loadConfig } from '../../src/config.js';
import { startTandem } from '../../src/main.js';

const ADMIN = 'test-admin-key-0123456789';

/**
 * Starts a POST whose body is sent in two halves, so the request is in flight until `finish` is called. `received`
 * resolves when the server has read the request's headers: it asks for `100 Continue`, which Node's server sends
 * once it dispatches the request — from then on the connection carries a request and shutdown must not drop it.
 */
function slowPost(url: string, path: string, body: object): { received: Promise<void>; finish: () => void; done: Promise<{ status: number; body: string }> } {
  const data = Buffer.from(JSON.stringify(body));
  const u = new URL(url);
  let req!: http.ClientRequest;
  let received!: Promise<void>;
  const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = http.request({ host: u.hostname, port: u.port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': data.length, authorization: `Bearer ${ADMIN}`, expect: '100-continue' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    received = new Promise<void>((ok, fail) => {
      req.once('continue', () => ok());
      req.once('error', fail);
    });
    req.on('error', reject);
  });
  req.write(data.subarray(0, 10));
  return { received, finish: () => req.end(data.subarray(10)), done };
}

/** Resolves once the server no longer accepts connections (shutdown has closed its listener). */
async function refusesConnections(url: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      await fetch(`${url}/api/health`);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the server still accepts connections after 10 s of shutdown');
}

describe('graceful shutdown', () => {
  it('finishes every in-flight request before closing the pool, and then refuses new connections', async () => {
    const db = await createTestDb(2);
    const running = await startTandem('serve', { ...loadConfig({ TANDEM_SECRET_KEY: process.env.TANDEM_SECRET_KEY }), databaseUrl: db.url, port: 0, adminKey: ADMIN, logLevel: 'silent' });
    const url = running.url!;
    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);

    const inflight = Array.from({ length: 20 }, (_, i) => slowPost(url, '/api/v1/skus', { sku: `SHUT-${i}`, name: `In flight ${i}` }));
    // Shut down only once the server holds every request (headers read, body still coming), however slow the machine.
    await Promise.all(inflight.map((r) => r.received));
    const stopped = running.shutdown('test');
    // The listener is closed while all 20 are still waiting for the rest of their bodies.
    await refusesConnections(url);
    for (const r of inflight) r.finish();
    const results = await Promise.all(inflight.map((r) => r.done));
    await stopped;

    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    const n = await sql<{ n: number }>`select count(*)::int as n from skus where sku like 'SHUT-%'`.execute(db.db);
    expect(n.rows[0]!.n).toBe(20);
    await db.close();
  });
});
