import type { LedgerState, LedgerType, StockState } from '../../db/tables/inventory.js';

export type { LedgerState, LedgerType, StockState };

export type InventoryErrorCode =
  | 'insufficient_stock'
  | 'insufficient_bin_stock'
  | 'sku_not_found'
  | 'sku_is_kit'
  | 'bin_not_found'
  | 'bin_wrong_warehouse'
  | 'bin_under_count'
  | 'warehouse_not_found'
  | 'reservation_not_found'
  | 'reservation_exists'
  | 'invalid_transition'
  | 'transfer_not_found'
  | 'transfer_invalid_state'
  | 'transfer_over_receipt'
  | 'count_not_found'
  | 'count_already_posted'
  | 'count_incomplete'
  | 'bin_not_in_count'
  | 'validation_failed';

/** Why a quantity was adjusted by hand (a count posts with `count`). */
export const ADJUST_REASONS = ['correction', 'damaged', 'lost', 'found', 'expired', 'theft', 'sample', 'count', 'other'] as const;
export type AdjustReason = (typeof ADJUST_REASONS)[number];

export const STOCK_STATES: readonly StockState[] = ['available', 'damaged', 'quarantine'];

/** A place stock can be in inside a warehouse: a bin, or (bin_id null) on hand but not yet put away. */
export interface Location {
  warehouse_id: string;
  bin_id: string | null;
  sku_id: string;
  lot: string;
  state: StockState;
}

export interface ReceiveLine {
  sku_id: string;
  qty: number;
  bin_id?: string | null | undefined;
  lot?: string | undefined;
  expires_on?: string | undefined;
  state?: StockState | undefined;
}

export interface ReceiveInput {
  warehouse_id: string;
  lines: ReceiveLine[];
  reference?: string | undefined;
  actor?: string | undefined;
}

export interface AdjustInput {
  warehouse_id: string;
  sku_id: string;
  bin_id?: string | null | undefined;
  lot?: string | undefined;
  state?: StockState | undefined;
  delta: number;
  reason: AdjustReason;
  note?: string | undefined;
  expires_on?: string | undefined;
  reference?: string | undefined;
  actor?: string | undefined;
}

export interface MoveInput {
  warehouse_id: string;
  sku_id: string;
  qty: number;
  from_bin_id: string | null;
  to_bin_id: string | null;
  lot?: string | undefined;
  from_state?: StockState | undefined;
  to_state?: StockState | undefined;
  reference?: string | undefined;
  actor?: string | undefined;
}

export interface ReserveLine {
  /** The order line (or other line) this holds stock for; lines with the same ref_line, SKU and warehouse merge. */
  ref_line: string;
  sku_id: string;
  warehouse_id: string;
  qty: number;
  /** The SKU's code, used only in error details. */
  sku?: string | undefined;
}

export type ReserveMode = 'all_or_nothing' | 'partial';

export interface ReserveInput {
  /** What the stock is held for: an order id, a transfer id, an integration's reference. */
  ref: string;
  lines: ReserveLine[];
  mode?: ReserveMode | undefined;
  actor?: string | undefined;
}

export interface ReservationView {
  id: string;
  ref: string;
  ref_line: string;
  sku_id: string;
  warehouse_id: string;
  qty: number;
  committed_qty: number;
  released_qty: number;
  status: 'open' | 'committed' | 'released';
  created_at: Date;
  updated_at: Date;
}

export interface ShortLine {
  ref_line: string;
  sku_id: string;
  warehouse_id: string;
  requested: number;
  reserved: number;
}

export interface ReserveResult {
  reservations: ReservationView[];
  /** Lines that got less than they asked for (only in partial mode; all_or_nothing throws instead). */
  short: ShortLine[];
}

export interface ReleaseInput {
  reservation_ids?: string[] | undefined;
  ref?: string | undefined;
  ref_line?: string | undefined;
  /** Release only part of one reservation; the rest stays open. */
  qty?: number | undefined;
  actor?: string | undefined;
}

export interface Pick {
  bin_id: string | null;
  lot?: string | undefined;
  qty: number;
}

export interface CommitInput {
  reservation_id: string;
  /** Where the units were picked from; when absent, bins are chosen FEFO (then FIFO), skipping bins under count. */
  picks?: Pick[] | undefined;
  /** Commit only part of the reservation (the rest stays open); defaults to all of it. */
  qty?: number | undefined;
  reference?: string | undefined;
  actor?: string | undefined;
}

export interface StockLevelView {
  sku_id: string;
  sku: string;
  warehouse_id: string;
  on_hand: number;
  reserved: number;
  available: number;
  damaged: number;
  quarantine: number;
  in_transit: number;
  updated_at: Date;
}

export interface LevelChange {
  sku_id: string;
  warehouse_id: string;
  on_hand: number;
  reserved: number;
  damaged: number;
  quarantine: number;
  in_transit: number;
}

export interface BinStockView {
  warehouse_id: string;
  bin_id: string | null;
  bin: string | null;
  sku_id: string;
  sku: string;
  lot: string;
  state: StockState;
  qty: number;
  expires_on: string | null;
  received_at: Date;
  under_count: boolean;
}

export interface LedgerEntryView {
  seq: number;
  type: LedgerType;
  sku_id: string;
  sku: string;
  warehouse_id: string;
  bin_id: string | null;
  bin: string | null;
  lot: string;
  state: LedgerState;
  delta: number;
  reserved_delta: number;
  reason: string | null;
  reference: string | null;
  actor: string | null;
  occurred_at: Date;
}

export interface TransferLineInput {
  sku_id: string;
  qty: number;
  sku?: string | undefined;
}

export interface TransferView {
  id: string;
  from_warehouse_id: string;
  to_warehouse_id: string;
  status: 'created' | 'shipped' | 'partially_received' | 'received' | 'cancelled';
  reference: string | null;
  created_at: Date;
  shipped_at: Date | null;
  closed_at: Date | null;
  lines: { line_no: number; sku_id: string; sku: string; qty: number; shipped: number; received: number; discrepancy: number }[];
}

export interface TransferReceiveLine {
  sku_id: string;
  qty: number;
  bin_id?: string | null | undefined;
  lot?: string | undefined;
  expires_on?: string | undefined;
}

export interface CountView {
  id: string;
  warehouse_id: string;
  status: 'open' | 'posted' | 'cancelled';
  created_at: Date;
  posted_at: Date | null;
  bins: { bin_id: string; bin: string; counted_at: Date | null }[];
}

export interface VarianceLine {
  bin_id: string;
  bin: string;
  sku_id: string;
  sku: string;
  lot: string;
  expected: number;
  counted: number | null;
  variance: number | null;
}

export type DriftKind =
  | 'on_hand_vs_ledger'
  | 'reserved_vs_reservations'
  | 'reserved_vs_ledger'
  | 'state_vs_ledger'
  | 'bins_vs_level'
  | 'bin_vs_ledger'
  | 'in_transit_vs_transfers'
  | 'reserved_exceeds_on_hand'
  | 'negative_quantity';

export interface Drift {
  kind: DriftKind;
  sku_id: string;
  warehouse_id: string;
  bin_id?: string | null;
  lot?: string;
  state?: LedgerState;
  /** What the counter or row says. */
  actual: number;
  /** What it should be, recomputed from the source of truth. */
  expected: number;
}
