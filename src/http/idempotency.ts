import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { prepared, type Db } from '../db/database.js';
import { sendProblem } from './error-handler.js';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const RETENTION_HOURS = 72;
/** How long a claim protects a request in progress; after that (a crashed process) the key may be retried. */
const LOCK_SECONDS = 60;
const WAIT_FOR_IN_PROGRESS_MS = 10_000;

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { principalId: string; key: string } | undefined;
  }
}

function requestHash(req: FastifyRequest): string {
  const h = createHash('sha256');
  h.update(req.method).update('\n').update(req.url).update('\n');
  const body = req.body;
  h.update(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body ?? null));
  return h.digest('hex');
}

interface Stored {
  request_hash: string;
  state: string;
  response_status: number | null;
  response_body: string | null;
  response_type: string | null;
  locked: boolean;
}

async function replay(reply: FastifyReply, row: Stored): Promise<FastifyReply> {
  reply.header('idempotent-replayed', 'true');
  return reply
    .code(row.response_status ?? 200)
    .type(row.response_type ?? 'application/json')
    .send(row.response_body ?? '');
}

/**
 * `Idempotency-Key` on every POST: the first request with a key runs and its response is stored;
 * the same key with the same body replays that response with no second effect; the same key with a
 * different body is a 422. A duplicate that arrives while the first is running waits for its result.
 * Keys are per caller and kept for 72 hours.
 */
export function installIdempotency(app: FastifyInstance, db: Db): void {
  app.decorateRequest('idempotency', undefined);

  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST') return;
    const key = req.headers['idempotency-key'];
    if (key === undefined) return;
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      return sendProblem(req, reply, 400, 'invalid_idempotency_key', 'Idempotency-Key must be 1–255 visible ASCII characters');
    }
    const principalId = req.principal?.id ?? 'anonymous';
    const hash = requestHash(req);
    const deadline = Date.now() + WAIT_FOR_IN_PROGRESS_MS;
    for (;;) {
      // Claim the key, or take over a claim whose process died (its lock expired).
      const claimed = await sql<{ key: string }>`${prepared('idempotency_claim')}
        INSERT INTO idempotency_keys (principal_id, key, method, path, request_hash, state, locked_until, expires_at)
        VALUES (${principalId}, ${key}, ${req.method}, ${req.url}, ${hash}, 'in_progress',
                now() + make_interval(secs => ${LOCK_SECONDS}), now() + make_interval(hours => ${RETENTION_HOURS}))
        ON CONFLICT (principal_id, key) DO UPDATE
          SET method = EXCLUDED.method, path = EXCLUDED.path, request_hash = EXCLUDED.request_hash,
              state = 'in_progress', response_status = NULL, response_body = NULL, response_type = NULL,
              locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at, created_at = now()
          WHERE idempotency_keys.state = 'in_progress' AND idempotency_keys.locked_until < now()
                AND idempotency_keys.request_hash = EXCLUDED.request_hash
           OR idempotency_keys.expires_at < now()
        RETURNING key`.execute(db);
      if (claimed.rows.length > 0) {
        req.idempotency = { principalId, key };
        return;
      }
      const row = (
        await sql<Stored>`
          SELECT request_hash, state, response_status, response_body, response_type, locked_until > now() AS locked
          FROM idempotency_keys WHERE principal_id = ${principalId} AND key = ${key}`.execute(db)
      ).rows[0];
      if (!row) continue; // expired and purged between the two statements: claim again
      if (row.request_hash !== hash) {
        return sendProblem(req, reply, 422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request');
      }
      if (row.state === 'completed') return replay(reply, row);
      if (Date.now() > deadline) {
        return sendProblem(req, reply, 409, 'idempotency_request_in_progress', 'A request with this Idempotency-Key is still being processed');
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const claim = req.idempotency;
    if (!claim) return payload;
    req.idempotency = undefined;
    const status = reply.statusCode;
    if (status >= 500 || status === 429) {
      // Nothing was done (the transaction rolled back); let the client retry with the same key.
      await db.deleteFrom('idempotency_keys').where('principal_id', '=', claim.principalId).where('key', '=', claim.key).execute();
      return payload;
    }
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : payload == null ? '' : JSON.stringify(payload);
    await sql`${prepared('idempotency_complete')}
      UPDATE idempotency_keys SET state = 'completed', response_status = ${status}, response_body = ${body}, response_type = ${String(reply.getHeader('content-type') ?? 'application/json')}
      WHERE principal_id = ${claim.principalId} AND key = ${claim.key}`.execute(db);
    return payload;
  });
}

/** Deletes idempotency records past their retention; run by the background worker. */
export async function purgeExpiredIdempotencyKeys(db: Db): Promise<number> {
  const r = await db.deleteFrom('idempotency_keys').where('expires_at', '<', new Date()).executeTakeFirst();
  return Number(r.numDeletedRows);
}
