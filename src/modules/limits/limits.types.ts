/** What happens to an order over a limit: refused (API orders only) or captured and held for ops to decide. */
export type LimitAction = 'reject' | 'hold';

/** A purchase limit as the API shows it. */
export interface PurchaseLimit {
  id: string;
  sku: string;
  sku_id: string;
  /** Null: the limit applies on every channel. */
  channel_id: string | null;
  max_units_per_order: number | null;
  max_units_per_customer: number | null;
  /** Length of the per-customer window; null: the whole active period is one window (a sale). */
  window_hours: number | null;
  active_from: Date | null;
  active_until: Date | null;
  action: LimitAction;
  note: string | null;
  created_at: Date;
  updated_at: Date;
  updated_by: string | null;
}

/** The body of `PUT /purchase-limits`: the whole limit of a SKU (× channel); an omitted field is unset. */
export interface PurchaseLimitInput {
  sku: string;
  channel_id?: string | null | undefined;
  max_units_per_order?: number | null | undefined;
  max_units_per_customer?: number | null | undefined;
  window_hours?: number | null | undefined;
  active_from?: string | null | undefined;
  active_until?: string | null | undefined;
  action: LimitAction;
  note?: string | null | undefined;
}

/** One limit an order went over (or could not be checked against: no identifiable customer). */
export interface LimitViolation {
  limit_id: string;
  sku: string;
  scope: 'order' | 'customer' | 'unidentified_customer';
  limit: number;
  /** Units of the SKU in this order. */
  requested: number;
  /** Units the customer had bought in the window before this order (customer scope). */
  already_bought?: number | undefined;
  window_hours?: number | null | undefined;
  window_start?: Date | undefined;
  window_ends_at?: Date | null | undefined;
}

export type LimitsErrorCode = 'purchase_limit_exceeded' | 'purchase_limit_not_found' | 'invalid_purchase_limit' | 'sku_not_found' | 'channel_not_found';
