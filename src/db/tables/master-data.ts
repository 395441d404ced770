import type { Generated } from 'kysely';

export interface SkusTable {
  id: string;
  sku: string;
  name: string;
  gtin: string | null;
  weight_g: number | null;
  length_mm: number | null;
  width_mm: number | null;
  height_mm: number | null;
  is_kit: Generated<boolean>;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface KitComponentsTable {
  kit_sku_id: string;
  component_sku_id: string;
  qty: number;
}

export interface Address {
  line1: string;
  line2?: string;
  city: string;
  state?: string;
  postal_code: string;
  country: string;
}

export interface WarehousesTable {
  id: string;
  code: string;
  name: string;
  address: Address;
  postal_code: string;
  country: string;
  lat: number | null;
  lng: number | null;
  timezone: string;
  cutoff_time: string | null;
  type: Generated<'own' | 'external'>;
  active: Generated<boolean>;
  /** Lower is preferred by the routing rule `warehouse_priority`; ties go by code. */
  routing_priority: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ZonesTable {
  id: string;
  warehouse_id: string;
  code: string;
  name: string | null;
  created_at: Generated<Date>;
}

export interface BinsTable {
  id: string;
  warehouse_id: string;
  zone_id: string | null;
  code: string;
  walk_sequence: Generated<number>;
  capacity_units: number | null;
  pickable: Generated<boolean>;
  active: Generated<boolean>;
  /** Aisle number and position along it, for S-shape pick paths (null: walk_sequence only). */
  aisle: Generated<number | null>;
  position: Generated<number | null>;
  created_at: Generated<Date>;
}

export interface ChannelsTable {
  id: string;
  type: 'shopify' | 'woocommerce' | 'amazon' | 'flipkart' | 'api' | 'csv';
  name: string;
  secret: string | null;
  settings: Generated<Record<string, unknown>>;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ListingsTable {
  id: string;
  channel_id: string;
  channel_sku: string;
  sku_id: string;
  created_at: Generated<Date>;
}

export interface MasterDataTables {
  skus: SkusTable;
  kit_components: KitComponentsTable;
  warehouses: WarehousesTable;
  zones: ZonesTable;
  bins: BinsTable;
  channels: ChannelsTable;
  listings: ListingsTable;
}
