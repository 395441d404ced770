import type { ChannelView, StockPolicy } from '../../modules/channels/index.js';

/** One order line's part of a shipment, in the channel's terms. */
export interface WritebackItem {
  order_line_id: string;
  /** The channel's id of the line (Shopify line_item id, WooCommerce line item, Amazon OrderItemId, Flipkart orderItemId). */
  external_line_id: string | null;
  sku: string | null;
  /** Units of the order line in this shipment (kits counted whole). */
  qty: number;
}

/** Everything an adapter needs to tell a channel about one shipment. */
export interface WritebackRequest {
  writeback_id: string;
  order: {
    id: string;
    number: string;
    external_id: string;
    status: string;
    channel_data: Record<string, unknown>;
    /** Every shippable unit of the order has shipped (WooCommerce `completed`). */
    complete: boolean;
  };
  shipment: {
    id: string;
    package_seq: number;
    carrier: string;
    carrier_name: string;
    /** The channel's code for the carrier (Amazon carrierCode, Flipkart deliveryPartnerCode), from the write-back settings. */
    carrier_code: string | null;
    service: string;
    tracking_number: string;
    tracking_url: string | null;
    shipped_at: Date;
    estimated_delivery: string | null;
  };
  items: WritebackItem[];
  notify_customer: boolean;
}

export interface WritebackContext {
  channel: ChannelView;
  policy: StockPolicy;
  credentials: Record<string, string>;
  fetch: typeof fetch;
  timeoutMs: number;
}

/** What the channel created (its id, kept so a retry never creates a second one) and a sentence for the timeline. */
export interface WritebackResult {
  external_ref: string;
  message: string;
}

/** A channel's order-fulfillment API. Failures are thrown as PushFailure (transient or not). */
export interface WritebackAdapter {
  type: ChannelView['type'];
  credentialSets: string[][];
  write(ctx: WritebackContext, req: WritebackRequest): Promise<WritebackResult>;
}
