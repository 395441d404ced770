/**
 * The channel sync cycle: queued availability changes → dirty listings → a lease on the due ones → their
 * available-to-sell, computed now → a push through each channel's adapter for the values that changed → each
 * outcome recorded against the lease. Any number of workers may run it at once: changes and listings are
 * taken with SKIP LOCKED, and no transaction stays open while a channel answers.
 */
import { randomUUID } from 'node:crypto';
import { withTx, type Db } from '../../db/database.js';
import {
  channelSecret, claimDirtyListings, getChannel, markDirtyListings, recordPushOutcomes, releaseLeases, syncingPolicies, takeBatchSlot,
  type ChannelView, type ClaimedListing, type PushOutcome, type StockPolicy,
} from '../../modules/channels/index.js';
import { channelAvailability } from '../../workflows/channel-stock-sync.js';
import { adapterFor, type AdapterContext, type ItemResult, type PushItem, type StockAdapter } from './adapters/index.js';
import { syncLag, syncPushes } from './metrics.js';
import { AppError } from '../../shared/errors.js';

export interface SyncOptions {
  /** The fetch adapters use (default: the global fetch). */
  fetch?: typeof fetch;
  /** Listings leased per cycle (default 5,000). */
  limit?: number;
  /** Queued changes marked per transaction (default 20,000). */
  markBatch?: number;
  /** How long a lease lasts; a worker that dies holding one delays its listings this long (default 60 s). */
  leaseMs?: number;
  /** Per-request timeout of a channel call (default 10 s). */
  timeoutMs?: number;
}

export interface SyncCycleResult {
  changes: number;
  marked: number;
  claimed: number;
  acked: number;
  unchanged: number;
  failed: number;
  /** Lag of each acknowledged push, ms. */
  lags_ms: number[];
}

/** Marks every queued change (in batches), returning how many changes and listings. */
async function markAll(db: Db, batch: number): Promise<{ changes: number; listings: number }> {
  const total = { changes: 0, listings: 0 };
  for (let round = 0; round < 50; round++) {
    const m = await withTx(db, (tx) => markDirtyListings(tx, batch));
    total.changes += m.changes;
    total.listings += m.listings;
    if (m.changes < batch) break;
  }
  return total;
}

