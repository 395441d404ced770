import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { emit } from '../../events/outbox.js';

/**
 * The sync state of each listing: queued changes become dirty listings, dirty listings are leased to one
 * worker at a time (SKIP LOCKED, a lease instead of a held row lock, so no transaction stays open while a
 * channel answers), and each push's outcome is recorded against the lease that took it.
 */

/**
 * Turns up to `limit` queued changes into dirty listings (the SKU's own listings and those of kits containing it)
 * of channels that sync, and deletes them — one transaction, so a failure leaves them queued. Workers take
 * disjoint changes (SKIP LOCKED). Returns how many changes and listings were marked.
 */
export async function markDirtyListings(tx: Executor, limit: number): Promise<{ changes: number; listings: number }> {
  const r = await sql<{ changes: number; listings: number }>`
    WITH taken AS (
      DELETE FROM channel_stock_changes WHERE id IN (
        SELECT id FROM channel_stock_changes ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING sku_id, channel_id, changed_at),
    affected AS (
      SELECT t.sku_id, t.channel_id, t.changed_at FROM taken t WHERE t.sku_id IS NOT NULL
      UNION ALL
      SELECT k.kit_sku_id, t.channel_id, t.changed_at FROM taken t JOIN kit_components k ON k.component_sku_id = t.sku_id),
    per_sku AS (
      SELECT sku_id, channel_id, min(changed_at) AS first_at, count(*)::int AS n FROM affected GROUP BY sku_id, channel_id),
    by_sku AS (
      SELECT l.id AS listing_id, l.channel_id, l.sku_id, a.first_at, a.n
      FROM per_sku a JOIN listings l ON l.sku_id = a.sku_id AND (a.channel_id IS NULL OR a.channel_id = l.channel_id)),
    by_channel AS (
      SELECT l.id AS listing_id, l.channel_id, l.sku_id, t.changed_at AS first_at, 1 AS n
      FROM taken t JOIN listings l ON t.sku_id IS NULL AND (t.channel_id IS NULL OR t.channel_id = l.channel_id)),
    targets AS (
      SELECT x.listing_id, x.channel_id, x.sku_id, min(x.first_at) AS first_at, sum(x.n)::int AS n
      FROM (SELECT * FROM by_sku UNION ALL SELECT * FROM by_channel) x
      JOIN channel_stock_policy p ON p.channel_id = x.channel_id AND p.sync_enabled
      GROUP BY x.listing_id, x.channel_id, x.sku_id),
    marked AS (
      INSERT INTO channel_stock_sync AS s (listing_id, channel_id, sku_id, dirty_since, pending_changes, changes)
      SELECT listing_id, channel_id, sku_id, first_at, n, n FROM targets ORDER BY listing_id
      ON CONFLICT (listing_id) DO UPDATE SET
        -- A leased row is being pushed: what comes in now must survive that push's acknowledgement.
        dirty_since = CASE WHEN s.lease_until > now() THEN s.dirty_since ELSE LEAST(s.dirty_since, excluded.dirty_since) END,
        next_dirty_since = CASE WHEN s.lease_until > now() THEN LEAST(s.next_dirty_since, excluded.dirty_since) ELSE s.next_dirty_since END,
        pending_changes = s.pending_changes + excluded.pending_changes,
        changes = s.changes + excluded.changes,
        updated_at = now()
      RETURNING 1)
    SELECT (SELECT count(*) FROM taken)::int AS changes, (SELECT count(*) FROM marked)::int AS listings`.execute(tx);
  return r.rows[0] ?? { changes: 0, listings: 0 };
}

export interface ClaimedListing {
  listing_id: string;
  channel_id: string;
  sku_id: string;
  channel_sku: string;
  mapping: Record<string, unknown>;
  dirty_since: Date;
  pending_changes: number;
  force_push: boolean;
  last_pushed: number | null;
}

/**
 * Leases up to `limit` due dirty listings (oldest change first) of the given channels to `token` for `leaseMs`.
 * Rows locked by another worker's claim are skipped; an expired lease (its worker died) is taken over.
 */
