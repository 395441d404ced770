/** Shapes of the inventory API's cycle counts and transfers, as the dashboard reads them (see docs/inventory.md). */

export interface CountView {
  id: string;
  warehouse_id: string;
  status: 'open' | 'posted' | 'cancelled';
  created_at: string;
  posted_at: string | null;
  bins: { bin_id: string; bin: string; counted_at: string | null }[];
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

export interface VarianceReport {
  count: CountView;
  lines: VarianceLine[];
}

export interface TransferLine {
  line_no: number;
  sku_id: string;
  sku: string;
  qty: number;
  shipped: number;
  received: number;
  discrepancy: number;
}

export interface TransferView {
  id: string;
  from_warehouse_id: string;
  to_warehouse_id: string;
  status: 'created' | 'shipped' | 'partially_received' | 'received' | 'cancelled';
  reference: string | null;
  created_at: string;
  shipped_at: string | null;
  closed_at: string | null;
  lines: TransferLine[];
}

export const COUNT_STATUS_COLORS: Record<CountView['status'], string> = { open: 'blue', posted: 'green', cancelled: 'gray' };
export const TRANSFER_STATUS_COLORS: Record<TransferView['status'], string> = { created: 'blue', shipped: 'indigo', partially_received: 'yellow', received: 'green', cancelled: 'gray' };

/** A signed quantity as people read it: +3, −2, 0 (a true minus sign, so it is not read as a hyphen). */
export function signed(n: number): string {
  return n > 0 ? `+${n}` : n < 0 ? `\u2212${-n}` : '0';
}
