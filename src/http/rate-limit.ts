import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { sendProblem } from './error-handler.js';

/** Requests allowed per minute; 0 turns a limit off. */
export interface RateLimitSettings {
  perKeyPerMinute: number;
  perIpPerMinute: number;
}

/** Health and metrics are polled by infrastructure; the static dashboard files cost nothing. */
const limited = (url: string): boolean => (url.startsWith('/api/') || url.startsWith('/hooks/')) && !url.startsWith('/api/health');

let calls = 0;

/**
 * One fixed one-minute window per bucket, counted in PostgreSQL with one upsert: every process behind a load
 * balancer counts the same requests (a per-process bucket would let N processes allow N times the limit).
 * A fixed window can let up to twice the limit through across a minute boundary; that is the price of one row per
 * bucket and minute instead of a token bucket's read-modify-write.
 */
async function hit(db: Db, bucket: string): Promise<{ hits: number; retryAfter: number }> {
  if (++calls % 500 === 0) {
    // Old windows are useless; clearing them now and then keeps the unlogged table small.
    void sql`DELETE FROM rate_limit_windows WHERE window_start < now() - interval '5 minutes'`.execute(db).catch(() => undefined);
  }
  const r = await sql<{ hits: number; retry: number }>`
    INSERT INTO rate_limit_windows AS w (bucket, window_start, hits) VALUES (${bucket}, date_trunc('minute', now()), 1)
    ON CONFLICT (bucket, window_start) DO UPDATE SET hits = w.hits + 1
    RETURNING hits, ceil(extract(epoch FROM (w.window_start + interval '1 minute' - now())))::int AS retry`.execute(db);
  const row = r.rows[0]!;
  return { hits: row.hits, retryAfter: Math.max(1, row.retry) };
}

async function enforce(db: Db, req: FastifyRequest, reply: FastifyReply, bucket: string, limit: number, what: string): Promise<boolean> {
  const { hits, retryAfter } = await hit(db, bucket);
  reply.header('ratelimit-limit', String(limit));
  reply.header('ratelimit-remaining', String(Math.max(0, limit - hits)));
  if (hits <= limit) return true;
  reply.header('retry-after', String(retryAfter));
  sendProblem(req, reply, 429, 'rate_limited', `Too many requests ${what}: at most ${limit} a minute; retry after ${retryAfter} s`, {
    details: { limit, retry_after_seconds: retryAfter },
  });
  return false;
}

/** Per-IP limit: before authentication, so guessing keys is throttled too. Install before `installAuth`. */
export function installIpRateLimit(app: FastifyInstance, db: Db, s: RateLimitSettings): void {
  if (s.perIpPerMinute <= 0) return;
  app.addHook('onRequest', async (req, reply) => {
    if (!limited(req.url)) return;
    if (!(await enforce(db, req, reply, `ip:${req.ip}`, s.perIpPerMinute, 'from this address'))) return reply;
  });
}

/** Per-caller limit (API key or dashboard user): after authentication. Install after `installAuth`. */
export function installKeyRateLimit(app: FastifyInstance, db: Db, s: RateLimitSettings): void {
  if (s.perKeyPerMinute <= 0) return;
  app.addHook('onRequest', async (req, reply) => {
    if (!req.principal || !limited(req.url)) return;
    if (!(await enforce(db, req, reply, `key:${req.principal.id}`, s.perKeyPerMinute, 'for this key'))) return reply;
  });
}
