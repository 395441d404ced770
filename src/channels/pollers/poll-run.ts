/**
 * What every poller shares: the channel's credentials and settings, one poll per channel at a time (an
 * advisory lock), the per-channel cursor in channel_poll_state, and the summary a poll returns.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { channelSecret, getChannel, type ChannelType, type ChannelView } from '../../modules/channels/index.js';
import type { IntakeOutcome } from '../../workflows/channel-intake.js';
import { misconfigured } from './http.js';

export interface PollError {
  /** Where it failed: token, list, items, details or intake. */
  stage: string;
  external_id?: string | undefined;
  code: string;
  message: string;
}

export interface PollSummary {
  channel_id: string;
  /** Orders (Amazon) or shipments (Flipkart) the channel returned. */
  fetched: number;
  created: number;
  updated: number;
  cancelled: number;
  /** Already taken in: a repeated delivery, or an order Tandem already has. */
  already_known: number;
  /** Nothing to do: Amazon Pending orders, cancellations of orders Tandem never had, cancellations too late to apply. */
  skipped: number;
  /** Changes left for the next poll because this one ran out of time (rate limits make item calls slow). */
  deferred: number;
  errors: PollError[];
  /** The lower bound of the next poll's request, as stored. */
  cursor: string | null;
}

export interface PollContext {
  channel: ChannelView;
  /** The stored cursor (null before the first poll that took anything in). */
  cursor: string | null;
  summary: PollSummary;
}

/** Counts an intake outcome in the summary. */
export function tally(s: PollSummary, outcome: IntakeOutcome): void {
  if (outcome === 'created') s.created++;
  else if (outcome === 'updated') s.updated++;
  else if (outcome === 'cancelled') s.cancelled++;
  else if (outcome === 'already_known' || outcome === 'duplicate_delivery') s.already_known++;
  else s.skipped++;
}

/**
 * A failure that will not go away by asking again (the payload is malformed or not an order we can take):
 * it is reported, and the cursor may pass it. Anything else (network, rate limit, database) is transient
 * and holds the cursor back so the next poll asks again.
 */
export function isPermanent(err: unknown): boolean {
  return err instanceof AppError && (err.kind === 'invalid' || err.kind === 'unprocessable');
}

export function recordError(s: PollSummary, stage: string, err: unknown, externalId?: string): void {
  const e = err instanceof AppError ? err : undefined;
  s.errors.push({ stage, external_id: externalId, code: e?.code ?? 'internal_error', message: (err as Error).message?.slice(0, 500) ?? String(err) });
}

/** A delivery id within channel_deliveries' 200 characters: long ones keep their prefix and a hash. */
export function deliveryId(parts: string[]): string {
  const id = parts.join(':');
  if (id.length <= 200) return id;
  return `${id.slice(0, 130)}#${createHash('sha256').update(id).digest('hex')}`;
}

/** The channel's credentials: its secret, a JSON object with these string fields. Never echoed in errors. */
export async function credentials<K extends string>(db: Db, channel: ChannelView, keys: readonly K[]): Promise<Record<K, string>> {
  const raw = await channelSecret(db, channel.id);
  const shape = `a JSON object with ${keys.join(', ')}`;
  if (!raw) throw misconfigured(channel.type, `the channel has no secret; set it to ${shape}`, 'secret');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw misconfigured(channel.type, `the channel's secret is not JSON; set it to ${shape}`, 'secret');
  }
  const out = {} as Record<K, string>;
  for (const k of keys) {
    const v = (parsed as Record<string, unknown> | null)?.[k];
    if (typeof v !== 'string' || v.trim() === '') throw misconfigured(channel.type, `the channel's secret lacks "${k}" (${shape})`, `secret.${k}`);
    out[k] = v.trim();
  }
  return out;
}

/** An optional ISO 8601 setting (e.g. created_after), normalised. */
export function isoSetting(channel: ChannelView, field: string): string | undefined {
  const v = channel.settings[field];
  if (v === undefined || v === null || v === '') return undefined;
  const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(t)) throw misconfigured(channel.type, `settings.${field} must be an ISO 8601 date-time`, field);
  return new Date(t).toISOString();
}

async function saveState(db: Db, channelId: string, cursor: string | null, lastError: string | null): Promise<void> {
  await db
    .insertInto('channel_poll_state')
    .values({ channel_id: channelId, cursor, last_polled_at: sql<Date>`now()`, last_error: lastError })
    .onConflict((oc) => oc.column('channel_id').doUpdateSet({ cursor, last_polled_at: sql<Date>`now()`, last_error: lastError, updated_at: sql<Date>`now()` }))
    .execute();
}

function lastError(s: PollSummary): string | null {
  if (s.errors.length === 0) return null;
  const e = s.errors[0]!;
  return `${s.errors.length} error(s); first: ${e.external_id ? `${e.external_id}: ` : ''}${e.code}: ${e.message}`.slice(0, 1000);
}

/**
 * Runs one poll of a channel: checks its type, takes the channel's poll lock (a second poll of the same
 * channel meanwhile is refused with conflict / poll_in_progress), runs `body` with the stored cursor,
 * then stores the cursor it returns with the time and the first error. A poll that throws keeps the old
 * cursor and records why.
 */
export async function runPoll(db: Db, channelId: string, type: ChannelType, body: (ctx: PollContext) => Promise<string | null>): Promise<PollSummary> {
  const channel = await getChannel(db, channelId);
  if (channel.type !== type) {
    throw new AppError('invalid', 'poll_not_supported', `Channel ${channelId} is a ${channel.type} channel, not ${type}`, { channel_id: channelId, type: channel.type });
  }
  if (!channel.active) throw new AppError('conflict', 'channel_inactive', `Channel ${channelId} is not active`, { channel_id: channelId });
  // A session lock on one pooled connection, held while the poll runs with the pool (as the workers do).
  return db.connection().execute(async (conn) => {
    const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(hashtext('tandem.channel_poll'), hashtext(${channelId})) as ok`.execute(conn);
    if (!got.rows[0]?.ok) throw new AppError('conflict', 'poll_in_progress', `Channel ${channelId} is being polled right now`, { channel_id: channelId });
    try {
      const prev = await db.selectFrom('channel_poll_state').select('cursor').where('channel_id', '=', channelId).executeTakeFirst();
      const cursor = prev?.cursor ?? null;
      const summary: PollSummary = { channel_id: channelId, fetched: 0, created: 0, updated: 0, cancelled: 0, already_known: 0, skipped: 0, deferred: 0, errors: [], cursor };
      let next: string | null;
      try {
        next = await body({ channel, cursor, summary });
      } catch (err) {
        await saveState(db, channelId, cursor, `${err instanceof AppError ? `${err.code}: ` : ''}${(err as Error).message}`.slice(0, 1000));
        throw err;
      }
      summary.cursor = next;
      await saveState(db, channelId, next, lastError(summary));
      return summary;
    } finally {
      await sql`select pg_advisory_unlock(hashtext('tandem.channel_poll'), hashtext(${channelId}))`.execute(conn);
    }
  });
}
