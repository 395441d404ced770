import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { emit } from '../../events/outbox.js';
import { getChannel, type ChannelType } from './channels.service.js';
import { sealFields, withOpenedFields, type SecretColumn } from '../../shared/secrets.js';

/**
 * What each channel is offered (buffer, cap, safety stock per SKU × warehouse) and where its stock is pushed
 * (endpoint, location, credentials, per-listing ids on the channel). Every change here queues a stock change
 * in the same transaction, so the sync worker re-pushes what it affects.
 */

export type BufferKind = 'units' | 'percent';

export interface StockPolicyInput {
  sync_enabled?: boolean | undefined;
  buffer?: { kind: BufferKind; value: number } | undefined;
  /** The most units ever advertised; null removes the cap. */
  max_units?: number | null | undefined;
  endpoint?: string | null | undefined;
  location_id?: string | null | undefined;
  seller_id?: string | null | undefined;
  marketplace_id?: string | null | undefined;
  token_endpoint?: string | null | undefined;
  /** Write-only; null removes them. */
  credentials?: Record<string, string> | null | undefined;
  min_interval_ms?: number | undefined;
}

/** A channel's stock policy as the API shows it: credentials are never returned. */
export interface StockPolicyView {
  channel_id: string;
  channel_type: ChannelType;
  sync_enabled: boolean;
  buffer: { kind: BufferKind; value: number };
  max_units: number | null;
  endpoint: string | null;
  location_id: string | null;
  seller_id: string | null;
  marketplace_id: string | null;
  token_endpoint: string | null;
  has_credentials: boolean;
  min_interval_ms: number;
  updated_at: Date | null;
}

/** The policy with its credentials, for the sync engine only. */
export interface StockPolicy extends StockPolicyView {
  credentials: Record<string, string> | null;
}

const DEFAULT_POLICY = { sync_enabled: false, buffer_kind: 'units' as BufferKind, buffer_value: 0, max_units: null, endpoint: null, location_id: null, seller_id: null, marketplace_id: null, token_endpoint: null, credentials: null, min_interval_ms: 0, updated_at: null };

/** The channel's API credentials: a jsonb object whose every value is sealed (field names stay readable). */
export const STOCK_POLICY_CREDENTIALS: SecretColumn = { table: 'channel_stock_policy', key: 'channel_id', column: 'credentials', shape: 'fields', purpose: 'channel_stock_policy.credentials' };

function toPolicy(channelId: string, type: ChannelType, r: typeof DEFAULT_POLICY | { sync_enabled: boolean; buffer_kind: BufferKind; buffer_value: number; max_units: number | null; endpoint: string | null; location_id: string | null; seller_id: string | null; marketplace_id: string | null; token_endpoint: string | null; credentials: unknown; min_interval_ms: number; updated_at: Date | null }): StockPolicy {
  const creds = r.credentials && typeof r.credentials === 'object' ? (r.credentials as Record<string, string>) : null;
  const view: StockPolicyView = {
    channel_id: channelId, channel_type: type, sync_enabled: r.sync_enabled, buffer: { kind: r.buffer_kind, value: r.buffer_value }, max_units: r.max_units,
    endpoint: r.endpoint, location_id: r.location_id, seller_id: r.seller_id, marketplace_id: r.marketplace_id, token_endpoint: r.token_endpoint,
    has_credentials: creds !== null, min_interval_ms: r.min_interval_ms, updated_at: r.updated_at,
  };
  // Opened when the sync or write-back engine reads them, not before (views and availability need no key).
  return withOpenedFields(view, 'credentials', creds, `${STOCK_POLICY_CREDENTIALS.purpose}:${channelId}`) as StockPolicy;
}

/** Strips the credentials for the API (they are not enumerable: a copy leaves them behind). */
export function policyView(p: StockPolicy): StockPolicyView {
  return { ...p };
}

/** The channel's stock policy with credentials (defaults when none was saved); throws channel_not_found. */
export async function getStockPolicy(db: Executor, channelId: string): Promise<StockPolicy> {
  const channel = await getChannel(db, channelId);
  const row = await db.selectFrom('channel_stock_policy').selectAll().where('channel_id', '=', channel.id).executeTakeFirst();
  return toPolicy(channel.id, channel.type, row ?? DEFAULT_POLICY);
}

