import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { WebhookSettings } from '../config.js';
import { VERSION } from '../version.js';
import { envelope, retryDelayMs, signatureHeader, type OutboxEvent } from './envelope.js';
import { AllowList, resolveWebhookTarget, type ResolvedTarget, type Resolver } from './ssrf.js';
import { AppError } from '../shared/errors.js';
import { openSecret } from '../shared/secrets.js';
import { WEBHOOK_PREVIOUS_SECRET, WEBHOOK_SECRET } from './webhooks.js';

export interface DeliveryOptions {
  settings: WebhookSettings;
  /** How long a claimed delivery stays reserved for its worker; after that another worker may take it. */
  leaseMs?: number;
  batch?: number;
  concurrency?: number;
  resolver?: Resolver;
}

export interface ClaimedDelivery {
  id: string;
  claim_token: string;
  attempts: number;
  url: string;
  /** As stored: sealed (opened only to sign, in `attemptDelivery`). */
  secret: string;
  /** The secret before a rotation, while its grace period runs (sealed); null otherwise. */
  previous_secret: string | null;
  subscription_id: string;
  event: OutboxEvent;
}

export interface DeliveryOutcome {
  delivered: number;
  failed: number;
  dead: number;
}

const DEFAULT_LEASE_MS = 60_000;

/**
 * Claims due deliveries for this worker: `FOR UPDATE SKIP LOCKED` hands each row to one worker, and the claim
 * (committed at once) pushes the row's due time out by the lease. A worker that dies mid-attempt thus leaves
 * rows that fall due again on their own, and its late result is fenced off by the claim token.
 */
export async function claimDeliveries(db: Db, opts: { batch?: number; leaseMs?: number } = {}): Promise<ClaimedDelivery[]> {
  const token = randomBytes(12).toString('hex');
  const lease = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const r = await sql<Omit<ClaimedDelivery, 'event'> & Record<string, unknown>>`
    with due as (
      select d.id from webhook_deliveries d
      join webhook_subscriptions s on s.id = d.subscription_id and s.status = 'active'
      where d.status = 'pending' and d.next_attempt_at <= now()
      order by d.next_attempt_at
      limit ${opts.batch ?? 50}
      for update of d skip locked
    )
    update webhook_deliveries d
    set claim_token = ${token}, attempts = d.attempts + 1, last_attempt_at = now(),
        next_attempt_at = now() + make_interval(secs => ${lease / 1000})
    from due, webhook_subscriptions s, outbox o
    where d.id = due.id and s.id = d.subscription_id and o.id = d.event_id
    returning d.id, d.claim_token, d.attempts, s.url, s.secret, s.id as subscription_id,
              CASE WHEN s.previous_secret_expires_at > now() THEN s.previous_secret END AS previous_secret,
              o.seq, o.id as event_id, o.type, o.aggregate_type, o.aggregate_id, o.payload, o.actor, o.occurred_at, o.tx_id::text as tx_id`.execute(db);
  return r.rows.map((x) => ({
    id: x.id,
    claim_token: x.claim_token,
    attempts: x.attempts,
    url: x.url,
    secret: x.secret,
    previous_secret: x.previous_secret ?? null,
    subscription_id: x.subscription_id,
    event: {
      seq: x.seq as number,
      id: x.event_id as string,
      type: x.type as string,
      aggregate_type: x.aggregate_type as string,
      aggregate_id: x.aggregate_id as string,
      payload: x.payload,
      actor: x.actor as string | null,
      occurred_at: x.occurred_at as Date,
      tx_id: x.tx_id as string,
    },
  }));
}

interface HttpResult {
  statusCode: number | undefined;
  error: string | undefined;
}

const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 32 }), https: new https.Agent({ keepAlive: true, maxSockets: 32 }) };

/** A `lookup` that answers with the address the SSRF guard checked, whatever DNS says now. */
function pinnedLookup(target: ResolvedTarget): LookupFunction {
  return (_host, options, callback) => {
    const cb = callback as (err: Error | null, address: string | { address: string; family: number }[], family?: number) => void;
    if ((options as { all?: boolean }).all) cb(null, [{ address: target.address, family: target.family }]);
    else cb(null, target.address, target.family);
  };
}

