import type { OrderAddressInput, OrderPriority, PaymentMethod } from './orders.input.js';
import type { OrderStatus } from './orders.lifecycle.js';

export type OrdersErrorCode =
  | 'order_not_found'
  | 'invalid_transition'
  | 'hold_not_found'
  | 'line_not_found'
  | 'cannot_cancel_shipped'
  | 'order_not_editable'
  | 'qty_exceeds_open'
  | 'channel_not_found'
  | 'malformed_payload';

export interface OrderLineView {
  id: string;
  line_no: number;
  external_line_id: string | null;
  sku_id: string | null;
  sku: string | null;
  channel_sku: string | null;
  title: string | null;
  qty: number;
  unit_price_amount: number;
  discount_amount: number;
  tax_amount: number;
  needs_shipping: boolean;
  fulfilled_externally: boolean;
  qty_cancelled: number;
  qty_shipped: number;
  qty_returned: number;
}

export interface HoldView {
  id: string;
  reason: string;
  detail: string;
  data: Record<string, unknown>;
  status: 'open' | 'released' | 'cancelled';
  created_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
}

export interface TimelineEntry {
  type: string;
  message: string;
  data: Record<string, unknown>;
  actor: string | null;
  at: Date;
}

export interface OrderRow {
  id: string;
  channel_id: string;
  external_id: string;
  number: string;
  status: OrderStatus;
  currency: string;
  placed_at: Date;
  customer: { name: string; email: string | null; phone: string | null };
  shipping_address: OrderAddressInput | null;
  billing_address: OrderAddressInput | null;
  payment_method: PaymentMethod;
  subtotal_amount: number;
  discount_amount: number;
  shipping_amount: number;
  tax_amount: number;
  total_amount: number;
  stated_total_amount: number | null;
  priority: OrderPriority;
  shipping_method: string | null;
  promised_ship_by: Date | null;
  promised_deliver_by: Date | null;
  dispatch_by: Date | null;
  tags: string[];
  channel_data: Record<string, unknown>;
  version: number;
  cancel_reason: string | null;
  cancelled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface OrderDetail extends OrderRow {
  lines: OrderLineView[];
  holds: HoldView[];
  timeline: TimelineEntry[];
}