/** Policies of every channel that syncs stock, with credentials. */
export async function syncingPolicies(db: Executor): Promise<StockPolicy[]> {
  const rows = await db
    .selectFrom('channel_stock_policy as p')
    .innerJoin('channels as c', 'c.id', 'p.channel_id')
    .selectAll('p')
    .select('c.type')
    .where('p.sync_enabled', '=', true)
    .where('c.active', '=', true)
    .execute();
  return rows.map((r) => toPolicy(r.channel_id, r.type, r));
}

/** Endpoints receive credentials: https, or plain http only to this machine (a local proxy, sandbox or test double). */
function assertEndpoint(value: string | null | undefined, field: string): void {
  if (value === null || value === undefined) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(field, 'is not a URL');
  }
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) throw invalid(field, 'must be https (plain http only to this machine)');
  if (url.search || url.hash || url.username || url.password) throw invalid(field, 'must have no query, fragment or user');
}

function invalid(field: string, message: string): AppError {
  return new AppError('invalid', 'validation_failed', `${field} ${message}`, { field }, [{ path: `body.${field}`, message }]);
}

/** Queues a stock change: for one SKU (every channel), or for every listing of a channel (sku null). */
export async function queueStockChange(tx: Executor, change: { sku_id?: string | null; channel_id?: string | null }): Promise<void> {
  await tx.insertInto('channel_stock_changes').values({ sku_id: change.sku_id ?? null, channel_id: change.channel_id ?? null }).execute();
}

/** Saves a channel's stock policy (fields not given keep their value); re-pushes the channel's listings. */
export async function saveStockPolicy(tx: Executor, channelId: string, input: StockPolicyInput, actor?: string): Promise<StockPolicyView> {
  const before = await getStockPolicy(tx, channelId);
  assertEndpoint(input.endpoint, 'endpoint');
  assertEndpoint(input.token_endpoint, 'token_endpoint');
  if (input.buffer?.kind === 'percent' && input.buffer.value > 100) throw invalid('buffer.value', 'must be at most 100 for a percent buffer');
  const pick = <K extends keyof StockPolicyInput>(k: K, current: unknown): unknown => (input[k] === undefined ? current : input[k]);
  const values = {
    sync_enabled: pick('sync_enabled', before.sync_enabled) as boolean,
    buffer_kind: input.buffer?.kind ?? before.buffer.kind,
    buffer_value: input.buffer?.value ?? before.buffer.value,
    max_units: pick('max_units', before.max_units) as number | null,
    endpoint: pick('endpoint', before.endpoint) as string | null,
    location_id: pick('location_id', before.location_id) as string | null,
    seller_id: pick('seller_id', before.seller_id) as string | null,
    marketplace_id: pick('marketplace_id', before.marketplace_id) as string | null,
    token_endpoint: pick('token_endpoint', before.token_endpoint) as string | null,
    min_interval_ms: pick('min_interval_ms', before.min_interval_ms) as number,
    updated_by: actor ?? null,
    updated_at: new Date(),
    // Left out when not given: the stored (sealed) credentials stay as they are, unopened.
    ...(input.credentials === undefined ? {} : {
      credentials: JSON.stringify(input.credentials === null ? null : sealFields(input.credentials, `${STOCK_POLICY_CREDENTIALS.purpose}:${before.channel_id}`)) as never,
    }),
  };
  await tx
    .insertInto('channel_stock_policy')
    .values({ channel_id: before.channel_id, ...values })
    .onConflict((oc) => oc.column('channel_id').doUpdateSet(values))
    .execute();
  await queueStockChange(tx, { channel_id: before.channel_id });
  const after = await getStockPolicy(tx, before.channel_id);
  const changed = Object.keys(input).filter((k) => k !== 'credentials');
  await emit(tx, { type: 'channel.stock_policy_updated', aggregateType: 'channel', aggregateId: before.channel_id, payload: { changed, credentials_changed: input.credentials !== undefined, sync_enabled: after.sync_enabled, buffer: after.buffer, max_units: after.max_units }, actor });
  return policyView(after);
}

export interface SafetyStockView {
  sku_id: string;
  sku: string;
  warehouse_id: string;
  units: number;
  updated_at: Date;
}

