import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { emit } from '../../events/outbox.js';
import { openSecret, sealSecret, type SecretColumn } from '../../shared/secrets.js';

export type ChannelType = 'shopify' | 'woocommerce' | 'amazon' | 'flipkart' | 'api' | 'csv';
export type ChannelsErrorCode = 'channel_not_found' | 'channel_exists' | 'listing_exists' | 'sku_not_found';

export interface ChannelInput {
  type: ChannelType;
  name: string;
  secret?: string | undefined;
  settings?: Record<string, unknown> | undefined;
}

/** A channel as the API shows it: the secret itself is never returned. */
export interface ChannelView {
  id: string;
  type: ChannelType;
  name: string;
  has_secret: boolean;
  settings: Record<string, unknown>;
  active: boolean;
  created_at: Date;
}

const COLUMNS = ['id', 'type', 'name', 'secret', 'settings', 'active', 'created_at'] as const;

function toView(r: { id: string; type: ChannelType; name: string; secret: string | null; settings: Record<string, unknown>; active: boolean; created_at: Date }): ChannelView {
  return { id: r.id, type: r.type, name: r.name, has_secret: r.secret !== null, settings: r.settings, active: r.active, created_at: r.created_at };
}

/** The channel's secret (webhook signing key, or a marketplace's API credentials as JSON), sealed per channel. */
export const CHANNEL_SECRET: SecretColumn = { table: 'channels', key: 'id', column: 'secret', shape: 'text', purpose: 'channels.secret' };

/** Creates a sales channel; emits `channel.created` (without the secret). The secret is stored sealed. */
export async function createChannel(tx: Executor, input: ChannelInput, actor?: string): Promise<ChannelView> {
  const id = newId('ch');
  const secret = input.secret === undefined ? null : sealSecret(input.secret, `${CHANNEL_SECRET.purpose}:${id}`);
  const row = await tx
    .insertInto('channels')
    .values({ id, type: input.type, name: input.name, secret, settings: JSON.stringify(input.settings ?? {}) as never })
    .onConflict((oc) => oc.column('name').doNothing())
    .returning(COLUMNS)
    .executeTakeFirst();
  if (!row) throw new AppError('conflict', 'channel_exists', `A channel named ${input.name} already exists`, { name: input.name });
  await emit(tx, { type: 'channel.created', aggregateType: 'channel', aggregateId: row.id, payload: { type: row.type, name: row.name }, actor });
  return toView(row);
}

export interface ChannelPatch {
  name?: string | undefined;
  /** A new signing secret (sealed before it is stored), or null to remove it. */
  secret?: string | null | undefined;
}

/**
 * Renames a channel or replaces (or removes) its signing secret, under the row's lock; emits `channel.updated`
 * naming what changed (never the secret). From the commit on, inbound webhooks verify against the new secret only.
 */
export async function updateChannel(tx: Executor, id: string, patch: ChannelPatch, actor?: string): Promise<ChannelView> {
  const current = await tx.selectFrom('channels').select(COLUMNS).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!current) throw new AppError('not_found', 'channel_not_found', `Channel ${id} was not found`, { channel_id: id });
  const changed: string[] = [];
  const set: { name?: string; secret?: string | null } = {};
  if (patch.name !== undefined && patch.name !== current.name) {
    const taken = await tx.selectFrom('channels').select('id').where('name', '=', patch.name).where('id', '!=', id).executeTakeFirst();
    if (taken) throw new AppError('conflict', 'channel_exists', `A channel named ${patch.name} already exists`, { name: patch.name });
    set.name = patch.name;
    changed.push('name');
  }
  if (patch.secret !== undefined) {
    set.secret = patch.secret === null ? null : sealSecret(patch.secret, `${CHANNEL_SECRET.purpose}:${id}`);
    changed.push(patch.secret === null ? 'secret_removed' : 'secret');
  }
  if (changed.length === 0) return toView(current);
  const row = await tx.updateTable('channels').set(set).where('id', '=', id).returning(COLUMNS).executeTakeFirstOrThrow();
  await emit(tx, { type: 'channel.updated', aggregateType: 'channel', aggregateId: id, payload: { changed, name: row.name }, actor });
  return toView(row);
}

