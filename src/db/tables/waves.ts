import type { Generated } from 'kysely';

export type WaveStrategy = 'single' | 'batch' | 'zone';

export interface WavesTable {
  id: string;
  warehouse_id: string;
  strategy: WaveStrategy;
  status: Generated<'released' | 'picking' | 'picked' | 'cancelled'>;
  criteria: Generated<unknown>;
  unreleased: Generated<unknown>;
  orders: Generated<number>;
  lines: Generated<number>;
  units: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
  completed_at: Date | null;
  updated_at: Generated<Date>;
}

export interface PickTasksTable {
  id: string;
  wave_id: string;
  warehouse_id: string;
  seq: number;
  strategy: WaveStrategy;
  zone_id: string | null;
  priority_rank: Generated<number>;
  status: Generated<'open' | 'in_progress' | 'done' | 'cancelled'>;
  picker: string | null;
  path_m: number | null;
  path_model: Generated<'s_shape' | 'walk_sequence'>;
  claimed_at: Date | null;
  completed_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface PickTaskLinesTable {
  id: string;
  task_id: string;
  seq: number;
  warehouse_id: string;
  fulfillment_order_id: string;
  order_line_id: string;
  sku_id: string;
  bin_id: string;
  lot: Generated<string>;
  slot: number | null;
  qty: number;
  qty_picked: Generated<number>;
  qty_short: Generated<number>;
  qty_cancelled: Generated<number>;
  qty_returned: Generated<number>;
  status: Generated<'open' | 'done' | 'cancelled'>;
  updated_at: Generated<Date>;
}

export interface PickExceptionsTable {
  id: string;
  warehouse_id: string;
  kind: Generated<'short'>;
  task_id: string;
  task_line_id: string;
  fulfillment_order_id: string;
  order_id: string;
  sku_id: string;
  bin_id: string;
  lot: Generated<string>;
  qty_expected: number;
  qty_found: number;
  qty_missing: number;
  qty_reallocated: Generated<number>;
  qty_rerouted: Generated<number>;
  qty_deferred: Generated<number>;
  picker: string | null;
  created_at: Generated<Date>;
}

export interface WavesTables {
  waves: WavesTable;
  pick_tasks: PickTasksTable;
  pick_task_lines: PickTaskLinesTable;
  pick_exceptions: PickExceptionsTable;
}
