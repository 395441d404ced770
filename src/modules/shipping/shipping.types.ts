import type { ShipmentStatus } from '../../db/tables/shipping.js';

export type { ShipmentStatus };

export const SHIPMENT_STATUSES: readonly ShipmentStatus[] = ['label_created', 'in_transit', 'out_for_delivery', 'delivered', 'exception', 'rto_initiated', 'rto_delivered', 'cancelled'];

/** `external`: a carrier a 3PL ships with under its own contract — no rating or labels here; its shipments come from X12 945s. */
export type CarrierKind = 'rate_card' | 'easypost' | 'external';

export type ShippingErrorCode =
  | 'carrier_not_found'
  | 'carrier_exists'
  | 'carrier_inactive'
  | 'carrier_error'
  | 'invalid_carrier_settings'
  | 'no_serviceable_carrier'
  | 'service_not_available'
  | 'shipment_not_found'
  | 'label_not_found'
  | 'manifest_not_found'
  | 'manifest_closed'
  | 'manifest_empty'
  | 'manifest_open'
  | 'no_shipping_address'
  | 'gs1_prefix_not_set'
  | 'tracking_range_exhausted'
  | 'already_shipped'
  | 'invalid_signature'
  | 'malformed_csv'
  | 'import_has_errors';

/** An address as carriers need it; `point` is the geocoded centroid when known (distance zones). */
export interface PartyAddress {
  name?: string | null | undefined;
  company?: string | null | undefined;
  line1: string;
  line2?: string | null | undefined;
  city: string;
  state?: string | null | undefined;
  postal_code: string;
  country: string;
  phone?: string | null | undefined;
  email?: string | null | undefined;
}

/** The physical parcel: dimensions in mm, weight in grams. */
export interface Parcel {
  length_mm: number;
  width_mm: number;
  height_mm: number;
  weight_g: number;
}

export interface RateOptions {
  /** Cash to collect on delivery (minor units of `currency`), or null for prepaid. */
  cod_amount: number | null;
  currency: string;
  /** Warehouse → destination great-circle distance when both are located (for distance-band zones). */
  distance_km: number | null;
  /** A reference the carrier prints or stores (the order number). */
  reference?: string | undefined;
}

/** One price for one service of one carrier, with how it was made up. */
export interface Quote {
  carrier: string;
  service: string;
  amount: number;
  currency: string;
  transit_days: number | null;
  cod_capable: boolean;
  chargeable_weight_g: number;
  /** The parts of the amount (freight, fuel, cod_fee…) and the facts behind them (zone, slab…). */
  breakdown: Record<string, unknown>;
  /** What the carrier needs to buy this rate later (e.g. EasyPost shipment and rate ids). */
  ref?: Record<string, string> | undefined;
}

export type Serviceability = { ok: true } | { ok: false; reason: string };

/** What `rate` returns: quotes, or why the carrier cannot take this parcel. */
export type RateResult = { ok: true; quotes: Quote[] } | { ok: false; reason: string };

export interface LabelRequest {
  quote: Quote;
  parcel: Parcel;
  from: PartyAddress;
  to: PartyAddress;
  options: RateOptions;
}

export interface PurchasedLabel {
  tracking_number: string;
  /** The carrier's id for the shipment (to cancel or look it up), if it has one. */
  carrier_ref: string | null;
  /** The carrier's own label document, when it makes one (Tandem always renders its own 4×6 too). */
  carrier_label_url: string | null;
  /** The price actually charged (may differ from the quote). */
  amount: number;
  currency: string;
}

/** A tracking update in Tandem's vocabulary, parsed from a carrier's webhook payload. */
export interface TrackingUpdate {
  event_id: string;
  tracking_number: string;
  /** Null when the carrier's status has no meaning for Tandem (e.g. "unknown"): recorded, changes nothing. */
  status: ShipmentStatus | null;
  carrier_status: string;
  message: string | null;
  location: string | null;
  occurred_at: Date;
}

export interface CarrierView {
  code: string;
  name: string;
  kind: CarrierKind;
  active: boolean;
  cod_capable: boolean;
  settings: Record<string, unknown>;
  /** Which credentials are set — never their values. */
  credentials_set: string[];
  created_at: Date;
  updated_at: Date;
}

export interface RateChoice {
  chosen: Quote;
  alternatives: Quote[];
  reason: string;
  strategy: 'cheapest' | 'fastest';
  rejected: { carrier: string; reason: string }[];
  estimated_delivery: string | null;
}

export interface ShipmentView {
  id: string;
  order_id: string;
  order_number: string;
  warehouse_id: string;
  package_id: string;
  package_seq: number;
  fulfillment_order_id: string;
  carrier: string;
  service: string;
  tracking_number: string;
  carrier_ref: string | null;
  sscc: string | null;
  status: ShipmentStatus;
  currency: string;
  cod_amount: number;
  rate_amount: number;
  rate_currency: string;
  transit_days: number | null;
  estimated_delivery: string | null;
  weight_g: number;
  chargeable_weight_g: number;
  rate: Record<string, unknown>;
  alternatives: unknown[];
  selection: Record<string, unknown>;
  carrier_label_url: string | null;
  manifest_id: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
}

export interface ShipmentEventView {
  event_id: string;
  status: ShipmentStatus | null;
  carrier_status: string | null;
  message: string | null;
  location: string | null;
  occurred_at: Date;
  applied: boolean;
  received_at: Date;
}

export interface ManifestView {
  id: string;
  warehouse_id: string;
  carrier: string;
  seq: number;
  number: string;
  status: 'open' | 'closed';
  opened_at: Date;
  closed_at: Date | null;
  closed_by: string | null;
  shipment_count: number;
  total_weight_g: number;
}

export interface ShippingRule {
  warehouse_id: string | null;
  channel_id: string | null;
  strategy: 'cheapest' | 'fastest';
  preferred_carriers: string[];
  allowed_carriers: string[] | null;
}
