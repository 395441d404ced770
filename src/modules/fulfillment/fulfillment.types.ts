import type { WaveStrategy } from '../../db/tables/waves.js';
import type { PathModel } from './pick-path.js';

export type { WaveStrategy };

export type FulfillmentErrorCode =
  | 'fulfillment_order_not_found'
  | 'wave_not_found'
  | 'pick_task_not_found'
  | 'pick_line_not_found'
  | 'task_not_claimed'
  | 'task_claimed_by_other'
  | 'nothing_to_pick'
  | 'wrong_bin'
  | 'wrong_item'
  | 'over_pick'
  | 'use_confirm'
  | 'validation_failed';

export interface WaveCriteria {
  strategy: WaveStrategy;
  max_orders?: number | undefined;
  max_lines?: number | undefined;
  max_units?: number | undefined;
  /** Matches the order's shipping method (case-insensitive prefix): a carrier's trucks leave at its cut-off. */
  carrier?: string | undefined;
  /** Allocate only from bins of this zone (code); orders that cannot be picked entirely there wait. */
  zone?: string | undefined;
  single_line_only?: boolean | undefined;
  /** Only orders that must be dispatched before this instant. */
  cutoff_before?: string | undefined;
  /** Orders per batch task (batch strategy): the cart's slots. */
  orders_per_task?: number | undefined;
}

export interface UnreleasedLine {
  fulfillment_order_id: string;
  order_id: string;
  order_line_id: string | null;
  sku_id: string | null;
  sku: string | null;
  qty: number;
  reason: 'no_free_bin_stock' | 'over_limit';
  message: string;
}

export interface PickTaskSummary {
  id: string;
  seq: number;
  status: 'open' | 'in_progress' | 'done' | 'cancelled';
  zone: string | null;
  picker: string | null;
  path_m: number | null;
  path_model: PathModel;
  lines: number;
  units: number;
  units_picked: number;
  units_short: number;
}

export interface WaveView {
  id: string;
  warehouse_id: string;
  strategy: WaveStrategy;
  status: 'released' | 'picking' | 'picked' | 'cancelled';
  criteria: WaveCriteria;
  orders: number;
  lines: number;
  units: number;
  progress: { tasks: number; tasks_done: number; units: number; units_picked: number; units_short: number; units_cancelled: number; percent: number };
  fulfillment_order_ids: string[];
  tasks: PickTaskSummary[];
  unreleased: UnreleasedLine[];
  created_by: string | null;
  created_at: Date;
  completed_at: Date | null;
}

export interface PickLineView {
  id: string;
  seq: number;
  status: 'open' | 'done' | 'cancelled';
  fulfillment_order_id: string;
  order_id: string;
  order_line_id: string;
  slot: number | null;
  bin_id: string;
  bin: string;
  aisle: number | null;
  position: number | null;
  sku_id: string;
  sku: string;
  name: string;
  gtin: string | null;
  lot: string;
  qty: number;
  qty_picked: number;
  qty_short: number;
  qty_cancelled: number;
  qty_remaining: number;
}

export interface PickTaskView extends PickTaskSummary {
  wave_id: string;
  warehouse_id: string;
  strategy: WaveStrategy;
  claimed_at: Date | null;
  completed_at: Date | null;
  /** The next open line in path order (null when nothing is left). */
  next_line: PickLineView | null;
  /** Open lines first, in path order, then finished ones. */
  items: PickLineView[];
}

export interface PickExceptionView {
  id: string;
  warehouse_id: string;
  kind: 'short';
  task_id: string;
  task_line_id: string;
  fulfillment_order_id: string;
  order_id: string;
  sku_id: string;
  sku: string;
  bin_id: string;
  bin: string;
  lot: string;
  qty_expected: number;
  qty_found: number;
  qty_missing: number;
  qty_reallocated: number;
  qty_rerouted: number;
  /** Units kept reserved here but waiting (no free pickable bin): a new pending fulfillment order for a later wave. */
  qty_deferred: number;
  picker: string | null;
  created_at: Date;
}
