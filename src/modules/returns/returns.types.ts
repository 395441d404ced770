/** Reason codes a customer return line must give (a fixed list, documented in docs/returns.md). */
export const RETURN_REASONS = ['damaged', 'defective', 'wrong_item', 'not_as_described', 'no_longer_needed', 'size_fit', 'other'] as const;
export type ReturnReason = (typeof RETURN_REASONS)[number];
/** The reason recorded on every line of a return to origin (the carrier brought the parcel back). */
export const RTO_REASON = 'rto';

export const RETURN_TYPES = ['customer', 'rto'] as const;
export type ReturnType = (typeof RETURN_TYPES)[number];

export const RETURN_STATUSES = ['requested', 'received', 'inspected', 'closed', 'cancelled'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];

export const CONDITIONS = ['new', 'opened', 'damaged'] as const;
export type Condition = (typeof CONDITIONS)[number];

export const DISPOSITIONS = ['restock', 'quarantine', 'scrap'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

export type ReturnsErrorCode =
  | 'return_not_found'
  | 'invalid_transition'
  | 'line_not_found'
  | 'line_not_returnable'
  | 'qty_exceeds_returnable'
  | 'duplicate_line'
  | 'sku_not_in_return'
  | 'qty_exceeds_expected'
  | 'qty_exceeds_uninspected'
  | 'nothing_to_inspect'
  | 'uninspected_units'
  | 'qty_exceeds_exchangeable'
  | 'rto_exists'
  | 'nothing_shipped';

export interface ReturnLineView {
  line_id: string;
  line_no: number;
  sku_id: string;
  sku: string;
  reason: string;
  qty: number;
  qty_received: number;
  qty_inspected: number;
  qty_restocked: number;
  qty_quarantined: number;
  qty_scrapped: number;
  qty_exchanged: number;
  qty_refunded: number;
  refund_amount: number;
}

export interface InspectionView {
  id: number;
  line_id: string;
  qty: number;
  condition: Condition;
  disposition: Disposition;
  bin_id: string | null;
  refund_amount: number;
  note: string | null;
  actor: string | null;
  at: Date;
  /** The lot(s) the units went into (restock, quarantine) or were written off from (scrap); known = false: the lot was not recorded at shipping, so they went to the default lot. */
  lots: { sku_id: string; lot: string; expires_on: string | null; known: boolean; qty: number }[];
}

export interface ExchangeView {
  id: number;
  order_id: string | null;
  status: 'pending' | 'created';
  lines: { line_id: string; sku: string; qty: number; unit_price_amount: number }[];
  created_at: Date;
}

export interface ReturnView {
  id: string;
  number: string;
  order_id: string;
  type: ReturnType;
  status: ReturnStatus;
  warehouse_id: string;
  shipment_id: string | null;
  currency: string;
  refund_shipping: boolean;
  /** Everything refunded so far (lines and shipping), in minor units of `currency`. */
  refund_amount: number;
  shipping_refund_amount: number;
  note: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  received_at: Date | null;
  inspected_at: Date | null;
  closed_at: Date | null;
  cancelled_at: Date | null;
  lines: ReturnLineView[];
  inspections: InspectionView[];
  exchanges: ExchangeView[];
}

/** What the returns module is told about one order line when a return is opened (the workflow gathers it). */
export interface ReturnableLine {
  line_id: string;
  line_no: number;
  sku_id: string;
  /** Units of this line that shipped (whole kits for a kit line). */
  shipped: number;
}

export interface NewReturnLine {
  line_id: string;
  qty: number;
  reason: string;
}

export interface NewReturn {
  order_id: string;
  /** The order's human number: the return is numbered RMA-<order number>-<n>. */
  order_number: string;
  type: ReturnType;
  warehouse_id: string;
  currency: string;
  shipment_id?: string | undefined;
  refund_shipping?: boolean | undefined;
  note?: string | undefined;
  lines: NewReturnLine[];
}