export async function claimDirtyListings(db: Executor, input: { channel_ids: string[]; limit: number; token: string; leaseMs: number }): Promise<ClaimedListing[]> {
  if (input.channel_ids.length === 0) return [];
  const r = await sql<ClaimedListing>`
    UPDATE channel_stock_sync s SET
      lease_token = ${input.token}, lease_until = now() + make_interval(secs => ${input.leaseMs / 1000}),
      dirty_since = LEAST(s.dirty_since, s.next_dirty_since), next_dirty_since = NULL
    FROM (SELECT listing_id FROM channel_stock_sync
          WHERE dirty_since IS NOT NULL AND channel_id = ANY(${input.channel_ids}::text[])
            AND (lease_until IS NULL OR lease_until < now()) AND (next_attempt_at IS NULL OR next_attempt_at <= now())
          ORDER BY dirty_since LIMIT ${input.limit} FOR UPDATE SKIP LOCKED) due, listings l
    WHERE s.listing_id = due.listing_id AND l.id = s.listing_id
    RETURNING s.listing_id, s.channel_id, s.sku_id, l.channel_sku, s.mapping, s.dirty_since, s.pending_changes, s.force_push, s.last_pushed`.execute(db);
  return r.rows;
}

/**
 * Takes the channel's batch slot when it allows one batch per `min_interval_ms` (Amazon's createFeed rate):
 * true when this worker may push the channel now.
 */
export async function takeBatchSlot(db: Executor, channelId: string): Promise<boolean> {
  const r = await sql<{ ok: number }>`
    UPDATE channel_stock_policy SET last_batch_at = now()
    WHERE channel_id = ${channelId} AND (min_interval_ms = 0 OR last_batch_at IS NULL OR last_batch_at <= now() - make_interval(secs => min_interval_ms / 1000.0))
    RETURNING 1 AS ok`.execute(db);
  return r.rows.length > 0;
}

export type PushOutcome =
  | { listing_id: string; kind: 'acked'; value: number; acked_at: Date }
  | { listing_id: string; kind: 'unchanged'; value: number }
  | { listing_id: string; kind: 'failed'; value: number; transient: boolean; code: string; message: string; status: number | null; retry_after_ms?: number | undefined };

/**
 * Records the outcomes of a leased batch, only on rows this lease still holds. An acknowledged or unchanged
 * value clears the listing (changes marked during the push keep it dirty); a transient failure keeps it dirty
 * with a backoff; a permanent failure (4xx) is recorded as the listing's visible sync error. Returns the lag
 * of each acknowledged push (change committed → channel acknowledged), in ms.
 */
