import type { Generated } from 'kysely';

export type StockState = 'available' | 'damaged' | 'quarantine';
export type LedgerState = StockState | 'in_transit';
export type LedgerType =
  | 'receipt' | 'adjustment' | 'move' | 'reserve' | 'release' | 'commit'
  | 'transfer_out' | 'transfer_in_transit' | 'transfer_in' | 'transfer_discrepancy' | 'count';

export interface StockLevelsTable {
  sku_id: string;
  warehouse_id: string;
  on_hand: Generated<number>;
  reserved: Generated<number>;
  damaged: Generated<number>;
  quarantine: Generated<number>;
  in_transit: Generated<number>;
  updated_at: Generated<Date>;
}

export interface BinStockTable {
  warehouse_id: string;
  bin_id: string | null;
  sku_id: string;
  lot: Generated<string>;
  state: Generated<StockState>;
  qty: number;
  expires_on: string | null;
  received_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface InventoryLedgerTable {
  seq: Generated<number>;
  type: LedgerType;
  sku_id: string;
  warehouse_id: string;
  bin_id: string | null;
  lot: Generated<string>;
  state: Generated<LedgerState>;
  delta: number;
  reserved_delta: Generated<number>;
  reason: string | null;
  reference: string | null;
  actor: string | null;
  occurred_at: Generated<Date>;
}

export interface ReservationsTable {
  id: string;
  ref: string;
  ref_line: Generated<string>;
  sku_id: string;
  warehouse_id: string;
  qty: number;
  committed_qty: Generated<number>;
  released_qty: Generated<number>;
  status: Generated<'open' | 'committed' | 'released'>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface TransfersTable {
  id: string;
  from_warehouse_id: string;
  to_warehouse_id: string;
  status: Generated<'created' | 'shipped' | 'partially_received' | 'received' | 'cancelled'>;
  reference: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
  shipped_at: Date | null;
  closed_at: Date | null;
  updated_at: Generated<Date>;
}

export interface TransferLinesTable {
  transfer_id: string;
  line_no: number;
  sku_id: string;
  qty: number;
  shipped: Generated<number>;
  received: Generated<number>;
  discrepancy: Generated<number>;
}

export interface CycleCountsTable {
  id: string;
  warehouse_id: string;
  status: Generated<'open' | 'posted' | 'cancelled'>;
  created_by: string | null;
  created_at: Generated<Date>;
  posted_at: Date | null;
  updated_at: Generated<Date>;
}

export interface CycleCountBinsTable {
  count_id: string;
  warehouse_id: string;
  bin_id: string;
  open: Generated<boolean>;
  counted_at: Date | null;
}

export interface CycleCountLinesTable {
  count_id: string;
  bin_id: string;
  sku_id: string;
  lot: Generated<string>;
  counted: number;
  expected: number | null;
  variance: number | null;
}

export interface InventoryTables {
  stock_levels: StockLevelsTable;
  bin_stock: BinStockTable;
  inventory_ledger: InventoryLedgerTable;
  reservations: ReservationsTable;
  transfers: TransfersTable;
  transfer_lines: TransferLinesTable;
  cycle_counts: CycleCountsTable;
  cycle_count_bins: CycleCountBinsTable;
  cycle_count_lines: CycleCountLinesTable;
}
