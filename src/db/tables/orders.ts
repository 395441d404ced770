import type { Generated } from 'kysely';
import type { OrderAddressInput } from '../../modules/orders/index.js';

export interface OrdersTable {
  id: string;
  channel_id: string;
  external_id: string;
  number: string;
  status: string;
  currency: string;
  placed_at: Date | string;
  customer_name: string;
  customer_email: string | null;
  customer_phone: string | null;
  shipping_address: OrderAddressInput | null;
  billing_address: OrderAddressInput | null;
  payment_method: 'prepaid' | 'cod';
  subtotal_amount: number;
  discount_amount: Generated<number>;
  shipping_amount: Generated<number>;
  tax_amount: Generated<number>;
  total_amount: number;
  stated_total_amount: number | null;
  priority: Generated<'low' | 'normal' | 'high' | 'urgent'>;
  shipping_method: string | null;
  promised_ship_by: Date | string | null;
  promised_deliver_by: Date | string | null;
  dispatch_by: Date | string | null;
  tags: Generated<string[]>;
  channel_data: Generated<Record<string, unknown>>;
  version: Generated<number>;
  cancel_reason: string | null;
  cancelled_at: Date | string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** Units waiting for stock (kept by allocation); the background re-allocation lists orders by it. */
  backordered_units: Generated<number>;
}

export interface OrderLinesTable {
  id: string;
  order_id: string;
  line_no: number;
  external_line_id: string | null;
  sku_id: string | null;
  channel_sku: string | null;
  title: string | null;
  qty: number;
  unit_price_amount: number;
  discount_amount: Generated<number>;
  tax_amount: Generated<number>;
  needs_shipping: Generated<boolean>;
  fulfilled_externally: Generated<boolean>;
  qty_cancelled: Generated<number>;
  qty_shipped: Generated<number>;
  qty_returned: Generated<number>;
}

export interface OrderHoldsTable {
  id: string;
  order_id: string;
  reason: string;
  detail: string;
  data: Generated<Record<string, unknown>>;
  status: Generated<'open' | 'released' | 'cancelled'>;
  created_at: Generated<Date>;
  resolved_at: Date | null;
  resolved_by: string | null;
}

export interface OrderEventsTable {
  id: Generated<number>;
  order_id: string;
  type: string;
  message: string;
  data: Generated<Record<string, unknown>>;
  actor: string | null;
  at: Generated<Date>;
}

export interface OrderRulesTable {
  id: string;
  channel_id: string | null;
  cod_limit_amount: number | null;
  high_value_amount: number | null;
  blocked_phones: Generated<string[]>;
  blocked_postal_codes: Generated<string[]>;
  duplicate_window_minutes: Generated<number>;
  express_methods: Generated<string[]>;
  priority_tags: Generated<string[]>;
  handling_hours: Generated<number>;
  updated_at: Generated<Date>;
}

export interface RoutingDecisionsTable {
  id: Generated<number>;
  order_id: string;
  strategy: string;
  plan: unknown;
  backordered: unknown;
  reasons: unknown;
  notes: Generated<unknown>;
  created_at: Generated<Date>;
}

export interface FulfillmentOrdersTable {
  id: string;
  order_id: string;
  warehouse_id: string;
  status: Generated<'pending' | 'released' | 'picking' | 'picked' | 'packing' | 'packed' | 'shipped' | 'cancelled'>;
  priority: Generated<string>;
  dispatch_by: Date | string | null;
  /** Set by wave release (migration 0100_waves). */
  wave_id: Generated<string | null>;
  released_at: Generated<Date | null>;
  picked_at: Generated<Date | null>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface FulfillmentOrderLinesTable {
  fulfillment_order_id: string;
  order_line_id: string;
  sku_id: string;
  qty: number;
  qty_cancelled: Generated<number>;
}

export interface ChannelDeliveriesTable {
  channel_id: string;
  delivery_id: string;
  topic: string;
  external_id: string | null;
  order_id: string | null;
  outcome: string;
  received_at: Generated<Date>;
}

export interface OrdersTables {
  channel_deliveries: ChannelDeliveriesTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  order_holds: OrderHoldsTable;
  order_events: OrderEventsTable;
  order_rules: OrderRulesTable;
  routing_decisions: RoutingDecisionsTable;
  fulfillment_orders: FulfillmentOrdersTable;
  fulfillment_order_lines: FulfillmentOrderLinesTable;
}