export async function recordPushOutcomes(db: Executor, token: string, outcomes: PushOutcome[]): Promise<{ listing_id: string; lag_ms: number }[]> {
  const done = outcomes.filter((o) => o.kind !== 'failed').sort((a, b) => (a.listing_id < b.listing_id ? -1 : 1));
  const lags: { listing_id: string; lag_ms: number }[] = [];
  if (done.length > 0) {
    // Acknowledgement times go in on the database's clock (the one dirty_since was taken on): now minus how long ago
    // each answer came, so a skewed application clock cannot distort the lag.
    const at = Date.now();
    const r = await sql<{ listing_id: string; lag_ms: number | null }>`
      UPDATE channel_stock_sync s SET
        last_computed = d.value,
        last_pushed = CASE WHEN d.acked THEN d.value ELSE s.last_pushed END,
        last_pushed_at = CASE WHEN d.acked THEN statement_timestamp() - make_interval(secs => d.age_ms / 1000.0) ELSE s.last_pushed_at END,
        last_lag_ms = CASE WHEN d.acked THEN GREATEST(0, round(extract(epoch FROM (statement_timestamp() - make_interval(secs => d.age_ms / 1000.0) - s.dirty_since)) * 1000))::int ELSE s.last_lag_ms END,
        pushes = s.pushes + CASE WHEN d.acked THEN 1 ELSE 0 END,
        dirty_since = s.next_dirty_since, next_dirty_since = NULL, pending_changes = 0, force_push = false,
        attempts = 0, next_attempt_at = NULL, lease_token = NULL, lease_until = NULL,
        error_code = NULL, error_message = NULL, error_status = NULL, error_transient = NULL, error_at = NULL, updated_at = now()
      FROM unnest(${done.map((o) => o.listing_id)}::text[], ${done.map((o) => o.value)}::int[], ${done.map((o) => o.kind === 'acked')}::bool[],
                  ${done.map((o) => (o.kind === 'acked' ? Math.max(0, at - o.acked_at.getTime()) : 0))}::int[]) AS d(listing_id, value, acked, age_ms)
      WHERE s.listing_id = d.listing_id AND s.lease_token = ${token}
      RETURNING s.listing_id, CASE WHEN d.acked THEN s.last_lag_ms END AS lag_ms`.execute(db);
    for (const row of r.rows) if (row.lag_ms !== null) lags.push({ listing_id: row.listing_id, lag_ms: row.lag_ms });
  }
  for (const o of outcomes) {
    if (o.kind !== 'failed') continue;
    const retryAfter = o.transient ? (o.retry_after_ms ?? 0) : 0;
    // The error and its event commit together.
    await db.transaction().execute(async (tx) => {
      const r = await sql<{ channel_id: string; was: string | null }>`
        UPDATE channel_stock_sync s SET
          last_computed = ${o.value}, attempts = s.attempts + 1,
          -- Backoff: 1 s doubling to about 5 min with ±20 % jitter (a recovering channel is not hit by everyone at once), or Retry-After.
          next_attempt_at = CASE WHEN ${o.transient} THEN now() + make_interval(secs => LEAST(300000, GREATEST(${retryAfter}, 1000 * power(2, LEAST(s.attempts, 8)) * (0.8 + random() * 0.4))) / 1000.0) END,
          -- Transient: stay dirty and retry. Permanent: the error stands until the mapping or the stock changes.
          dirty_since = CASE WHEN ${o.transient} THEN LEAST(s.dirty_since, s.next_dirty_since) ELSE s.next_dirty_since END,
          next_dirty_since = NULL, force_push = s.force_push AND ${o.transient}, lease_token = NULL, lease_until = NULL,
          error_code = ${o.code}, error_message = ${o.message.slice(0, 500)}, error_status = ${o.status}, error_transient = ${o.transient}, error_at = now(), updated_at = now()
        FROM (SELECT listing_id, error_code AS was FROM channel_stock_sync WHERE listing_id = ${o.listing_id}) prev
        WHERE s.listing_id = prev.listing_id AND s.lease_token = ${token}
        RETURNING s.channel_id, prev.was`.execute(tx);
      const row = r.rows[0];
      if (row && !o.transient && row.was !== o.code) {
        await emit(tx, { type: 'channel.stock_sync_failed', aggregateType: 'channel', aggregateId: row.channel_id, payload: { listing_id: o.listing_id, code: o.code, status: o.status, message: o.message.slice(0, 500), value: o.value } });
      }
    });
  }
  return lags;
}

/** Gives back a lease without an outcome (the channel was not pushed this cycle, e.g. its batch slot was taken). */
export async function releaseLeases(db: Executor, token: string, listingIds: string[]): Promise<void> {
  if (listingIds.length === 0) return;
  await sql`UPDATE channel_stock_sync SET lease_token = NULL, lease_until = NULL, dirty_since = LEAST(dirty_since, next_dirty_since), next_dirty_since = NULL
    WHERE listing_id = ANY(${listingIds}::text[]) AND lease_token = ${token}`.execute(db);
}

/**
 * Reconciliation's marks: each listing whose recomputed value differs from what the channel last acknowledged
 * (or every listing given, with force) becomes dirty now; force also pushes an unchanged value.
 */
export async function markForReconcile(db: Executor, listingIds: string[], force: boolean): Promise<number> {
  if (listingIds.length === 0) return 0;
  const r = await sql<{ n: number }>`
    WITH upd AS (
      UPDATE channel_stock_sync SET dirty_since = COALESCE(dirty_since, now()), force_push = force_push OR ${force}, next_attempt_at = NULL, updated_at = now()
      WHERE listing_id = ANY(${[...listingIds].sort()}::text[]) RETURNING 1)
    SELECT count(*)::int AS n FROM upd`.execute(db);
  return r.rows[0]?.n ?? 0;
}

