/**
 * The write-back engine, run by every worker (`channel-writeback` job):
 * 1. **Queue**: read the outbox after the durable `channel-writeback` cursor (in (tx_id, seq) order, below the
 *    snapshot horizon, so a late commit is never skipped), and for each `shipment.created` of an order whose
 *    channel has write-back on, insert one `channel_writebacks` row — in the same transaction that moves the
 *    cursor (a second worker skips the round: the cursor row is locked SKIP LOCKED). The shipping transaction
 *    itself never waits on a channel.
 * 2. **Deliver**: claim due rows (SKIP LOCKED, a lease, a claim token), call the channel outside any
 *    transaction, record the result guarded by the token. 5xx/408/429/timeouts retry with backoff (or the
 *    channel's Retry-After); any other 4xx or a misconfiguration is a sync exception on the order.
 */
import { sql } from 'kysely';
import { withTx, type Db } from '../../db/database.js';
import { advanceCursor, positionOf, readCursor, readEventsAfter } from '../../events/cursor.js';
import { AppError } from '../../shared/errors.js';
import { getChannel, getStockPolicy, type ChannelType } from '../../modules/channels/index.js';
import { recordWritebackOutcome, writebackRequest } from '../../workflows/channel-writeback.js';
import { PushFailure } from '../sync/adapters/http.js';
import { amazonWriteback } from './amazon.js';
import { flipkartWriteback } from './flipkart.js';
import { shopifyWriteback } from './shopify.js';
import { woocommerceWriteback } from './woocommerce.js';
import { claimDueWritebacks, queueWritebacks, type Outcome, type WritebackRow } from './writeback.queue.js';
import type { WritebackAdapter } from './types.js';

const ADAPTERS: Partial<Record<ChannelType, WritebackAdapter>> = { shopify: shopifyWriteback, woocommerce: woocommerceWriteback, amazon: amazonWriteback, flipkart: flipkartWriteback };

/** The write-back adapter of a channel type; api and csv channels have nobody to tell. */
export function writebackAdapterFor(type: ChannelType): WritebackAdapter | undefined {
  return ADAPTERS[type];
}

export interface WritebackOptions {
  fetch?: typeof fetch | undefined;
  timeoutMs?: number | undefined;
  batch?: number | undefined;
  leaseMs?: number | undefined;
  retryBaseMs?: number | undefined;
  retryCapMs?: number | undefined;
  maxAttempts?: number | undefined;
  /** Deterministic jitter for tests (0..1); default Math.random. */
  random?: (() => number) | undefined;
}

const env = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v >= 0 && process.env[name] !== '' && process.env[name] !== undefined ? v : fallback;
};

function settings(o: WritebackOptions): Required<Omit<WritebackOptions, 'fetch' | 'random'>> & Pick<WritebackOptions, 'fetch' | 'random'> {
  return {
    fetch: o.fetch, random: o.random,
    timeoutMs: o.timeoutMs ?? env('TANDEM_WRITEBACK_TIMEOUT_MS', 10_000),
    batch: o.batch ?? 20,
    // ≥ 4 × the timeout: a row is never taken over while its first worker may still be waiting for the channel.
    leaseMs: o.leaseMs ?? Math.max(60_000, 4 * (o.timeoutMs ?? env('TANDEM_WRITEBACK_TIMEOUT_MS', 10_000))),
    retryBaseMs: o.retryBaseMs ?? env('TANDEM_WRITEBACK_RETRY_BASE_MS', 30_000),
    retryCapMs: o.retryCapMs ?? env('TANDEM_WRITEBACK_RETRY_CAP_MS', 3_600_000),
    maxAttempts: o.maxAttempts ?? env('TANDEM_WRITEBACK_MAX_ATTEMPTS', 15),
  };
}

