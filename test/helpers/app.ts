import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildServer } from '../../src/http/server.js';
import { createApiKey, type Role } from '../../src/modules/auth/index.js';
import { withTx } from '../../src/db/database.js';
import { createTestDb, type TestDb } from './db.js';

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface TestApp {
  app: FastifyInstance;
  db: TestDb;
  url: string;
  adminKey: string;
  /** A real HTTP request to the running server (fetch over loopback). */
  call<T = any>(method: string, path: string, opts?: { body?: unknown; raw?: string; key?: string | null; headers?: Record<string, string> }): Promise<HttpResult<T>>;
  keyFor(role: Role, warehouseIds?: string[]): Promise<string>;
  close(): Promise<void>;
}

/** Starts Tandem's HTTP server on a fresh database, listening on a free loopback port. */
export async function startTestApp(opts: { poolSize?: number } = {}): Promise<TestApp> {
  const db = await createTestDb(opts.poolSize ?? 20);
  const version = (await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db.db)).rows[0]!.v;
  const app = await buildServer({ db: db.db, version: 'test', databaseKind: 'external', postgresVersion: version, logger: false });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const admin = await withTx(db.db, (tx) => createApiKey(tx, { name: 'test admin', role: 'admin' }));
  const call: TestApp['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    const key = o.key === undefined ? admin.token : o.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed as never, text };
  };
  return {
    app,
    db,
    url,
    adminKey: admin.token,
    call,
    keyFor: async (role, warehouseIds) => (await withTx(db.db, (tx) => createApiKey(tx, { name: `test ${role}`, role, warehouseIds }))).token,
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}