/** Creates the sync rows of a channel's listings that have none yet (a channel just enabled), clean. */
export async function ensureSyncRows(db: Executor, channelId: string): Promise<void> {
  await sql`INSERT INTO channel_stock_sync (listing_id, channel_id, sku_id)
    SELECT l.id, l.channel_id, l.sku_id FROM listings l WHERE l.channel_id = ${channelId} ORDER BY l.id
    ON CONFLICT (listing_id) DO NOTHING`.execute(db);
}

export interface SyncRow {
  listing_id: string;
  channel_sku: string;
  sku_id: string;
  sku: string;
  mapping: Record<string, unknown>;
  last_computed: number | null;
  last_pushed: number | null;
  last_pushed_at: Date | null;
  last_lag_ms: number | null;
}

/** A page of a channel's sync rows (by listing id), for reconciliation. */
export async function syncRowsPage(db: Executor, channelId: string, after: string | null, limit: number): Promise<SyncRow[]> {
  let q = db
    .selectFrom('channel_stock_sync as s')
    .innerJoin('listings as l', 'l.id', 's.listing_id')
    .innerJoin('skus as k', 'k.id', 's.sku_id')
    .select(['s.listing_id', 'l.channel_sku', 's.sku_id', 'k.sku', 's.mapping', 's.last_computed', 's.last_pushed', 's.last_pushed_at', 's.last_lag_ms'])
    .where('s.channel_id', '=', channelId)
    .orderBy('s.listing_id')
    .limit(limit);
  if (after) q = q.where('s.listing_id', '>', after);
  return q.execute();
}

export interface SyncStatusRow {
  listing_id: string;
  channel_sku: string;
  sku: string;
  state: 'in_sync' | 'pending' | 'retrying' | 'error' | 'never_pushed';
  last_computed: number | null;
  last_pushed: number | null;
  last_pushed_at: Date | null;
  last_lag_ms: number | null;
  dirty_since: Date | null;
  pending_changes: number;
  pushes: number;
  changes: number;
  attempts: number;
  next_attempt_at: Date | null;
  mapping: Record<string, unknown>;
  error: { code: string; message: string | null; status: number | null; transient: boolean; at: Date | null } | null;
}

export interface SyncSummary {
  listings: number;
  pending: number;
  errors: number;
  pushes: number;
  changes: number;
  oldest_pending_since: Date | null;
  last_acknowledged_at: Date | null;
  lag_ms: { p50: number | null; p99: number | null; max: number | null };
}

/** Totals of a channel's sync: listings, pending, errors, pushes vs changes, and the lag of each listing's last push. */
export async function syncSummary(db: Executor, channelId: string): Promise<SyncSummary> {
  const r = await sql<{ listings: number; pending: number; errors: number; pushes: number; changes: number; oldest: Date | null; last_ack: Date | null; p50: number | null; p99: number | null; max: number | null }>`
    SELECT count(*)::int AS listings, count(*) FILTER (WHERE dirty_since IS NOT NULL)::int AS pending,
           count(*) FILTER (WHERE error_code IS NOT NULL)::int AS errors, COALESCE(sum(pushes), 0)::bigint AS pushes, COALESCE(sum(changes), 0)::bigint AS changes,
           min(dirty_since) AS oldest, max(last_pushed_at) AS last_ack,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY last_lag_ms) AS p50, percentile_disc(0.99) WITHIN GROUP (ORDER BY last_lag_ms) AS p99, max(last_lag_ms) AS max
    FROM channel_stock_sync WHERE channel_id = ${channelId}`.execute(db);
  const x = r.rows[0]!;
  return { listings: x.listings, pending: x.pending, errors: x.errors, pushes: x.pushes, changes: x.changes, oldest_pending_since: x.oldest, last_acknowledged_at: x.last_ack, lag_ms: { p50: x.p50, p99: x.p99, max: x.max } };
}

