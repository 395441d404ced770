import type { ColumnType, Generated } from 'kysely';

export type ReturnStatusColumn = 'requested' | 'received' | 'inspected' | 'closed' | 'cancelled';

export interface ReturnsTable {
  id: string;
  number: string;
  order_id: string;
  seq: number;
  type: 'customer' | 'rto';
  status: Generated<ReturnStatusColumn>;
  warehouse_id: string;
  shipment_id: string | null;
  currency: string;
  refund_shipping: Generated<boolean>;
  refund_amount: Generated<number>;
  shipping_refund_amount: Generated<number>;
  note: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  received_at: Date | null;
  inspected_at: Date | null;
  closed_at: Date | null;
  cancelled_at: Date | null;
}

export interface ReturnLinesTable {
  return_id: string;
  order_line_id: string;
  line_no: number;
  sku_id: string;
  qty: number;
  reason: string;
  qty_received: Generated<number>;
  qty_inspected: Generated<number>;
  qty_restocked: Generated<number>;
  qty_quarantined: Generated<number>;
  qty_scrapped: Generated<number>;
  qty_exchanged: Generated<number>;
  qty_refunded: Generated<number>;
  refund_amount: Generated<number>;
}

export interface ReturnInspectionsTable {
  id: Generated<number>;
  return_id: string;
  order_line_id: string;
  qty: number;
  condition: 'new' | 'opened' | 'damaged';
  disposition: 'restock' | 'quarantine' | 'scrap';
  bin_id: string | null;
  refund_amount: Generated<number>;
  note: string | null;
  actor: string | null;
  at: Generated<Date>;
}

/** The lot inspected units went back into (or were written off from); known = false: not recorded at shipping. */
export interface ReturnInspectionLotsTable {
  inspection_id: number;
  sku_id: string;
  lot: string;
  expires_on: ColumnType<string | null, string | null, string | null>;
  known: boolean;
  qty: number;
}

export interface ReturnExchangesTable {
  id: Generated<number>;
  return_id: string;
  external_id: string;
  order_id: string | null;
  status: Generated<'pending' | 'created'>;
  lines: ColumnType<unknown, string, string>;
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface ReturnsTables {
  returns: ReturnsTable;
  return_lines: ReturnLinesTable;
  return_inspections: ReturnInspectionsTable;
  return_exchanges: ReturnExchangesTable;
  return_inspection_lots: ReturnInspectionLotsTable;
}
