import type { Generated } from 'kysely';
import type { Timestamp } from './platform.js';

export interface PurchaseLimitsTable {
  id: string;
  sku_id: string;
  channel_id: string | null;
  max_units_per_order: number | null;
  max_units_per_customer: number | null;
  window_hours: number | null;
  active_from: Timestamp | null;
  active_until: Timestamp | null;
  action: 'reject' | 'hold';
  note: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  updated_by: string | null;
}

export interface PurchaseLimitCountersTable {
  limit_id: string;
  customer_key: string;
  window_start: Timestamp;
  units: number;
  updated_at: Generated<Date>;
}

export interface PurchaseLimitUsagesTable {
  order_id: string;
  limit_id: string;
  sku_id: string;
  customer_key: string;
  window_start: Timestamp;
  units: number;
  returned: Generated<number>;
  created_at: Generated<Date>;
}

export interface LimitsTables {
  purchase_limits: PurchaseLimitsTable;
  purchase_limit_counters: PurchaseLimitCountersTable;
  purchase_limit_usages: PurchaseLimitUsagesTable;
}