/** The credentials for the adapter: the policy's, else (marketplaces) the channel's secret, as the pollers use it. */
async function credentialsFor(db: Db, adapter: StockAdapter, policy: StockPolicy): Promise<Record<string, string> | undefined> {
  const complete = (c: Record<string, unknown> | null | undefined): c is Record<string, string> =>
    !!c && adapter.credentialSets.some((set) => set.every((k) => typeof c[k] === 'string' && c[k] !== ''));
  if (complete(policy.credentials)) return policy.credentials;
  if (adapter.type !== 'amazon' && adapter.type !== 'flipkart') return undefined;
  const secret = await channelSecret(db, policy.channel_id);
  try {
    const parsed = secret ? (JSON.parse(secret) as Record<string, unknown>) : null;
    return complete(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function failedAll(items: PushItem[], code: string, message: string, transient = false): ItemResult[] {
  return items.map((i) => ({ listing_id: i.listing_id, ok: false, transient, code, message, status: null }));
}

/** Computes, pushes and records one channel's leased listings. */
async function syncChannel(db: Db, token: string, policy: StockPolicy, channel: ChannelView, rows: ClaimedListing[], opts: SyncOptions, result: SyncCycleResult): Promise<void> {
  if (policy.min_interval_ms > 0 && !(await takeBatchSlot(db, policy.channel_id))) {
    await releaseLeases(db, token, rows.map((r) => r.listing_id));
    return;
  }
  const adapter = adapterFor(channel.type)!;
  const { items } = await channelAvailability(db, policy.channel_id, [...new Set(rows.map((r) => r.sku_id))], { policy });
  const ats = new Map(items.map((a) => [a.sku_id, a.available_to_sell]));
  const outcomes: PushOutcome[] = [];
  const toPush: PushItem[] = [];
  for (const r of rows) {
    const value = ats.get(r.sku_id) ?? 0;
    if (!r.force_push && r.last_pushed === value) outcomes.push({ listing_id: r.listing_id, kind: 'unchanged', value });
    else toPush.push({ listing_id: r.listing_id, channel_sku: r.channel_sku, mapping: r.mapping, quantity: value });
  }
  if (toPush.length > 0) {
    let credentials: Record<string, string> | undefined;
    let unreadable: AppError | undefined;
    try {
      credentials = await credentialsFor(db, adapter, policy);
    } catch (err) {
      // Credentials this process cannot open (secret_key_unknown …): the channel's listings wait and retry with backoff; other channels go on.
      if (!(err instanceof AppError) || err.kind !== 'unavailable') throw err;
      unreadable = err;
    }
    const ctx: AdapterContext = { channel, policy, credentials: credentials ?? {}, fetch: opts.fetch ?? fetch, timeoutMs: opts.timeoutMs ?? 10_000 };
    const results: ItemResult[] = [];
    for (let k = 0; k < toPush.length; k += adapter.maxBatch) {
      const chunk = toPush.slice(k, k + adapter.maxBatch);
      results.push(...(unreadable
        ? failedAll(chunk, unreadable.code, unreadable.message, true)
        : credentials
        ? await adapter.push(ctx, chunk)
        : failedAll(chunk, 'stock_sync_misconfigured', `${channel.type}: the stock policy has no credentials (${adapter.credentialSets.map((s) => s.join(' + ')).join(', or ')})`)));
    }
    const value = new Map(toPush.map((p) => [p.listing_id, p.quantity]));
    for (const r of results) {
      const v = value.get(r.listing_id)!;
      outcomes.push(r.ok ? { listing_id: r.listing_id, kind: 'acked', value: v, acked_at: r.acked_at } : { listing_id: r.listing_id, kind: 'failed', value: v, transient: r.transient, code: r.code, message: r.message, status: r.status, retry_after_ms: r.retry_after_ms });
    }
  }
  const lags = await recordPushOutcomes(db, token, outcomes);
  for (const o of outcomes) {
    syncPushes.inc({ channel_type: channel.type, outcome: o.kind });
    result[o.kind === 'acked' ? 'acked' : o.kind === 'unchanged' ? 'unchanged' : 'failed']++;
  }
  for (const l of lags) {
    syncLag.observe({ channel_type: channel.type }, l.lag_ms / 1000);
    result.lags_ms.push(l.lag_ms);
  }
}

/**
 * One sync cycle (the `channel-stock-sync` job, and what tests and the bench call directly): marks queued
 * changes, then leases, computes and pushes every due dirty listing of the channels that sync. Channels are
 * pushed in parallel; one channel's failures are recorded on its listings and never stop the others.
 */
export async function runSyncCycle(db: Db, opts: SyncOptions = {}): Promise<SyncCycleResult> {
  const result: SyncCycleResult = { changes: 0, marked: 0, claimed: 0, acked: 0, unchanged: 0, failed: 0, lags_ms: [] };
  const m = await markAll(db, opts.markBatch ?? 20_000);
  result.changes = m.changes;
  result.marked = m.listings;
  const policies = (await syncingPolicies(db)).filter((p) => adapterFor(p.channel_type));
  if (policies.length === 0) return result;
  const token = randomUUID();
  const rows = await claimDirtyListings(db, { channel_ids: policies.map((p) => p.channel_id), limit: opts.limit ?? 5_000, token, leaseMs: opts.leaseMs ?? 60_000 });
  result.claimed = rows.length;
  const byChannel = new Map<string, ClaimedListing[]>();
  for (const r of rows) {
    const list = byChannel.get(r.channel_id);
    if (list) list.push(r);
    else byChannel.set(r.channel_id, [r]);
  }
  await Promise.all(
    [...byChannel].map(async ([channelId, list]) => {
      const policy = policies.find((p) => p.channel_id === channelId)!;
      try {
        await syncChannel(db, token, policy, await getChannel(db, channelId), list, opts, result);
      } catch (err) {
        // A database error mid-channel: give the leases back so the next cycle retries at once.
        await releaseLeases(db, token, list.map((r) => r.listing_id)).catch(() => undefined);
        throw err;
      }
    }),
  );
  return result;
}
