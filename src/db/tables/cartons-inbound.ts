import type { Generated } from 'kysely';

export interface CartonsTable {
  id: string;
  warehouse_id: string;
  code: string;
  length_mm: number;
  width_mm: number;
  height_mm: number;
  max_weight_g: number;
  tare_weight_g: Generated<number>;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type AsnStatus = 'open' | 'receiving' | 'closed' | 'cancelled';

export interface AsnsTable {
  id: string;
  warehouse_id: string;
  reference: string;
  supplier: string | null;
  expected_at: Date | null;
  status: Generated<AsnStatus>;
  over_tolerance_pct: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
  closed_at: Date | null;
  updated_at: Generated<Date>;
}

export interface AsnLinesTable {
  asn_id: string;
  line_no: number;
  sku_id: string;
  lot: Generated<string>;
  expires_on: string | null;
  expected: number;
  received: Generated<number>;
  damaged: Generated<number>;
  short: Generated<number>;
}

export interface AsnReceiptsTable {
  id: string;
  asn_id: string;
  line_no: number;
  qty: number;
  damaged: Generated<number>;
  bin_id: string | null;
  lot: Generated<string>;
  expires_on: string | null;
  actor: string | null;
  received_at: Generated<Date>;
}

export interface SkuPutawayZonesTable {
  sku_id: string;
  warehouse_id: string;
  zone_id: string;
  updated_at: Generated<Date>;
}

export interface ReplenishmentRulesTable {
  warehouse_id: string;
  bin_id: string;
  sku_id: string;
  min_qty: number;
  max_qty: number;
  active: Generated<boolean>;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export interface ReplenishmentTasksTable {
  id: string;
  warehouse_id: string;
  bin_id: string;
  sku_id: string;
  qty: number;
  moved_qty: Generated<number>;
  status: Generated<'open' | 'done' | 'cancelled'>;
  created_at: Generated<Date>;
  closed_at: Date | null;
  closed_by: string | null;
}

export interface ReplenishmentTaskLinesTable {
  task_id: string;
  line_no: number;
  from_bin_id: string;
  lot: Generated<string>;
  qty: number;
  moved_qty: Generated<number>;
}

export interface CartonsInboundTables {
  cartons: CartonsTable;
  asns: AsnsTable;
  asn_lines: AsnLinesTable;
  asn_receipts: AsnReceiptsTable;
  sku_putaway_zones: SkuPutawayZonesTable;
  replenishment_rules: ReplenishmentRulesTable;
  replenishment_tasks: ReplenishmentTasksTable;
  replenishment_task_lines: ReplenishmentTaskLinesTable;
}