/** A channel by id; throws `channel_not_found`. */
export async function getChannel(db: Executor, id: string): Promise<ChannelView> {
  const row = await db.selectFrom('channels').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', 'channel_not_found', `Channel ${id} was not found`, { channel_id: id });
  return toView(row);
}

/**
 * The channel's signing secret, opened, for connectors that verify inbound webhooks. Never exposed over the API.
 * Throws `secret_key_unknown` / `secret_undecryptable` (503) when this process's keys cannot open it.
 */
export async function channelSecret(db: Executor, id: string): Promise<string | null> {
  const row = await db.selectFrom('channels').select('secret').where('id', '=', id).executeTakeFirst();
  return row?.secret == null ? null : openSecret(row.secret, `${CHANNEL_SECRET.purpose}:${id}`);
}

export async function listChannels(db: Executor): Promise<ChannelView[]> {
  return (await db.selectFrom('channels').select(COLUMNS).orderBy('name').execute()).map(toView);
}

export interface ListingView {
  id: string;
  channel_id: string;
  channel_sku: string;
  sku_id: string;
  sku: string;
  created_at: Date;
}

/** Maps a channel's SKU code to one of ours; emits `listing.created`. */
export async function createListing(tx: Executor, channelId: string, input: { channel_sku: string; sku_id: string; sku: string }, actor?: string): Promise<ListingView> {
  await getChannel(tx, channelId);
  const row = await tx
    .insertInto('listings')
    .values({ id: newId('lst'), channel_id: channelId, channel_sku: input.channel_sku, sku_id: input.sku_id })
    .onConflict((oc) => oc.columns(['channel_id', 'channel_sku']).doNothing())
    .returning(['id', 'channel_id', 'channel_sku', 'sku_id', 'created_at'])
    .executeTakeFirst();
  if (!row) throw new AppError('conflict', 'listing_exists', `Channel SKU ${input.channel_sku} is already mapped on this channel`, { channel_sku: input.channel_sku });
  await emit(tx, { type: 'listing.created', aggregateType: 'channel', aggregateId: channelId, payload: { channel_sku: row.channel_sku, sku: input.sku }, actor });
  return { ...row, sku: input.sku };
}

export async function listListings(db: Executor, channelId: string): Promise<ListingView[]> {
  return db
    .selectFrom('listings as l')
    .innerJoin('skus as s', 's.id', 'l.sku_id')
    .select(['l.id', 'l.channel_id', 'l.channel_sku', 'l.sku_id', 's.sku', 'l.created_at'])
    .where('l.channel_id', '=', channelId)
    .orderBy('l.channel_sku')
    .execute();
}

/** Maps channel SKU codes to our SKU ids for one channel; unmapped codes are absent. */
export async function resolveListings(db: Executor, channelId: string, channelSkus: string[]): Promise<Map<string, string>> {
  if (channelSkus.length === 0) return new Map();
  const rows = await db.selectFrom('listings').select(['channel_sku', 'sku_id']).where('channel_id', '=', channelId).where('channel_sku', '=', sql<string>`any(${channelSkus}::text[])`).execute();
  return new Map(rows.map((r) => [r.channel_sku, r.sku_id]));
}

/** The channel for orders sent straight to the API, if it exists: the oldest active `api` channel. */
export async function findApiChannel(db: Executor): Promise<ChannelView | undefined> {
  const existing = await db.selectFrom('channels').select(COLUMNS).where('type', '=', 'api').where('active', '=', true).orderBy('created_at').limit(1).executeTakeFirst();
  return existing ? toView(existing) : undefined;
}

/** The channel for orders sent straight to the API: the oldest active `api` channel, created on first use. */
export async function ensureApiChannel(tx: Executor): Promise<ChannelView> {
  const existing = await findApiChannel(tx);
  if (existing) return existing;
  const row = await tx
    .insertInto('channels')
    .values({ id: newId('ch'), type: 'api', name: 'Direct API', secret: null, settings: JSON.stringify({}) as never })
    .onConflict((oc) => oc.column('name').doNothing())
    .returning(COLUMNS)
    .executeTakeFirst();
  if (row) {
    await emit(tx, { type: 'channel.created', aggregateType: 'channel', aggregateId: row.id, payload: { type: 'api', name: row.name } });
    return toView(row);
  }
  return toView((await tx.selectFrom('channels').select(COLUMNS).where('name', '=', 'Direct API').executeTakeFirstOrThrow()));
}