/** A channel's listings with their sync state, by channel SKU; `state` filters. */
export async function listSyncStatus(db: Executor, channelId: string, filter: { state?: 'pending' | 'error' | undefined; sku_id?: string | undefined; limit: number; cursor?: string | undefined }): Promise<{ data: SyncStatusRow[]; next_cursor: string | null }> {
  let q = db
    .selectFrom('channel_stock_sync as s')
    .innerJoin('listings as l', 'l.id', 's.listing_id')
    .innerJoin('skus as k', 'k.id', 's.sku_id')
    .select(['s.listing_id', 'l.channel_sku', 'k.sku', 's.last_computed', 's.last_pushed', 's.last_pushed_at', 's.last_lag_ms', 's.dirty_since', 's.pending_changes', 's.pushes', 's.changes', 's.attempts', 's.next_attempt_at', 's.mapping',
      's.error_code', 's.error_message', 's.error_status', 's.error_transient', 's.error_at'])
    .where('s.channel_id', '=', channelId)
    .orderBy('l.channel_sku')
    .limit(filter.limit + 1);
  if (filter.state === 'pending') q = q.where('s.dirty_since', 'is not', null);
  if (filter.state === 'error') q = q.where('s.error_code', 'is not', null);
  if (filter.sku_id) q = q.where('s.sku_id', '=', filter.sku_id);
  if (filter.cursor) q = q.where('l.channel_sku', '>', filter.cursor);
  const rows = await q.execute();
  const page = rows.slice(0, filter.limit).map((r): SyncStatusRow => {
    const state: SyncStatusRow['state'] = r.error_code && !r.error_transient ? 'error' : r.error_code ? 'retrying' : r.dirty_since ? 'pending' : r.last_pushed_at ? 'in_sync' : 'never_pushed';
    return {
      listing_id: r.listing_id, channel_sku: r.channel_sku, sku: r.sku, state, last_computed: r.last_computed, last_pushed: r.last_pushed, last_pushed_at: r.last_pushed_at, last_lag_ms: r.last_lag_ms,
      dirty_since: r.dirty_since, pending_changes: r.pending_changes, pushes: r.pushes, changes: r.changes, attempts: r.attempts, next_attempt_at: r.next_attempt_at, mapping: r.mapping,
      error: r.error_code ? { code: r.error_code, message: r.error_message, status: r.error_status, transient: r.error_transient ?? false, at: r.error_at } : null,
    };
  });
  return { data: page, next_cursor: rows.length > filter.limit ? page.at(-1)!.channel_sku : null };
}

/** One channel's stock-sync lag as the dashboard shows it (see `syncLagByChannel`). */
export interface ChannelSyncLag {
  channel_id: string;
  name: string;
  type: string;
  listings: number;
  pending: number;
  errors: number;
  /** Lag of each listing's last acknowledged push (change → channel's acknowledgement), ms. */
  lag_ms: { p50: number | null; p99: number | null; max: number | null };
  last_acknowledged_at: Date | null;
  /** Age now of the oldest change not yet on the channel, ms (null when nothing is pending). */
  pending_for_ms: number | null;
}

/**
 * Stock-sync lag of every channel with synced listings, one statement: the same figures as each channel's
 * `sync-status` summary, plus how long the oldest pending change has waited. Reads `channels` for names.
 */
export async function syncLagByChannel(db: Executor, now: Date): Promise<ChannelSyncLag[]> {
  const r = await sql<Omit<ChannelSyncLag, 'lag_ms'> & { p50: number | null; p99: number | null; max: number | null }>`
    SELECT s.channel_id, c.name, c.type, count(*)::int AS listings, count(*) FILTER (WHERE s.dirty_since IS NOT NULL)::int AS pending,
           count(*) FILTER (WHERE s.error_code IS NOT NULL)::int AS errors,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY s.last_lag_ms) AS p50, percentile_disc(0.99) WITHIN GROUP (ORDER BY s.last_lag_ms) AS p99,
           max(s.last_lag_ms) AS max, max(s.last_pushed_at) AS last_acknowledged_at,
           CASE WHEN min(s.dirty_since) IS NOT NULL THEN GREATEST(0, round(extract(epoch FROM (${now}::timestamptz - min(s.dirty_since))) * 1000))::bigint END AS pending_for_ms
    FROM channel_stock_sync s JOIN channels c ON c.id = s.channel_id
    GROUP BY s.channel_id, c.name, c.type ORDER BY c.name, s.channel_id`.execute(db);
  return r.rows.map(({ p50, p99, max, ...x }) => ({ ...x, pending_for_ms: x.pending_for_ms === null ? null : Number(x.pending_for_ms), lag_ms: { p50, p99, max } }));
}