/** One POST to the receiver; never follows redirects; resolves with the status or the error, never throws. */
function post(target: ResolvedTarget, body: string, headers: Record<string, string>, timeoutMs: number): Promise<HttpResult> {
  return new Promise((resolve) => {
    const isHttps = target.url.protocol === 'https:';
    const req = (isHttps ? https : http).request(
      target.url,
      {
        method: 'POST',
        agent: isHttps ? agents.https : agents.http,
        lookup: pinnedLookup(target),
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        res.resume(); // the receiver's body is not needed; drain it so the socket can be reused
        res.on('end', () => resolve({ statusCode: res.statusCode, error: undefined }));
        res.on('error', (err) => resolve({ statusCode: res.statusCode, error: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ statusCode: undefined, error: err.name === 'AbortError' ? `timed out after ${timeoutMs} ms` : err.message }));
    req.end(body);
  });
}

export type Result = { ok: true; statusCode: number } | { ok: false; statusCode: number | undefined; error: string };

/** Checks the target again (DNS may have changed since subscription), signs the event and sends it. */
export async function attemptDelivery(d: ClaimedDelivery, opts: DeliveryOptions): Promise<Result> {
  let target: ResolvedTarget;
  try {
    target = await resolveWebhookTarget(d.url, new AllowList(opts.settings.allowHosts), { resolver: opts.resolver, timeoutMs: opts.settings.timeoutMs });
  } catch (err) {
    return { ok: false, statusCode: undefined, error: (err as Error).message };
  }
  let secrets: string[];
  try {
    secrets = [openSecret(d.secret, `${WEBHOOK_SECRET.purpose}:${d.subscription_id}`)];
    if (d.previous_secret !== null) secrets.push(openSecret(d.previous_secret, `${WEBHOOK_PREVIOUS_SECRET.purpose}:${d.subscription_id}`));
  } catch (err) {
    // Not sent unsigned: recorded as a failed attempt and retried with backoff (the key may be fixed meanwhile).
    if (err instanceof AppError) return { ok: false, statusCode: undefined, error: `${err.code}: ${err.message}` };
    throw err;
  }
  const body = JSON.stringify(envelope(d.event));
  const headers = {
    'content-type': 'application/json',
    'user-agent': `Tandem-Webhooks/${VERSION}`,
    'tandem-signature': signatureHeader(secrets, body, Math.floor(Date.now() / 1000)),
    'tandem-event-id': d.event.id,
    'tandem-event-type': d.event.type,
    'tandem-delivery-id': d.id,
  };
  const r = await post(target, body, headers, opts.settings.timeoutMs);
  if (r.error !== undefined) return { ok: false, statusCode: r.statusCode, error: r.error };
  const status = r.statusCode ?? 0;
  if (status >= 200 && status < 300) return { ok: true, statusCode: status };
  const error = status >= 300 && status < 400 ? `redirect (HTTP ${status}) not followed` : `HTTP ${status}`;
  return { ok: false, statusCode: status, error };
}

export interface AttemptRecord {
  delivery: ClaimedDelivery;
  result: Result;
  durationMs: number;
}

export type RecordedOutcome = 'delivered' | 'failed' | 'dead' | 'stale';

/**
 * Records attempts and their consequences in one statement (one commit for a whole batch): delivered, retried
 * later (exponential backoff with jitter) or dead after the last allowed attempt. Guarded by the claim token,
 * so a worker whose lease ran out changes nothing ('stale').
 */
export async function recordAttempts(db: Db, records: AttemptRecord[], opts: DeliveryOptions): Promise<RecordedOutcome[]> {
  if (records.length === 0) return [];
  const s = opts.settings;
  const planned = records.map(({ delivery: d, result }) => ({
    status: result.ok ? 'delivered' : d.attempts >= s.maxAttempts ? 'dead' : 'pending',
    delaySeconds: result.ok ? 0 : retryDelayMs(d.attempts, s) / 1000,
    error: result.ok ? null : result.error.slice(0, 1000),
  }));
  const r = await sql<{ id: string }>`
    with r as (
      select * from unnest(${records.map((x) => x.delivery.id)}::text[], ${records.map((x) => x.delivery.claim_token)}::text[],
                           ${records.map((x) => x.delivery.attempts)}::int[], ${records.map((x) => x.result.statusCode ?? null)}::int[],
                           ${planned.map((p) => p.error)}::text[], ${records.map((x) => Math.round(x.durationMs))}::int[],
                           ${planned.map((p) => p.status)}::text[], ${planned.map((p) => p.delaySeconds)}::float8[])
        as r(id, token, attempt, status_code, error, duration_ms, status, delay)
    ), attempt as (
      insert into webhook_delivery_attempts (delivery_id, attempt, status_code, error, duration_ms)
      select id, attempt, status_code, error, duration_ms from r
      on conflict do nothing
    )
    update webhook_deliveries d set
      status = r.status,
      delivered_at = case when r.status = 'delivered' then now() end,
      next_attempt_at = case when r.status = 'pending' then now() + make_interval(secs => r.delay) else now() end,
      last_status_code = r.status_code,
      last_error = r.error,
      claim_token = null
    from r
    where d.id = r.id and d.claim_token = r.token and d.status = 'pending'
    returning d.id`.execute(db);
  const updated = new Set(r.rows.map((x) => x.id));
  return records.map((x, i) => (!updated.has(x.delivery.id) ? 'stale' : planned[i]!.status === 'pending' ? 'failed' : (planned[i]!.status as 'delivered' | 'dead')));
}

/** Records one attempt (see `recordAttempts`). */
export async function recordAttempt(db: Db, d: ClaimedDelivery, result: Result, durationMs: number, opts: DeliveryOptions): Promise<RecordedOutcome> {
  return (await recordAttempts(db, [{ delivery: d, result, durationMs }], opts))[0]!;
}

/** Claims due deliveries and sends them, several at a time. Safe to run in any number of workers at once. */
export async function deliverDue(db: Db, opts: DeliveryOptions): Promise<DeliveryOutcome> {
  const claimed = await claimDeliveries(db, { batch: opts.batch, leaseMs: opts.leaseMs ?? Math.max(DEFAULT_LEASE_MS, opts.settings.timeoutMs * 4) });
  const records: AttemptRecord[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < claimed.length) {
      const d = claimed[next++]!;
      const started = performance.now();
      const result = await attemptDelivery(d, opts);
      records.push({ delivery: d, result, durationMs: performance.now() - started });
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 16, claimed.length) }, lane));
  const outcome: DeliveryOutcome = { delivered: 0, failed: 0, dead: 0 };
  for (const o of await recordAttempts(db, records, opts)) if (o !== 'stale') outcome[o] += 1;
  return outcome;
}
