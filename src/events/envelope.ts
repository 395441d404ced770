import { createHmac, timingSafeEqual } from 'node:crypto';

/** An outbox row as the dispatcher reads it: its position is (tx_id, seq). */
export interface OutboxEvent {
  seq: number;
  id: string;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: unknown;
  actor: string | null;
  occurred_at: Date;
  tx_id: string;
}

/**
 * The event as subscribers see it, on webhooks and on NATS alike. `version` is the outbox sequence number:
 * it grows with every event and, because every write to an aggregate holds that aggregate's row lock, it
 * grows in the order the aggregate's changes committed — so a consumer keeps the highest version it has
 * applied per aggregate and ignores anything older.
 */
export interface EventEnvelope {
  id: string;
  type: string;
  occurred_at: string;
  aggregate_type: string;
  aggregate_id: string;
  version: number;
  seq: number;
  actor: string | null;
  data: unknown;
}

/** The wire form of an outbox event. */
export function envelope(e: OutboxEvent): EventEnvelope {
  return {
    id: e.id,
    type: e.type,
    occurred_at: new Date(e.occurred_at).toISOString(),
    aggregate_type: e.aggregate_type,
    aggregate_id: e.aggregate_id,
    version: e.seq,
    seq: e.seq,
    actor: e.actor,
    data: e.payload,
  };
}

/** An event filter: `*` (everything), `order.*` (a family) or an exact type such as `stock.changed`. */
export const EVENT_PATTERN = '^(\\*|[a-z_]+(\\.[a-z_]+)*(\\.\\*)?)$';

/** Whether an event type matches any of a subscription's filters. */
export function matchesEventType(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

/**
 * The `Tandem-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, with one `v1` per secret
 * (two while a rotated secret's grace period runs: the new one first). A receiver accepts the request when any
 * `v1` matches its secret.
 */
export function signatureHeader(secret: string | readonly string[], body: string, unixSeconds: number): string {
  const macs = (typeof secret === 'string' ? [secret] : secret).map((s) => `v1=${createHmac('sha256', s).update(`${unixSeconds}.${body}`).digest('hex')}`);
  return `t=${unixSeconds},${macs.join(',')}`;
}

/**
 * Verifies a `Tandem-Signature` header as a receiver should: constant-time compare, and a timestamp within
 * `toleranceSeconds` of now so a captured request cannot be replayed later.
 */
export function verifySignature(header: string, secret: string, body: string, opts: { toleranceSeconds?: number; now?: number } = {}): boolean {
  const pairs = header.split(',').map((kv) => kv.split('=', 2) as [string, string | undefined]);
  const t = Number(pairs.find(([k]) => k === 't')?.[1]);
  const given = pairs.filter(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v)).map(([, v]) => Buffer.from(v!, 'hex'));
  if (!Number.isInteger(t) || given.length === 0) return false;
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? 300)) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  // Every candidate is compared (constant time each), so the time taken does not tell which one matched.
  return given.map((g) => timingSafeEqual(expected, g)).includes(true);
}

export interface RetryPolicy {
  maxAttempts: number;
  retryBaseMs: number;
  retryCapMs: number;
}

const JITTER_LOW = 0.8;
const JITTER_SPAN = 0.4;

/**
 * The pause after a failed attempt: exponential (base × 2^(attempt−1), capped) with ±20% jitter, so that
 * receivers that come back after an outage are not hit by every queued delivery in the same second.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: number = Math.random()): number {
  const exp = Math.min(policy.retryCapMs, policy.retryBaseMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(exp * (JITTER_LOW + JITTER_SPAN * random));
}

/** The shortest time from the first attempt to dead-lettering (every jitter at its low end). */
export function minimumRetryWindowMs(policy: RetryPolicy): number {
  let total = 0;
  for (let a = 1; a < policy.maxAttempts; a++) total += retryDelayMs(a, policy, 0);
  return total;
}
