import type { ChannelView, StockPolicy } from '../../../modules/channels/index.js';

/** One listing's value to push. */
export interface PushItem {
  listing_id: string;
  channel_sku: string;
  mapping: Record<string, unknown>;
  quantity: number;
}

export type ItemResult =
  | { listing_id: string; ok: true; acked_at: Date }
  | { listing_id: string; ok: false; transient: boolean; code: string; message: string; status: number | null; retry_after_ms?: number | undefined };

export interface AdapterContext {
  channel: ChannelView;
  policy: StockPolicy;
  /** The credentials the adapter asked for (policy credentials, else the channel's secret). */
  credentials: Record<string, string>;
  fetch: typeof fetch;
  timeoutMs: number;
}

/** A channel's stock API: how many listings one call may carry, and the push itself (never throws for a channel's answer). */
export interface StockAdapter {
  type: ChannelView['type'];
  /** Listings per push() call; the engine splits larger batches. */
  maxBatch: number;
  /** Credential fields needed, any one set of which will do. */
  credentialSets: string[][];
  push(ctx: AdapterContext, items: PushItem[]): Promise<ItemResult[]>;
}
