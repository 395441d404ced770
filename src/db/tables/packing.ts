import type { ColumnType, Generated } from 'kysely';

export interface PackSessionsTable {
  id: Generated<number>;
  fulfillment_order_id: string;
  status: Generated<'open' | 'closed'>;
  opened_by: string | null;
  opened_at: Generated<Date>;
  closed_at: Date | null;
}

export interface PackScansTable {
  id: Generated<number>;
  session_id: number;
  sku_id: string;
  barcode: string;
  qty: number;
  scanned_by: string | null;
  scanned_at: Generated<Date>;
}

export type PackageStatus = 'packed' | 'shipped' | 'cancelled';

export interface PackagesTable {
  id: string;
  fulfillment_order_id: string;
  order_id: string;
  warehouse_id: string;
  seq: number;
  carton_code: string | null;
  length_mm: number | null;
  width_mm: number | null;
  height_mm: number | null;
  weight_g: number;
  /** True when the weight was computed (items + carton tare) rather than read from a scale. */
  weight_estimated: Generated<boolean>;
  status: Generated<PackageStatus>;
  packed_by: string | null;
  created_at: Generated<Date>;
  shipped_at: Date | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
}

export interface PackageItemsTable {
  package_id: string;
  order_line_id: string;
  sku_id: string;
  qty: number;
}

/** The lot (and expiry) shipped units of a package item left from; none for 3PL or older packages. */
export interface PackageItemLotsTable {
  package_id: string;
  order_line_id: string;
  sku_id: string;
  lot: string;
  expires_on: ColumnType<string | null, string | null, string | null>;
  qty: number;
}

export interface PackingTables {
  pack_sessions: PackSessionsTable;
  pack_scans: PackScansTable;
  packages: PackagesTable;
  package_items: PackageItemsTable;
  package_item_lots: PackageItemLotsTable;
}
