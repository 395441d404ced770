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