/** Sets the safety stock of a SKU at a warehouse (0 removes it); queues the SKU for every channel. */
export async function setSafetyStock(tx: Executor, input: { sku_id: string; sku: string; warehouse_id: string; units: number }, actor?: string): Promise<SafetyStockView> {
  let updatedAt = new Date();
  if (input.units === 0) {
    await tx.deleteFrom('safety_stock').where('sku_id', '=', input.sku_id).where('warehouse_id', '=', input.warehouse_id).execute();
  } else {
    const row = await tx
      .insertInto('safety_stock')
      .values({ sku_id: input.sku_id, warehouse_id: input.warehouse_id, units: input.units, updated_by: actor ?? null })
      .onConflict((oc) => oc.columns(['sku_id', 'warehouse_id']).doUpdateSet({ units: input.units, updated_by: actor ?? null, updated_at: sql`now()` }))
      .returning('updated_at')
      .executeTakeFirstOrThrow();
    updatedAt = row.updated_at;
  }
  await queueStockChange(tx, { sku_id: input.sku_id });
  await emit(tx, { type: 'safety_stock.set', aggregateType: 'sku', aggregateId: input.sku_id, payload: { sku: input.sku, warehouse_id: input.warehouse_id, units: input.units }, actor });
  return { sku_id: input.sku_id, sku: input.sku, warehouse_id: input.warehouse_id, units: input.units, updated_at: updatedAt };
}

/** Safety stock rows, by SKU and/or warehouse. */
export async function listSafetyStock(db: Executor, filter: { sku_ids?: string[] | undefined; warehouse_ids?: string[] | undefined; limit?: number }): Promise<SafetyStockView[]> {
  let q = db.selectFrom('safety_stock as s').innerJoin('skus as k', 'k.id', 's.sku_id').select(['s.sku_id', 'k.sku', 's.warehouse_id', 's.units', 's.updated_at']).orderBy('k.sku').orderBy('s.warehouse_id');
  if (filter.sku_ids) q = q.where('s.sku_id', 'in', filter.sku_ids.length > 0 ? filter.sku_ids : ['']);
  if (filter.warehouse_ids) q = q.where('s.warehouse_id', 'in', filter.warehouse_ids.length > 0 ? filter.warehouse_ids : ['']);
  return q.limit(filter.limit ?? 1000).execute();
}

/** Where a listing lives on its channel: Shopify inventory item, WooCommerce product/variation, Flipkart product, Amazon product type. */
export interface ListingMapping {
  inventory_item_id?: string | undefined;
  product_id?: string | undefined;
  variation_id?: string | undefined;
  product_type?: string | undefined;
  location_id?: string | undefined;
}

const REQUIRED: Partial<Record<ChannelType, (keyof ListingMapping)[]>> = {
  shopify: ['inventory_item_id'],
  woocommerce: ['product_id'],
  flipkart: ['product_id'],
  amazon: [],
};

/** Sets where a listing lives on its channel; clears its sync error and pushes it again. */
export async function setListingMapping(tx: Executor, channelId: string, listingId: string, mapping: ListingMapping, actor?: string): Promise<{ listing_id: string; channel_sku: string; mapping: ListingMapping }> {
  const channel = await getChannel(tx, channelId);
  const listing = await tx.selectFrom('listings').select(['id', 'sku_id', 'channel_sku']).where('id', '=', listingId).where('channel_id', '=', channel.id).executeTakeFirst();
  if (!listing) throw new AppError('not_found', 'listing_not_found', `Listing ${listingId} was not found on channel ${channel.id}`, { listing_id: listingId, channel_id: channel.id });
  const required = REQUIRED[channel.type];
  if (!required) throw new AppError('invalid', 'stock_sync_not_supported', `${channel.type} channels have no stock to push`, { channel_type: channel.type });
  const missing = required.filter((k) => !mapping[k]);
  if (missing.length > 0) throw new AppError('invalid', 'validation_failed', `A ${channel.type} listing needs ${missing.join(', ')}`, { missing }, missing.map((m) => ({ path: `body.${m}`, message: 'is required' })));
  const json = JSON.stringify(mapping) as never;
  await tx
    .insertInto('channel_stock_sync')
    .values({ listing_id: listing.id, channel_id: channel.id, sku_id: listing.sku_id, mapping: json })
    .onConflict((oc) => oc.column('listing_id').doUpdateSet({ mapping: json, error_code: null, error_message: null, error_status: null, error_transient: null, error_at: null, attempts: 0, next_attempt_at: null, force_push: true, updated_at: sql`now()` }))
    .execute();
  await queueStockChange(tx, { sku_id: listing.sku_id, channel_id: channel.id });
  await emit(tx, { type: 'listing.sync_mapping_set', aggregateType: 'channel', aggregateId: channel.id, payload: { listing_id: listing.id, channel_sku: listing.channel_sku, mapping }, actor });
  return { listing_id: listing.id, channel_sku: listing.channel_sku, mapping };
}
