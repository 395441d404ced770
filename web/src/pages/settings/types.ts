/** The settings screens' API shapes, as src/http/routes/*.ts answer them. */
import type { Role } from '../../types.js';

export const CHANNEL_TYPES = ['shopify', 'woocommerce', 'amazon', 'flipkart', 'api', 'csv'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** GET /api/v1/channels — the secret itself is never returned, only whether one is set. */
export interface ChannelFull {
  id: string;
  type: ChannelType;
  name: string;
  has_secret: boolean;
  settings: Record<string, unknown>;
  active: boolean;
  created_at: string;
}

export interface Listing {
  id: string;
  channel_id: string;
  channel_sku: string;
  sku_id: string;
  sku: string;
  created_at: string;
}

/** GET /api/v1/channels/:id/stock-policy (credentials are write-only). */
export interface StockPolicy {
  channel_id: string;
  channel_type: ChannelType;
  sync_enabled: boolean;
  buffer: { kind: 'units' | 'percent'; value: number };
  max_units: number | null;
  endpoint: string | null;
  location_id: string | null;
  seller_id: string | null;
  marketplace_id: string | null;
  token_endpoint: string | null;
  has_credentials: boolean;
  min_interval_ms: number;
  updated_at: string | null;
}

export interface SyncRow {
  listing_id: string;
  channel_sku: string;
  sku: string;
  state: 'in_sync' | 'pending' | 'retrying' | 'error' | 'never_pushed';
  last_computed: number | null;
  last_pushed: number | null;
  last_pushed_at: string | null;
  last_lag_ms: number | null;
  error: { code: string; message: string | null; status: number | null; transient: boolean; at: string | null } | null;
}

/** GET /api/v1/channels/:id/sync-status */
export interface SyncStatus {
  channel_id: string;
  sync_enabled: boolean;
  summary: { listings: number; pending: number; errors: number; pushes: number; changes: number; oldest_pending_since: string | null; last_acknowledged_at: string | null; lag_ms: { p50: number | null; p99: number | null; max: number | null } };
  data: SyncRow[];
  next_cursor: string | null;
}

export type RulePriority = 'low' | 'normal' | 'high' | 'urgent';
export interface Band { max_km: number; transit_days: number; cost: number }

/** One routing rule, as src/http/routes/routing.routes.ts models it. */
export type RoutingRule =
  | { rule: 'allowed_warehouses'; warehouse_ids: string[] }
  | { rule: 'fewest_shipments'; allow_split?: boolean; weight?: number }
  | { rule: 'meets_promise'; weight?: number }
  | { rule: 'nearest'; weight?: number }
  | { rule: 'lowest_cost'; weight?: number; bands?: Band[]; source?: 'bands' | 'rate_cards' }
  | { rule: 'warehouse_priority'; weight?: number }
  | { rule: 'keep_reserve'; units: number; priorities?: RulePriority[] }
  | { rule: 'max_splits'; max: number };

export type RuleName = RoutingRule['rule'];

export interface RoutingRules {
  mode: 'strict' | 'weighted';
  rules: RoutingRule[];
  allow_backorder?: boolean;
}

/** GET /api/v1/routing/rules */
export interface StoredRules extends RoutingRules {
  channel_id: string | null;
  source: 'channel' | 'default' | 'built_in';
  updated_at: string | null;
}

export interface SimTotals {
  orders: number;
  orders_fully_served: number;
  shipments: number;
  split_orders: number;
  backordered_orders: number;
  backordered_units: number;
  distance_km: number;
  shipments_without_distance: number;
  est_cost: Record<string, number>;
  shipments_by_warehouse: Record<string, number>;
}

/** POST /api/v1/routing/simulate */
export interface SimReport {
  window: { from: string; to: string; channel_id: string | null };
  orders_replayed: number;
  stock_basis: string;
  live: SimTotals;
  proposed: SimTotals;
  orders_changed: number;
  examples: { order_id: string; live: string[]; proposed: string[] }[];
}

/** GET /api/v1/warehouses */
export interface WarehouseFull {
  id: string;
  code: string;
  name: string;
  type: 'own' | 'external';
  timezone: string;
  cutoff_time: string | null;
  routing_priority: number;
  active: boolean;
}

export interface Bin {
  id: string;
  code: string;
  zone: string | null;
  walk_sequence: number;
  capacity_units: number | null;
  pickable: boolean;
  aisle?: number | null;
  position?: number | null;
}

/** GET /api/v1/carriers (credentials are never returned, only which are set). */
export interface Carrier {
  code: string;
  name: string;
  kind: 'rate_card' | 'easypost' | 'external';
  active: boolean;
  cod_capable: boolean;
  settings: Record<string, unknown>;
  credentials_set: string[];
}

export type RateCardTable = 'zones' | 'rates' | 'serviceability';
export interface RateCardPage {
  carrier: string;
  table: RateCardTable;
  currency: string;
  data: Record<string, string | number | boolean | null>[];
  next_cursor: string | null;
}

export interface Subscription {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  status: 'active' | 'disabled';
  created_at: string;
  updated_at: string;
}

export interface Delivery {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: string | null;
  delivered_at: string | null;
  replay_of: string | null;
  created_at: string;
}

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  warehouse_ids: string[] | null;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  warehouse_ids: string[] | null;
  created_at: string;
  updated_at: string;
  disabled_at: string | null;
  last_login_at: string | null;
}

export const ROLES: Role[] = ['admin', 'ops', 'picker', 'packer', 'integration'];