/** Delay before attempt n + 1: base × 2^(n−1), capped, ±20 % jitter; never shorter than the channel's Retry-After. */
export function retryDelayMs(attempt: number, base: number, cap: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const d = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(d * (0.8 + 0.4 * random()));
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** Turns the next outbox events into queued write-backs and moves the cursor past them. Returns events read. */
export async function queueWritebacksFromOutbox(db: Db, batch = 500): Promise<number> {
  return withTx(db, async (tx) => {
    const from = await readCursor(tx, 'channel-writeback', true);
    if (!from) return 0;
    const events = await readEventsAfter(tx, from, batch);
    if (events.length === 0) return 0;
    const shipments = events.filter((e) => e.type === 'shipment.created').map((e) => ({ shipment_id: e.aggregate_id, event_id: e.id }));
    if (shipments.length > 0) {
      const eligible = await sql<{ shipment_id: string; order_id: string; channel_id: string }>`
        SELECT s.id AS shipment_id, s.order_id, o.channel_id
        FROM shipments s
        JOIN orders o ON o.id = s.order_id
        JOIN channels c ON c.id = o.channel_id
        JOIN channel_writeback_settings ws ON ws.channel_id = c.id
        WHERE s.id = ANY(${shipments.map((s) => s.shipment_id)}::text[])
          AND ws.enabled AND s.created_at >= ws.enabled_since
          AND c.type IN ('shopify', 'woocommerce', 'amazon', 'flipkart')
          -- Amazon fulfils AFN orders itself: there is nothing to confirm.
          AND NOT (c.type = 'amazon' AND coalesce(o.channel_data->>'fulfillment_channel', 'MFN') = 'AFN')`.execute(tx);
      const eventOf = new Map(shipments.map((s) => [s.shipment_id, s.event_id]));
      await queueWritebacks(tx, eligible.rows.map((r) => ({ ...r, event_id: eventOf.get(r.shipment_id)! })));
    }
    await advanceCursor(tx, 'channel-writeback', from, positionOf(events.at(-1)!));
    return events.length;
  });
}

const hasCredentials = (a: WritebackAdapter, c: Record<string, string> | null): boolean => a.credentialSets.some((set) => set.every((k) => typeof c?.[k] === 'string' && c[k] !== ''));

/** One claimed write-back: call the channel, decide the outcome. Never throws. */
async function attempt(db: Db, row: WritebackRow, o: ReturnType<typeof settings>): Promise<{ type: string; outcome: Outcome; ms: number }> {
  const started = performance.now();
  let type = 'channel';
  try {
    const channel = await getChannel(db, row.channel_id);
    type = channel.type;
    const adapter = writebackAdapterFor(channel.type);
    if (!adapter) throw new PushFailure(false, 'writeback_unsupported', `${channel.type} channels have no write-back`, null);
    const policy = await getStockPolicy(db, channel.id);
    if (!hasCredentials(adapter, policy.credentials)) throw new PushFailure(false, 'writeback_misconfigured', `${channel.type}: the channel's API credentials are not set (PUT /api/v1/channels/${channel.id}/stock-policy)`, null);
    const req = await writebackRequest(db, row);
    const result = await adapter.write({ channel, policy, credentials: policy.credentials!, fetch: o.fetch ?? fetch, timeoutMs: o.timeoutMs }, req);
    return { type, outcome: { kind: 'done', external_ref: result.external_ref, message: result.message }, ms: performance.now() - started };
  } catch (err) {
    const ms = performance.now() - started;
    const f = err instanceof PushFailure ? err
      // unavailable (e.g. secret_key_unknown: the credentials cannot be opened with this process's keys) is retried.
      : err instanceof AppError ? new PushFailure(err.kind === 'unavailable', err.code, err.message, null)
      : new PushFailure(true, 'writeback_error', (err as Error).message ?? String(err), null);
    if (f.transient && row.attempts < o.maxAttempts) {
      return { type, outcome: { kind: 'retry', code: f.code, message: f.message, status: f.status, delay_ms: retryDelayMs(row.attempts, o.retryBaseMs, o.retryCapMs, f.retryAfterMs, o.random) }, ms };
    }
    const exhausted = f.transient ? ` (gave up after ${row.attempts} attempts)` : '';
    return { type, outcome: { kind: 'failed', code: f.transient ? 'writeback_retries_exhausted' : f.code, message: `${f.message}${exhausted}`, status: f.status }, ms };
  }
}

/** Claims due write-backs and carries them out. Returns how many were attempted. */
export async function deliverWritebacks(db: Db, opts: WritebackOptions = {}): Promise<number> {
  const o = settings(opts);
  const rows = await claimDueWritebacks(db, o.batch, o.leaseMs);
  await Promise.all(rows.map(async (row) => {
    const r = await attempt(db, row, o);
    await recordWritebackOutcome(db, row, r.type, r.outcome, r.ms);
  }));
  return rows.length;
}

/** One round of the job: queue from the outbox, then deliver what is due. Returns the work done. */
export async function runWritebackCycle(db: Db, opts: WritebackOptions = {}): Promise<number> {
  const queued = await queueWritebacksFromOutbox(db);
  const delivered = await deliverWritebacks(db, opts);
  return queued + delivered;
}
