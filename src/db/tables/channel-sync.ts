import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface SafetyStockTable {
  sku_id: string;
  warehouse_id: string;
  units: number;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export interface ChannelStockPolicyTable {
  channel_id: string;
  sync_enabled: Generated<boolean>;
  buffer_kind: Generated<'units' | 'percent'>;
  buffer_value: Generated<number>;
  max_units: number | null;
  endpoint: string | null;
  location_id: string | null;
  seller_id: string | null;
  marketplace_id: string | null;
  token_endpoint: string | null;
  credentials: unknown;
  min_interval_ms: Generated<number>;
  last_batch_at: Timestamp;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export interface ChannelStockChangesTable {
  id: Generated<number>;
  sku_id: string | null;
  channel_id: string | null;
  changed_at: Generated<Date>;
}

export interface ChannelStockSyncTable {
  listing_id: string;
  channel_id: string;
  sku_id: string;
  mapping: Generated<Record<string, unknown>>;
  dirty_since: Timestamp;
  next_dirty_since: Timestamp;
  pending_changes: Generated<number>;
  force_push: Generated<boolean>;
  lease_token: string | null;
  lease_until: Timestamp;
  next_attempt_at: Timestamp;
  attempts: Generated<number>;
  last_computed: number | null;
  last_pushed: number | null;
  last_pushed_at: Timestamp;
  last_lag_ms: number | null;
  pushes: Generated<number>;
  changes: Generated<number>;
  error_code: string | null;
  error_message: string | null;
  error_status: number | null;
  error_transient: boolean | null;
  error_at: Timestamp;
  updated_at: Generated<Date>;
}

export interface ChannelSyncTables {
  safety_stock: SafetyStockTable;
  channel_stock_policy: ChannelStockPolicyTable;
  channel_stock_changes: ChannelStockChangesTable;
  channel_stock_sync: ChannelStockSyncTable;
}
