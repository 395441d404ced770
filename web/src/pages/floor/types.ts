/** Shapes of the floor API as these screens read them (docs/fulfillment.md, docs/inbound.md). */

export interface PickLine {
  id: string;
  seq: number;
  status: 'open' | 'done' | 'cancelled';
  fulfillment_order_id: string;
  order_id: string;
  slot: number | null;
  bin: string;
  sku: string;
  name: string;
  gtin: string | null;
  lot: string;
  qty: number;
  qty_picked: number;
  qty_short: number;
  qty_remaining: number;
}

export interface PickTask {
  id: string;
  seq: number;
  wave_id: string;
  warehouse_id: string;
  status: 'open' | 'in_progress' | 'done' | 'cancelled';
  zone: string | null;
  lines: number;
  units: number;
  units_picked: number;
  units_short: number;
  next_line: PickLine | null;
  items: PickLine[];
}

export interface PickResult {
  puts: { line_id: string; fulfillment_order_id: string; slot: number | null; qty: number }[];
  task: PickTask;
}

export interface Wave {
  id: string;
  warehouse_id: string;
  strategy: 'single' | 'batch' | 'zone';
  status: 'released' | 'picking' | 'picked' | 'cancelled';
  orders: number;
  lines: number;
  units: number;
  progress: { tasks: number; tasks_done: number; units: number; units_picked: number; units_short: number; units_cancelled: number; percent: number };
  tasks: { id: string; seq: number; status: string; zone: string | null; picker: string | null; path_m: number | null; units: number; units_picked: number }[];
  unreleased: { fulfillment_order_id: string; sku: string | null; qty: number; message: string }[];
  created_at: string;
}

export interface FulfillmentOrderRow {
  id: string;
  order_id: string;
  warehouse_id: string;
  status: string;
  priority: string;
  dispatch_by: string | null;
  lines: { sku_id: string; qty: number; qty_cancelled: number }[];
}

export interface PackLine {
  sku_id: string;
  sku: string;
  name: string;
  gtin: string | null;
  picked: number;
  packed: number;
  expected: number;
  scanned: number;
  remaining: number;
}

export interface PackageView {
  id: string;
  seq: number;
  status: string;
  carton_code: string | null;
  weight_g: number;
  weight_estimated: boolean;
  items: { sku_id: string; sku?: string; qty: number }[];
}

export interface PackState {
  fulfillment_order_id: string;
  order_id: string;
  order_number: string;
  warehouse_id: string;
  status: string;
  lines: PackLine[];
  complete: boolean;
  packages: PackageView[];
}

export interface PackResult {
  status: string;
  carton_selection: 'given' | 'auto';
  packages: PackageView[];
  notes: string[];
}

export interface Carton {
  id: string;
  code: string;
  length_mm: number;
  width_mm: number;
  height_mm: number;
  max_weight_g: number;
  active: boolean;
}

export interface CartonPreview {
  packages: { carton: Carton; items: { sku: string; qty: number }[]; weight_g: number; fill_ratio: number }[];
  unfit: { sku: string; qty: number; reason: string }[];
}

export interface Shipment {
  id: string;
  order_id: string;
  order_number: string;
  package_id: string;
  warehouse_id: string;
  carrier: string;
  service: string;
  status: string;
  tracking_number: string;
  estimated_delivery: string | null;
  manifest_id: string | null;
  created_at: string;
  label_pdf_url?: string;
  label_zpl_url?: string;
}
