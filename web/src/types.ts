/** The API's shapes as the dashboard reads them (see /api/openapi.json). */
export type Role = 'admin' | 'ops' | 'picker' | 'packer' | 'integration';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  warehouse_ids: string[] | null;
}

export interface SessionInfo {
  user: SessionUser;
  via: 'session' | 'api_key';
  csrf_token: string | null;
  expires_at: string | null;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface Address {
  name?: string;
  company?: string;
  line1: string;
  line2?: string;
  city: string;
  state?: string;
  postal_code: string;
  country: string;
  phone?: string;
}

export interface OrderRow {
  id: string;
  channel_id: string;
  external_id: string;
  number: string;
  status: string;
  currency: string;
  placed_at: string;
  customer: { name: string; email: string | null; phone: string | null };
  shipping_address: Address | null;
  billing_address: Address | null;
  payment_method: string;
  subtotal_amount: number;
  discount_amount: number;
  shipping_amount: number;
  tax_amount: number;
  total_amount: number;
  priority: string;
  shipping_method: string | null;
  dispatch_by: string | null;
  promised_deliver_by: string | null;
  tags: string[];
  cancel_reason: string | null;
  created_at: string;
}

export interface OrderLine {
  id: string;
  line_no: number;
  sku_id: string | null;
  sku: string | null;
  channel_sku: string | null;
  title: string | null;
  qty: number;
  unit_price_amount: number;
  discount_amount: number;
  tax_amount: number;
  needs_shipping: boolean;
  qty_cancelled: number;
  qty_shipped: number;
  qty_returned: number;
}

export interface Hold {
  id: string;
  reason: string;
  detail: string;
  status: 'open' | 'released' | 'cancelled';
  created_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
}

export interface RoutingReason {
  warehouse_id: string;
  code: string;
  rank: number;
  lines_complete: number;
  lines_total: number;
  units_available: number;
  units_needed: number;
  chosen: boolean;
  summary: string;
  factors?: Record<string, unknown>;
}

export interface FulfillmentOrder {
  id: string;
  warehouse_id: string;
  status: string;
  priority: string;
  dispatch_by: string | null;
  lines: { order_line_id: string; sku_id: string; qty: number; qty_cancelled: number }[];
}

export interface OrderView extends OrderRow {
  lines: OrderLine[];
  holds: Hold[];
  timeline: { type: string; message: string; actor: string | null; at: string }[];
  fulfillment_orders: FulfillmentOrder[];
  allocations: { warehouse_id: string; lines: { line_id: string; sku_id: string; qty: number }[] }[];
  backordered: { line_id: string; qty: number }[];
  routing: { strategy: string; reasons: RoutingReason[]; notes: string[]; decided_at: string } | null;
  shipments?: { id: string; status: string; carrier?: string; tracking_number?: string | null; tracking_url?: string | null }[];
}

export interface Warehouse {
  id: string;
  code: string;
  name: string;
}

export interface Channel {
  id: string;
  name: string;
  type: string;
}

export interface StockLevel {
  sku_id: string;
  sku: string;
  warehouse_id: string;
  on_hand: number;
  reserved: number;
  available: number;
  damaged: number;
  quarantine: number;
  in_transit: number;
}

export interface NetworkTotal {
  sku_id: string;
  sku: string;
  on_hand: number;
  reserved: number;
  available: number;
  damaged: number;
  quarantine: number;
  in_transit: number;
  warehouses: number;
}

export interface BinStock {
  bin: string | null;
  sku: string;
  lot: string;
  state: string;
  qty: number;
  expires_on: string | null;
  under_count: boolean;
}

export interface LedgerEntry {
  seq: number;
  type: string;
  sku: string;
  warehouse_id: string;
  bin: string | null;
  lot: string;
  state: string;
  delta: number;
  reserved_delta: number;
  reason: string | null;
  reference: string | null;
  actor: string | null;
  occurred_at: string;
}

export interface HeldOrder {
  order_id: string;
  number: string;
  created_at: string;
  holds: { id: string; reason: string; detail: string }[];
}

export interface Kpis {
  since: string;
  orders_today: number;
  on_hold: number;
  backordered: number;
  low_stock: number;
  low_stock_capped: boolean;
  by_hour: { hour: string; channel_id: string; orders: number }[];
  generated_at: string;
}

/** GET /api/v1/dashboard/kpis/sla */
export interface SlaKpis {
  since: string;
  tz: string;
  at_risk_minutes: number;
  shipped: { on_time: number; late: number; no_deadline: number };
  shipped_by_day: { day: string; on_time: number; late: number }[];
  open: { overdue: number; at_risk: number; on_track: number; no_deadline: number };
  most_urgent: { id: string; number: string; status: string; priority: string; dispatch_by: string }[];
  on_time_percent: number | null;
}

/** GET /api/v1/dashboard/kpis/backorders */
export interface BackorderKpis {
  since: string;
  orders: number;
  units: number;
  by_day: { day: string; new_orders: number; new_units: number; resolved_orders: number }[];
}

/** GET /api/v1/dashboard/kpis/stock-outs */
export interface StockOuts {
  total: number;
  data: { warehouse_id: string; sku_id: string; sku: string; name: string; on_hand: number; reserved: number; available: number; reserved_since: number; last_reserved_at: string | null; waiting_orders: number }[];
}

/** GET /api/v1/dashboard/kpis/pick-rate */
export interface PickRate {
  since: string;
  hours: number;
  pickers: { picker: string; name: string | null; confirms: number; units: number; first_at: string; last_at: string; active_hours: number; units_per_hour: number }[];
  by_hour: { hour: string; picker: string; units: number }[];
}

/** GET /api/v1/dashboard/kpis/sync-lag */
export interface SyncLag {
  data: { channel_id: string; name: string; type: string; listings: number; pending: number; errors: number; lag_ms: { p50: number | null; p99: number | null; max: number | null }; last_acknowledged_at: string | null; pending_for_ms: number | null }[];
}
