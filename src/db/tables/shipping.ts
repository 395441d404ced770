import type { ColumnType, Generated } from 'kysely';

type Json<T> = ColumnType<T, string, string>;
type JsonDefault<T> = ColumnType<T, string | undefined, string>;

export interface CarriersTable {
  code: string;
  name: string;
  kind: 'rate_card' | 'easypost' | 'external';
  active: Generated<boolean>;
  cod_capable: Generated<boolean>;
  settings: JsonDefault<Record<string, unknown>>;
  /** Secrets (API keys, webhook secrets): read only by adapters and hook verification, never returned by the API. */
  credentials: JsonDefault<Record<string, string>>;
  tracking_next: number | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface RateCardZonesTable {
  id: Generated<number>;
  carrier: string;
  zone: string;
  max_km: number | null;
  dest_prefix: string | null;
  origin_prefix: string | null;
}

export interface RateCardSlabsTable {
  carrier: string;
  service: string;
  zone: string;
  transit_days: number;
  up_to_g: number;
  amount: number;
  extra_every_g: number | null;
  extra_amount: number | null;
}

export interface CarrierServiceabilityTable {
  carrier: string;
  match: 'exact' | 'prefix';
  postal_code: string;
  prepaid: Generated<boolean>;
  cod: Generated<boolean>;
}

export interface ShippingRulesTable {
  id: Generated<number>;
  warehouse_id: string | null;
  channel_id: string | null;
  strategy: Generated<'cheapest' | 'fastest'>;
  preferred_carriers: Generated<string[]>;
  allowed_carriers: string[] | null;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export interface ShippingSettingsTable {
  id: string;
  gs1_company_prefix: string | null;
  sscc_extension_digit: Generated<number>;
  updated_at: Generated<Date>;
}

export interface ManifestsTable {
  id: string;
  warehouse_id: string;
  carrier: string;
  seq: number;
  status: Generated<'open' | 'closed'>;
  opened_at: Generated<Date>;
  closed_at: Date | null;
  closed_by: string | null;
  shipment_count: number | null;
  total_weight_g: number | null;
  handover_pdf: Buffer | null;
}

export type ShipmentStatus = 'label_created' | 'in_transit' | 'out_for_delivery' | 'delivered' | 'exception' | 'rto_initiated' | 'rto_delivered' | 'cancelled';

export interface ShipmentsTable {
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
  status: Generated<ShipmentStatus>;
  currency: string;
  cod_amount: Generated<number>;
  rate_amount: number;
  rate_currency: string;
  transit_days: number | null;
  estimated_delivery: string | null;
  weight_g: number;
  chargeable_weight_g: number;
  rate: Json<Record<string, unknown>>;
  alternatives: JsonDefault<unknown[]>;
  selection: JsonDefault<Record<string, unknown>>;
  carrier_label_url: string | null;
  manifest_id: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  delivered_at: Date | null;
}

export interface ShipmentLabelsTable {
  shipment_id: string;
  pdf: Buffer;
  zpl: string;
  created_at: Generated<Date>;
}

export interface ShipmentEventsTable {
  id: Generated<number>;
  shipment_id: string;
  carrier: string;
  event_id: string;
  status: ShipmentStatus | null;
  carrier_status: string | null;
  message: string | null;
  location: string | null;
  occurred_at: Date;
  applied: boolean;
  received_at: Generated<Date>;
}

export interface ShippingTables {
  carriers: CarriersTable;
  rate_card_zones: RateCardZonesTable;
  rate_card_slabs: RateCardSlabsTable;
  carrier_serviceability: CarrierServiceabilityTable;
  shipping_rules: ShippingRulesTable;
  shipping_settings: ShippingSettingsTable;
  manifests: ManifestsTable;
  shipments: ShipmentsTable;
  shipment_labels: ShipmentLabelsTable;
  shipment_events: ShipmentEventsTable;
}
